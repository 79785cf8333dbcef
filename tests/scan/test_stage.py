from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from camaudit.model import Observation, Port, ProbeError
from camaudit.net.fake import HANG, Call, FakeTransport
from camaudit.net.transport import Exchange, Transport
from camaudit.probes import default_probes
from camaudit.probes.base import ProbeResult
from camaudit.scan.stage import HostResult, run_scan, scan
from camaudit.targets import DEFAULT_PORTS

MakeTransport = Callable[..., FakeTransport]
Routes = dict[Any, Any]
READ_ONLY = {b"GET", b"OPTIONS", b"DESCRIBE"}


def do_scan(ips: list[str], transport: FakeTransport, ports: list[int] | None = None,
            **kw: Any) -> list[HostResult]:
    kw.setdefault("banner_wait", 0.0)
    return asyncio.run(scan(ips, list(ports or DEFAULT_PORTS), transport, **kw))


def test_scan_of_two_cameras_and_an_empty_host(make_transport: MakeTransport,
                                               camera_routes: Routes,
                                               camera_ports: dict[str, set[int]],
                                               hik_ip: str, dahua_ip: str) -> None:
    t = make_transport(camera_routes, open_ports=camera_ports)
    seen: list[str] = []
    results = do_scan([dahua_ip, "127.0.0.99", hik_ip], t, progress=seen.append)
    assert [r.ip for r in results] == [dahua_ip, hik_ip]  # input order, silent host omitted
    assert sorted(seen) == sorted([dahua_ip, "127.0.0.99", hik_ip])
    dahua, hik = results
    assert hik.ports == (Port(23, "tcp", "telnet"), Port(80, "tcp", "http"),
                         Port(554, "tcp", "rtsp"), Port(8000, "tcp", "hik-sdk"))
    assert dahua.ports == (Port(80, "tcp", "http"), Port(554, "tcp", "rtsp"),
                           Port(37777, "tcp", "dahua-sdk"))
    assert hik.observations[0] == Observation("ports.open", "23/tcp,80/tcp,554/tcp,8000/tcp",
                                              "tcp connect")
    assert Observation("http.header.server", "Hikvision-Webs", "tcp/80 GET /") in (
        hik.observations)
    assert Observation("rtsp.server", "Dahua Rtsp Server", "tcp/554 RTSP OPTIONS") in (
        dahua.observations)
    assert Observation("telnet.banner", "192.0.0.64 login:", "tcp/23 banner") in (
        hik.observations)
    pairs = [(o.key, o.value) for o in hik.observations]
    assert len(set(pairs)) == len(pairs)  # each (key, value) once, with its first source
    assert Observation("http.status", "404", "tcp/80 GET /doc/page/login.asp") in (
        hik.observations)
    assert hik.errors == () and dahua.errors == ()
    # every port of every host was connect-scanned, and only read-only requests were sent
    connects = {(c.ip, c.port) for c in t.calls if c.kind == "connect"}
    assert connects == {(ip, p) for ip in (dahua_ip, "127.0.0.99", hik_ip)
                        for p in DEFAULT_PORTS}
    assert t.exchanges("127.0.0.99") == []
    methods = {p.split(b" ", 1)[0] for p in t.payloads()}
    assert methods == READ_ONLY
    assert {(c.ip, c.port) for c in t.exchanges()} <= {
        (ip, p) for ip, ports in camera_ports.items() for p in ports}


def test_hostile_replies_end_as_probe_errors(make_transport: MakeTransport) -> None:
    ip = "127.0.0.30"

    def hostile(call: Call) -> Exchange | bytes:
        if call.port == 80:
            return b"\x00\xff" * 300  # garbage
        if call.port == 554:
            return Exchange(error="connection reset", connected=False)
        return Exchange(error="timeout after 2.0s")  # 443: TLS and https time out

    t = make_transport(hostile, open_ports={ip: {80, 443, 554}})
    (result,) = do_scan([ip], t)
    assert result.ports == (Port(80, "tcp", "http"), Port(443, "tcp", "https"),
                            Port(554, "tcp", "rtsp"))
    by_source = {e.source: e.message for e in result.errors}
    assert by_source["tcp/80 GET /"].startswith("not HTTP")
    assert by_source["tcp/554 RTSP OPTIONS"] == "connection reset"
    assert by_source["tcp/443 TLS"] == "timeout after 2.0s"
    assert by_source["tcp/443 GET /"] == "timeout after 2.0s"
    assert result.observations == (Observation("ports.open", "80/tcp,443/tcp,554/tcp",
                                               "tcp connect"),)


