"""Lab test fixtures: run ``serve()`` in-process and talk to it (127.66.0.0/28 only), or run
a background lab of the credentialed profiles (``depth_lab``, 127.68.0.0/28, needs root).

Tests get the helpers as fixtures (``run_lab``, ``exchange``, ``client_tls``, ``records``,
``depth_lab``) because pytest runs with ``--import-mode=importlib`` (no sibling imports).
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from camaudit.lab.control import down, list_devices, up
from camaudit.lab.handlers import Timeouts
from camaudit.lab.plan import LabDevice
from camaudit.lab.server import serve

FAST = Timeouts(head=2.0, idle=0.5, hold=0.3, tls=2.0, stream=5.0, write=2.0)


def _run_lab(devices: list[LabDevice], log: Path | None,
             body: Callable[[dict[str, LabDevice]], Awaitable[None]]) -> None:
    async def main() -> None:
        ready = asyncio.Event()
        task = asyncio.create_task(serve(devices, log, ready.set, timeouts=FAST))
        waiter = asyncio.create_task(ready.wait())
        done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            waiter.cancel()
            await task  # raises the startup error
        try:
            await body({d.profile: d for d in devices})
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
    asyncio.run(main())


async def _exchange(ip: str, port: int, request: bytes, limit: int = 1 << 20) -> bytes:
    reader, writer = await asyncio.open_connection(ip, port)
    try:
        writer.write(request)
        await writer.drain()
        data = bytearray()
        while len(data) < limit:
            chunk = await reader.read(65536)
            if not chunk:
                break
            data += chunk
        return bytes(data)
    finally:
        writer.close()
        await writer.wait_closed()


def _client_tls() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _records(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


@pytest.fixture
def run_lab() -> Callable[[list[LabDevice], Path | None,
                           Callable[[dict[str, LabDevice]], Awaitable[None]]], None]:
    """Run ``serve()`` for devices, await ``body(by_profile)``, then cancel the lab."""
    return _run_lab


@pytest.fixture
def exchange() -> Callable[..., Awaitable[bytes]]:
    """Send bytes to ip:port and read until the server closes (or ``limit`` bytes)."""
    return _exchange


@pytest.fixture
def client_tls() -> ssl.SSLContext:
    """A TLS client context that accepts the lab's self-made certificates."""
    return _client_tls()


@pytest.fixture
def records() -> Callable[[Path], list[dict[str, object]]]:
    """Parse a request log into its JSON records."""
    return _records


# The profiles whose credentialed endpoints a depth client reads (docs/lab.md, "Depth").
DEPTH_PROFILES = ["hikvision-ipc", "hikvision-nvr", "dahua-ipc", "dahua-nvr", "xiongmai-dvr",
                  "axis", "hikvision-oem", "dahua-onvif-open"]
DEPTH_NET = "127.68.0.0/28"


@dataclass(frozen=True)
class DepthLab:
    """A running background lab: every device's ground truth (``lab list --format json``:
    the devices on addresses and the cameras behind recorders) and its request log."""

    devices: list[LabDevice]
    log: Path

    def one(self, profile: str) -> LabDevice:
        """The device of ``profile`` on an address (not a camera behind a recorder)."""
        return next(d for d in self.devices if d.profile == profile and d.recorder is None)

    def behind(self, recorder: LabDevice) -> list[LabDevice]:
        """The cameras behind ``recorder``, in channel order."""
        return sorted((d for d in self.devices if d.recorder == recorder.ip),
                      key=lambda d: d.channel or 0)


@pytest.fixture(scope="module")
def depth_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DepthLab]:
    """A background lab of ``DEPTH_PROFILES`` on ``DEPTH_NET`` with its ground truth read back
    as ``lab list`` reads it (``control.list_devices``). Binds real ports: needs root."""
    if os.geteuid() != 0:
        pytest.skip("the lab binds ports below 1024: needs root")
    tmp = tmp_path_factory.mktemp("depth-lab")
    state, log = tmp / "state.json", tmp / "requests.jsonl"
    up(DEPTH_NET, None, DEPTH_PROFILES, log, state, background=True)
    try:
        yield DepthLab(list_devices(state), log)
    finally:
        down(state)
