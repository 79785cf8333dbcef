from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from camaudit.model import Observation, ProbeError
from camaudit.net.fake import FakeTransport
from camaudit.net.transport import Exchange
from camaudit.probes.base import ProbeResult
from camaudit.probes.rtsp import RtspProbe

MakeTransport = Callable[..., FakeTransport]
Routes = dict[Any, Any]


def run(transport: FakeTransport, ip: str, port: int = 554) -> ProbeResult:
    return asyncio.run(RtspProbe().run(ip, port, transport, 2.0))


def test_applies_to_rtsp_ports_only() -> None:
    probe = RtspProbe()
    assert [p for p in (80, 554, 8554, 10554, 9000) if probe.applies_to(p)] == [
        554, 8554, 10554]


def test_options_then_describe_without_credentials(make_transport: MakeTransport,
                                                   camera_routes: Routes, hik_ip: str) -> None:
    t = make_transport(camera_routes)
    result = run(t, hik_ip)
    first, second = t.payloads()
    assert first.startswith(b"OPTIONS rtsp://127.0.0.10:554/ RTSP/1.0\r\nCSeq: 1\r\n")
    assert second.startswith(b"DESCRIBE rtsp://127.0.0.10:554/ RTSP/1.0\r\nCSeq: 2\r\n")
    assert not any(b"Authorization" in p for p in t.payloads())
    obs = set(result.observations)
    assert Observation("rtsp.public", "OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, "
                       "SET_PARAMETER, GET_PARAMETER", "tcp/554 RTSP OPTIONS") in obs
    assert any(o.key == "rtsp.date" and o.value.startswith("  Tue") for o in obs)
    assert Observation("rtsp.realm", "IP Camera(C1214)", "tcp/554 RTSP DESCRIBE") in obs
    assert result.errors == ()
    assert result.service == "rtsp"


def test_dahua_server_and_realm(make_transport: MakeTransport, camera_routes: Routes,
                                dahua_ip: str) -> None:
    result = run(make_transport(camera_routes), dahua_ip)
    obs = set(result.observations)
    assert Observation("rtsp.server", "Dahua Rtsp Server", "tcp/554 RTSP OPTIONS") in obs
    assert Observation("rtsp.status", "405", "tcp/554 RTSP OPTIONS") in obs
    assert Observation("rtsp.realm", "device", "tcp/554 RTSP DESCRIBE") in obs


def test_ipv6_url_is_bracketed(make_transport: MakeTransport) -> None:
    t = make_transport()
    run(t, "fd00::7", 8554)
    assert t.payloads()[0].startswith(b"OPTIONS rtsp://[fd00::7]:8554/ RTSP/1.0\r\n")


def test_garbage_stops_after_options(make_transport: MakeTransport) -> None:
    t = make_transport(default=b"\xff\xfb\x01\xff\xfb\x03 not rtsp at all")
    result = run(t, "127.0.0.1")
    assert len(t.payloads()) == 1
    assert result.observations == ()
    assert result.errors[0].source == "tcp/554 RTSP OPTIONS"
    assert result.errors[0].message.startswith("not RTSP")
    assert result.service == ""


def test_silence_and_timeouts_are_errors(make_transport: MakeTransport) -> None:
    assert run(make_transport(), "127.0.0.1").errors == (
        ProbeError("tcp/554 RTSP OPTIONS", "no reply"),)
    timed_out = make_transport(default=Exchange(error="timeout after 2.0s"))
    assert run(timed_out, "127.0.0.1").errors == (
        ProbeError("tcp/554 RTSP OPTIONS", "timeout after 2.0s"),)