class CrashingProbe:
    name = "crash"

    def applies_to(self, port: int) -> bool:
        return True

    async def run(self, ip: str, port: int, transport: Transport,
                  timeout: float) -> ProbeResult:  # noqa: ASYNC109
        raise KeyError("bug in a probe")


def test_probe_exception_is_contained(make_transport: MakeTransport, camera_routes: Routes,
                                      hik_ip: str, dahua_ip: str) -> None:
    t = make_transport(camera_routes, open_ports={hik_ip: {80}, dahua_ip: {80}})
    probes = {"crash": CrashingProbe(), "http": default_probes()["http"]}
    results = do_scan([hik_ip, dahua_ip], t, probes=probes)
    assert [r.ip for r in results] == [hik_ip, dahua_ip]
    for r in results:
        assert r.errors == (ProbeError("tcp/80 crash",
                                       "probe crashed: KeyError: 'bug in a probe'"),)
        assert any(o.key == "http.status" for o in r.observations)  # http still ran


def test_transport_exception_in_handler_is_contained(make_transport: MakeTransport) -> None:
    def broken(call: Call) -> bytes:
        raise RuntimeError("fake network bug")

    t = make_transport(broken, open_ports={"127.0.0.5": {554}})
    (result,) = do_scan(["127.0.0.5"], t)
    assert result.errors == (ProbeError("tcp/554 rtsp",
                                        "probe crashed: RuntimeError: fake network bug"),)


def test_host_timeout_keeps_what_it_had(make_transport: MakeTransport) -> None:
    slow, quick = "127.0.0.40", "127.0.0.41"

    def handler(call: Call) -> Any:
        if call.ip == slow and call.port == 80:
            return HANG
        return b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: Dahua Rtsp Server\r\n\r\n"

    t = make_transport(handler, open_ports={slow: {80, 554}, quick: {554}})
    results = do_scan([slow, quick], t, host_timeout=0.2)
    by_ip = {r.ip: r for r in results}
    hung = by_ip[slow]
    assert hung.errors == (ProbeError("host", "host timeout after 0.2s"),)
    assert [p.port for p in hung.ports] == [80, 554]
    assert Observation("rtsp.server", "Dahua Rtsp Server", "tcp/554 RTSP OPTIONS") in (
        hung.observations)
    assert by_ip[quick].errors == ()


def test_concurrency_limit_holds(make_transport: MakeTransport) -> None:
    ips = [f"127.0.1.{i}" for i in range(1, 21)]
    t = make_transport(open_ports={ip: {80, 554} for ip in ips})
    results = do_scan(ips, t, concurrency=4)
    assert t.max_in_flight <= 4
    assert [r.ip for r in results] == ips


def test_service_names_from_probes_and_port_table(make_transport: MakeTransport) -> None:
    ip = "127.0.0.50"
    http_reply = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    t = make_transport({(ip, 9000, b"GET "): http_reply, (ip, 8899, b"GET "): http_reply,
                        (ip, 2323, b""): b"login: "},
                       open_ports={ip: {8899, 9000, 2323, 5555}})
    (result,) = do_scan([ip], t, ports=[2323, 5555, 8899, 9000])
    assert result.ports == (Port(2323, "tcp", "telnet"), Port(5555, "tcp", "unknown"),
                            Port(8899, "tcp", "onvif"), Port(9000, "tcp", "http"))


def test_duplicate_ips_scanned_once(make_transport: MakeTransport) -> None:
    t = make_transport(open_ports={"127.0.0.60": {37777}})
    results = do_scan(["127.0.0.60", "127.0.0.60"], t, ports=[37777])
    assert [r.ip for r in results] == ["127.0.0.60"]
    assert len([c for c in t.calls if c.kind == "connect"]) == 1


def test_run_scan_sync_wrapper(make_transport: MakeTransport) -> None:
    t = make_transport(open_ports={"127.0.0.70": {37777}})
    results = run_scan(["127.0.0.70"], [37777, 80], t, banner_wait=0.0)
    assert results == [HostResult("127.0.0.70", (Port(37777, "tcp", "dahua-sdk"),),
                                  (Observation("ports.open", "37777/tcp", "tcp connect"),))]


