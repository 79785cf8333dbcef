"""The scan stage: connect-scan each host, run the applicable probes on its open ports.

    scan(ips, ports, transport) -> [HostResult]   one per host with an open port or an error

Concurrency: at most ``concurrency`` connections are open at once (a semaphore around the
transport) and at most ``concurrency`` hosts are in progress; with ``rate`` at most that many
connections start per second (``net.pacing``: waiting for the rate does not count against the
host's timeout). Each host has ``host_timeout``
seconds in all and may send at most ``HOST_BYTE_BUDGET`` bytes (``net.transport.BudgetTransport``;
reading is linear in what arrives, ``wire.framing``); a host that runs out of either keeps what
it had and gets a ``ProbeError``, and the other hosts lose nothing. An exception
inside a probe is caught at the probe boundary and becomes a ``ProbeError``: one broken probe
or hostile device never aborts the scan.

``timeout`` parameters here and in the transport are per-I/O budgets handed down to each
connection (hence the ASYNC109 exemptions), not deadlines on the function that takes them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from camaudit.depth.channels import Channel
from camaudit.depth.run import Depth
from camaudit.model import Observation, Port, ProbeError
from camaudit.net.pacing import PacedTransport, Pacer
from camaudit.net.sweep import fd_budget, sweep
from camaudit.net.transport import (
    AsyncioTransport,
    BudgetTransport,
    LimitedTransport,
    Transport,
)
from camaudit.probes import Probe, ProbeResult, default_probes
from camaudit.probes.base import PORT_SERVICES
from camaudit.wire import ports as wire_ports

log = logging.getLogger(__name__)

PORTS_SOURCE = "tcp connect"
# Bytes one host may send in all: every probe's reads at their caps fit (7 HTTP GETs of at most
# 256 KiB on two ports, RTSP, TLS and banners); a host sending more is hostile or broken.
HOST_BYTE_BUDGET = 4 * 1024 * 1024

Progress = Callable[[str], None]
Sink = Callable[["HostResult"], None]
SWEEP_IN_FLIGHT = 1024  # sockets the connect sweep keeps open at once (fd limit permitting)
# Depth after a host's probes (``camaudit.depth.run.deepen`` bound to its options): called with
# the host's address, ports, observations and its own (budgeted) transport.
Deepen = Callable[[str, tuple[Port, ...], tuple[Observation, ...], Transport], Awaitable[Depth]]


@dataclass(frozen=True, slots=True)
class HostResult:
    """Everything the scan learnt about one host, before fingerprinting.

    ``observations`` holds one ``ports.open`` first, then each distinct (key, value) once with
    the first source that produced it (ports in order, probes in registry order, then depth).
    ``channels``: the cameras a recorder lists on its channels (depth with credentials).
    """

    ip: str
    ports: tuple[Port, ...] = ()
    observations: tuple[Observation, ...] = ()
    errors: tuple[ProbeError, ...] = ()
    channels: tuple[Channel, ...] = ()


@dataclass(slots=True)
class _HostState:
    """What a host scan has gathered so far; kept when the host times out."""

    open_ports: set[int] = field(default_factory=set)
    results: list[tuple[int, int, ProbeResult]] = field(default_factory=list)
    errors: list[ProbeError] = field(default_factory=list)
    depth: Depth | None = None

    def result(self, ip: str) -> HostResult:
        results = sorted(self.results, key=lambda r: (r[0], r[1]))
        ports = tuple(Port(p, "tcp", _service(p, [r.service for q, _, r in results if q == p]))
                      for p in sorted(self.open_ports))
        # One observation per (key, value): the first source seen is the evidence kept, so a
        # server answering every path with the same 401 gives its realm once.
        observations: dict[tuple[str, str], Observation] = {}
        found = wire_ports.observations(list(ports), PORTS_SOURCE) if ports else []
        errors = list(self.errors)
        for _, _, r in results:
            found.extend(r.observations)
            errors.extend(r.errors)
        channels: tuple[Channel, ...] = ()
        if self.depth is not None:
            found.extend(self.depth.observations)
            errors.extend(self.depth.errors)
            channels = self.depth.channels
        for o in found:
            observations.setdefault((o.key, o.value), o)
        return HostResult(ip, ports, tuple(observations.values()),
                          tuple(dict.fromkeys(errors)), channels)


def _service(port: int, confirmed: list[str]) -> str:
    """The first service a probe confirmed, else the port table's guess, else "unknown".

    ONVIF is SOAP over HTTP, so an HTTP answer on the ONVIF port keeps the "onvif" name.
    """
    guess = PORT_SERVICES.get(port, "")
    for service in confirmed:
        if service and not (service == "http" and guess == "onvif"):
            return service
    return guess or "unknown"


async def _run_probe(probe: Probe, ip: str, port: int, transport: Transport,
                     io_timeout: float) -> ProbeResult:
    """The probe boundary: a crash becomes a ProbeError record (and a debug log with trace)."""
    try:
        return await probe.run(ip, port, transport, io_timeout)
    except Exception as exc:
        log.debug("probe %s crashed on %s:%d", probe.name, ip, port, exc_info=True)
        message = f"probe crashed: {type(exc).__name__}: {exc}"
        return ProbeResult(errors=(ProbeError(f"tcp/{port} {probe.name}", message),))


async def _connect(ip: str, port: int, transport: Transport, io_timeout: float,
                   state: _HostState) -> None:
    try:
        is_open = await transport.connect(ip, port, io_timeout)
    except Exception as exc:
        log.debug("connect crashed on %s:%d", ip, port, exc_info=True)
        state.errors.append(ProbeError(f"tcp/{port} connect",
                                       f"connect crashed: {type(exc).__name__}: {exc}"))
        return
    if is_open:
        state.open_ports.add(port)


async def _probe(index: int, probe: Probe, ip: str, port: int, transport: Transport,
                 io_timeout: float, state: _HostState) -> None:
    result = await _run_probe(probe, ip, port, transport, io_timeout)
    state.results.append((port, index, result))


async def _host_work(ip: str, ports: list[int], transport: Transport, probes: list[Probe],
                     io_timeout: float, state: _HostState, swept: bool = False) -> None:
    if swept:  # the connect sweep found these open already
        state.open_ports.update(ports)
    else:
        async with asyncio.TaskGroup() as tg:
            for port in ports:
                tg.create_task(_connect(ip, port, transport, io_timeout, state))
    async with asyncio.TaskGroup() as tg:
        for port in sorted(state.open_ports):
            for index, probe in enumerate(probes):
                if probe.applies_to(port):
                    tg.create_task(_probe(index, probe, ip, port, transport, io_timeout, state))


async def scan_host(ip: str, ports: list[int], transport: Transport, probes: list[Probe], *,
                    io_timeout: float, host_timeout: float,
                    pacer: Pacer | None = None, deepen: Deepen | None = None,
                    swept: bool = False) -> HostResult:
    """Scan one host within ``host_timeout`` (plus the time ``pacer`` made it wait), then
    ``deepen`` it within the same time and byte budget; on timeout keep what was gathered.
    ``swept``: ``ports`` are the open ones, found by the connect sweep."""
    state = _HostState()
    budget = BudgetTransport(transport, HOST_BYTE_BUDGET)
    try:
        async with asyncio.timeout(host_timeout) as deadline:
            if pacer is not None:
                pacer.watch(ip, deadline)
            await _host_work(ip, ports, budget, probes, io_timeout, state, swept)
            if deepen is not None and state.open_ports:
                probed = state.result(ip)
                state.depth = await deepen(ip, probed.ports, probed.observations, budget)
    except TimeoutError:
        state.errors.append(ProbeError("host", f"host timeout after {host_timeout:g}s"))
    finally:
        if pacer is not None:
            pacer.forget(ip)
    return state.result(ip)


async def scan(ips: list[str], ports: list[int], transport: Transport, *,
               concurrency: int = 256, timeout: float = 2.0,
               host_timeout: float = 30.0, banner_wait: float = 1.0,
               progress: Progress | None = None,
               probes: Mapping[str, Probe] | None = None,
               rate: float | None = None, pacer: Pacer | None = None,
               deepen: Deepen | None = None, on_result: Sink | None = None
               ) -> list[HostResult]:
    """Scan ``ips`` on ``ports``; results in input order, hosts with nothing to say omitted.

    ``progress`` is called with each host's IP when that host is done. ``probes`` replaces the
    built-in registry (``default_probes(banner_wait=...)``). ``rate`` caps connection starts
    per second (``pacer``: the same with a given clock, for tests). ``deepen`` runs on each
    host with an open port after its probes (device depth). With ``on_result``, each host's
    result goes there as soon as it is done (in completion order) and none is kept: the list
    returned is empty, and memory stays flat however many hosts there are.

    On the real network without a rate, the ports are found by the connect sweep
    (``net.sweep``) and only hosts with an open port get probes.
    """
    if pacer is None and rate is not None:
        pacer = Pacer(rate)
    paced = transport if pacer is None else PacedTransport(transport, pacer)
    limited = LimitedTransport(paced, concurrency)
    active = list((probes if probes is not None
                   else default_probes(banner_wait=banner_wait)).values())
    port_list = list(dict.fromkeys(ports))
    hosts = list(dict.fromkeys(ips))
    done: dict[str, HostResult] = {}

    def keep(result: HostResult) -> None:
        if not (result.ports or result.errors):
            return
        if on_result is not None:
            on_result(result)
        else:
            done[result.ip] = result

    async def one(ip: str, host_ports: list[int], swept: bool) -> None:
        if host_ports:
            keep(await scan_host(ip, host_ports, limited, active, io_timeout=timeout,
                                 host_timeout=host_timeout, pacer=pacer, deepen=deepen,
                                 swept=swept))
        if progress is not None:
            progress(ip)

    if pacer is None and isinstance(transport, AsyncioTransport):
        await _swept(hosts, port_list, one, concurrency, timeout)
    else:
        pending = iter(hosts)

        async def worker() -> None:
            for ip in pending:
                await one(ip, port_list, False)

        async with asyncio.TaskGroup() as tg:
            for _ in range(min(len(hosts), concurrency)):
                tg.create_task(worker())
    return [done[ip] for ip in hosts if ip in done]


async def _swept(hosts: Sequence[str], ports: list[int],
                 one: Callable[[str, list[int], bool], Awaitable[None]], concurrency: int,
                 timeout: float) -> None:
    """The connect sweep in a thread; hosts go to ``concurrency`` probing workers as their
    ports resolve. Cancelled (Ctrl-C), the sweep stops too."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, tuple[int, ...]] | None] = asyncio.Queue()
    stop = threading.Event()
    in_flight, notice = fd_budget(SWEEP_IN_FLIGHT)
    if notice:
        log.warning("%s", notice)

    def on_host(ip: str, open_ports: tuple[int, ...]) -> None:
        if not stop.is_set():
            loop.call_soon_threadsafe(queue.put_nowait, (ip, open_ports))

    def run() -> None:
        try:
            sweep(hosts, ports, on_host, timeout=timeout, in_flight=in_flight, stop=stop)
        finally:
            if not stop.is_set():
                loop.call_soon_threadsafe(queue.put_nowait, None)

    async def worker() -> None:
        while (item := await queue.get()) is not None:
            await one(item[0], list(item[1]), True)
        queue.put_nowait(None)  # the end, for the next worker

    thread = threading.Thread(target=run, name="camaudit-sweep", daemon=True)
    thread.start()
    try:
        async with asyncio.TaskGroup() as tg:
            for _ in range(max(1, min(len(hosts), concurrency))):
                tg.create_task(worker())
    finally:
        stop.set()
        await asyncio.to_thread(thread.join)


def run_scan(ips: list[str], ports: list[int], transport: Transport | None = None, *,
             concurrency: int = 256, timeout: float = 2.0, host_timeout: float = 30.0,
             banner_wait: float = 1.0, progress: Progress | None = None,
             rate: float | None = None, deepen: Deepen | None = None) -> list[HostResult]:
    """``scan`` from synchronous code (the CLI), on the real network unless told otherwise."""
    return asyncio.run(scan(ips, ports, transport or AsyncioTransport(),
                            concurrency=concurrency, timeout=timeout,
                            host_timeout=host_timeout, banner_wait=banner_wait,
                            progress=progress, rate=rate, deepen=deepen))
