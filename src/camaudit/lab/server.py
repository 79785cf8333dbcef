"""The lab's runtime: one asyncio process serving every emulated device.

Each device binds its own 127.x.y.z address on the real ports of its profile (root is needed for
ports below 1024); cameras behind a recorder (``recorder`` set, lab/plan.py) are not served, but
a recorder's channel documents describe them. ``serve()`` runs until cancelled;
``python -m camaudit.lab.server`` reads the devices as JSON on stdin and serves them until
SIGTERM/SIGINT (``control.up`` uses it for background labs, lab/netns.py inside namespaces).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import ssl
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from camaudit.errors import CamauditError, LabError
from camaudit.lab.certs import make_cert
from camaudit.lab.handlers import Conn, Endpoint, RequestLog, Timeouts, handle
from camaudit.lab.plan import LabDevice, channel_values, with_cameras
from camaudit.lab.profiles import load_profiles
from camaudit.lab.render import MAX_HEAD

log = logging.getLogger(__name__)
MAX_STDIN = 16 << 20


def _ssl_context(key_pem: bytes, chain_pem: bytes, weak: bool = False) -> ssl.SSLContext:
    """A server context; the PEM files ``ssl`` needs exist only while it loads them. ``weak``
    (an RSA 1024 key or a SHA-1 signature, a hygiene case) lowers OpenSSL's security level so
    the certificate loads and is offered."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if weak:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    with tempfile.TemporaryDirectory(prefix="camaudit-lab-") as tmp:
        key_file, chain_file = Path(tmp) / "key.pem", Path(tmp) / "chain.pem"
        key_file.write_bytes(key_pem)
        chain_file.write_bytes(chain_pem)
        ctx.load_cert_chain(chain_file, key_file)
    return ctx


class _Tasks:
    """Connection tasks in flight, so shutdown can cancel them (slow clients, endless replies)."""

    def __init__(self) -> None:
        self.running: set[asyncio.Task[Any]] = set()

    def callback(self, ep: Endpoint) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter],
                                                  Any]:
        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            if task is not None:
                self.running.add(task)
            try:
                await handle(ep, Conn(reader, writer))
            except Exception as e:  # noqa: BLE001 - a client must never crash the lab
                log.debug("lab %s:%d: %r", ep.ip, ep.service.port, e)
            finally:
                if task is not None:
                    self.running.discard(task)
                await _close(writer)
        return on_connect

    async def cancel_all(self) -> None:
        for task in list(self.running):
            task.cancel()
        await asyncio.gather(*self.running, return_exceptions=True)


async def _close(writer: asyncio.StreamWriter) -> None:
    try:
        writer.close()
        async with asyncio.timeout(1.0):
            await writer.wait_closed()
    except (Exception, asyncio.CancelledError):  # noqa: BLE001 - closing a dead socket
        writer.transport.abort()


# Open files the lab keeps for connections in progress, the log and Python itself, beyond one
# listening socket per service.
FILE_MARGIN = 1024


def ensure_files(listeners: int) -> None:
    """Raise the open-file limit for ``listeners`` listening sockets (and ``FILE_MARGIN``), up
    to the hard limit; ``LabError`` saying both numbers when the hard limit is too low."""
    import resource

    want = listeners + FILE_MARGIN
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= want:
        return
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        target = soft
    if target < want:
        raise LabError(f"the lab needs {want} open files ({listeners} listening sockets and "
                       f"{FILE_MARGIN} spare) but may open only {target} (ulimit -n; the hard "
                       "limit is " + ("unlimited" if hard == resource.RLIM_INFINITY
                                      else str(hard)) + "): fewer --devices, or raise it")


async def serve(devices: Sequence[LabDevice], log_path: Path | None = None,
                ready: Callable[[], None] | None = None, *,
                timeouts: Timeouts | None = None) -> None:
    """Serve ``devices`` until cancelled.

    Binds every device's ports on its own address, then calls ``ready()`` (all sockets bound).
    Each request received is appended to ``log_path`` as one JSON line
    ``{"ip", "port", "proto", "method", "path"}``. Raises ``LabError`` naming the address and
    port when a socket cannot be bound, or when a device names an unknown profile.
    """
    profiles = load_profiles()
    request_log = RequestLog(log_path)
    tasks = _Tasks()
    servers: list[asyncio.Server] = []
    timeouts = timeouts or Timeouts()
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(_quiet_handler)
    ensure_files(sum(len(profiles[d.profile].services) for d in devices
                     if d.profile in profiles and d.recorder is None))
    try:
        everything = with_cameras(list(devices))  # a recorder's channel documents name them
        for device in devices:
            profile = profiles.get(device.profile)
            if profile is None:
                raise LabError(f"device {device.ip}: unknown lab profile {device.profile!r}")
            if device.recorder is not None:
                continue
            values = device.values(profile)
            values.update(channel_values(device, profile, everything, profiles))
            for service in profile.services:
                tls = None
                if service.tls is not None:
                    pair = make_cert(profile.id, service.tls, values)
                    tls = _ssl_context(pair.key_pem, pair.chain_pem, pair.weak)
                onvif = profile.onvif if profile.onvif and \
                    profile.onvif.port == service.port else None
                ep = Endpoint(device.ip, service, values, tls, request_log, timeouts,
                              onvif=onvif)
                try:
                    server = await asyncio.start_server(
                        tasks.callback(ep), host=device.ip, port=service.port,
                        reuse_address=True, limit=MAX_HEAD)
                except OSError as e:
                    raise LabError(f"cannot bind {device.ip}:{service.port}: "
                                   f"{e.strerror or e}") from e
                servers.append(server)
        if ready is not None:
            ready()
        await asyncio.Event().wait()
    finally:
        for server in servers:
            server.close()
        await tasks.cancel_all()
        request_log.close()


def _quiet_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Client misbehaviour (resets, TLS garbage) is expected in the lab: keep it at debug."""
    exc = context.get("exception")
    if isinstance(exc, OSError | ssl.SSLError | EOFError):
        log.debug("lab: %s", context.get("message"))
        return
    loop.default_exception_handler(context)


async def serve_until_signal(devices: Sequence[LabDevice], log_path: Path | None = None,
                             ready: Callable[[], None] | None = None) -> None:
    """``serve()`` until SIGINT or SIGTERM arrives, then shut down cleanly."""
    task = asyncio.create_task(serve(devices, log_path, ready))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await task


def main(argv: list[str] | None = None) -> int:
    """``python -m camaudit.lab.server [--log FILE] [--daemon]``, devices as JSON on stdin.

    Prints ``READY <pid>`` once every socket is bound (then stdout is closed), or
    ``ERROR <message>`` and exits 1. ``--daemon`` forks first so the caller can reap this
    process at once while the server keeps running in the background.
    """
    parser = argparse.ArgumentParser(prog="python -m camaudit.lab.server")
    parser.add_argument("--log", type=Path, default=None)
    parser.add_argument("--daemon", action="store_true")
    args = parser.parse_args(argv)
    try:
        records = json.loads(sys.stdin.buffer.read(MAX_STDIN))
        devices = [LabDevice.from_json(r) for r in records]
    except (ValueError, TypeError, CamauditError) as e:
        print(f"ERROR bad device list on stdin: {e}", flush=True)
        return 1
    if args.daemon and os.fork() != 0:
        os._exit(0)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)

    def ready() -> None:
        print(f"READY {os.getpid()}", flush=True)
        os.dup2(null, 1)

    try:
        asyncio.run(serve_until_signal(devices, args.log, ready))
    except Exception as e:  # noqa: BLE001 - report any startup failure to the caller
        print(f"ERROR {e}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