class _Stamped:
    """A transport that notes when each connection starts, then asks ``inner``."""

    def __init__(self, inner: FakeTransport) -> None:
        self.inner = inner
        self.starts: list[float] = []

    async def connect(self, ip: str, port: int, timeout: float) -> bool:
        self.starts.append(time.monotonic())
        return await self.inner.connect(ip, port, timeout)

    async def exchange(self, ip: str, port: int, payload: bytes | None, **kw: Any) -> Exchange:
        self.starts.append(time.monotonic())
        return await self.inner.exchange(ip, port, payload, **kw)


def test_rate_spaces_connection_starts_across_hosts(make_transport: MakeTransport) -> None:
    ips = ["127.0.0.80", "127.0.0.81", "127.0.0.82"]
    t = _Stamped(make_transport(open_ports={ip: {37777} for ip in ips}))
    results = do_scan(ips, t, ports=[37777, 80], rate=200, concurrency=64)  # type: ignore[arg-type]
    assert [r.ip for r in results] == ips and all(not r.errors for r in results)
    # the n-th start is due n/rate after the first, which starts at once; a wake-up may come
    # late (a loaded machine) but never early, so the whole span is a lower bound
    n = len(t.starts)
    assert n >= 6 and t.starts[-1] - t.starts[0] >= (n - 1) / 200 - 0.001


def test_waiting_for_the_rate_does_not_use_up_the_host_timeout(
        make_transport: MakeTransport) -> None:
    ip = "127.0.0.90"
    t = make_transport({(ip, 554, b""): b"RTSP/1.0 200 OK\r\nCSeq: 1\r\n"
                                       b"Server: Dahua Rtsp Server\r\n\r\n"},
                       open_ports={ip: {554}})
    # 4 connects and the RTSP probes at 20 per second take well over the 0.12 s host timeout
    (result,) = do_scan([ip], t, ports=[554, 80, 8000, 37777], rate=20, host_timeout=0.12)
    assert result.errors == ()
    assert Observation("rtsp.server", "Dahua Rtsp Server", "tcp/554 RTSP OPTIONS") in (
        result.observations)
    assert len(t.calls) >= 6
    # without a rate the same budget is plenty, and a hung host still times out with one
    (hung,) = do_scan([ip], make_transport(lambda call: HANG, open_ports={ip: {554}}),
                      ports=[554], rate=1000, host_timeout=0.12)
    assert hung.errors == (ProbeError("host", "host timeout after 0.12s"),)


def _serve_in_thread(trickle: list[str], normal: list[str], port: int,
                     trickles: int) -> tuple[Callable[[], None], list[float]]:
    """Loopback HTTP servers in their own thread and loop: ``trickle`` hosts answer every
    request with a chunked body of one-byte chunks (a burst, then one chunk per millisecond),
    ``normal`` hosts with a one-line Hikvision reply."""
    import threading

    loop = asyncio.new_event_loop()
    ready = threading.Event()
    servers: list[asyncio.base_events.Server] = []

    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                         + b"1\r\nx\r\n" * 16384)
            for _ in range(trickles):
                writer.write(b"1\r\nx\r\n")
                await writer.drain()
                await asyncio.sleep(0.001)
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def fast(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nServer: Hikvision-Webs\r\nContent-Length: 0\r\n"
                         b"\r\n")
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def start() -> None:
        for ip in trickle:
            servers.append(await asyncio.start_server(slow, ip, port))
        for ip in normal:
            servers.append(await asyncio.start_server(fast, ip, port))
        ready.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)

    def stop() -> None:
        async def close() -> None:
            for s in servers:
                s.close()
                await s.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()

    return stop, []


def test_hosts_sending_one_byte_chunks_do_not_starve_the_others() -> None:
    """Issue 12: de-chunking from scratch on every read made such hosts cost quadratic CPU in
    the one event loop, and the normal hosts lost their verdict to the host timeout. Reading is
    now incremental (wire.framing), so every normal host is read in full."""
    trickle = [f"127.66.9.{i}" for i in range(1, 4)]
    normal = [f"127.66.9.{i}" for i in range(10, 20)]
    port = 18081
    stop, _ = _serve_in_thread(trickle, normal, port, trickles=600)
    try:
        results = run_scan(trickle + normal, [port], concurrency=64, timeout=5.0,
                           host_timeout=25.0, banner_wait=0.0)
    finally:
        stop()
    by_ip = {r.ip: r for r in results}
    for ip in normal:
        r = by_ip[ip]
        assert Observation("http.header.server", "Hikvision-Webs", f"tcp/{port} GET /") \
            in r.observations, (ip, r.errors)
        assert not any(e.source == "host" for e in r.errors), r.errors
