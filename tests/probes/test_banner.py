from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from camaudit.model import Observation, ProbeError
from camaudit.net.fake import FakeTransport
from camaudit.net.transport import Exchange
from camaudit.probes.banner import BannerProbe

MakeTransport = Callable[..., FakeTransport]
Routes = dict[Any, Any]


def test_applies_to_vendor_ports_and_unknown_ones() -> None:
    probe = BannerProbe()
    assert [p for p in (23, 80, 443, 554, 8000, 8899, 9999, 34567, 37777)
            if probe.applies_to(p)] == [23, 8000, 9999, 34567, 37777]


def test_reads_without_sending(make_transport: MakeTransport, camera_routes: Routes,
                               hik_ip: str) -> None:
    t = make_transport(camera_routes)
    result = asyncio.run(BannerProbe(wait=0.5).run(hik_ip, 23, t, 2.0))
    (call,) = t.calls
    assert call.payload is None and call.read_banner == 0.5 and call.tls is False
    assert Observation("telnet.banner", "192.0.0.64 login:", "tcp/23 banner") in (
        result.observations)
    assert result.service == "telnet"


def test_binary_banner_is_hex(make_transport: MakeTransport, camera_routes: Routes,
                              hik_ip: str) -> None:
    result = asyncio.run(BannerProbe().run(hik_ip, 8000, make_transport(camera_routes), 2.0))
    assert result.observations == (
        Observation("banner.hex", "8000:" + "00000010" "0000001e" "0000001e" "00000000",
                    "tcp/8000 banner"),)
    assert result.service == ""


def test_silence_is_not_an_error_but_refusal_is() -> None:
    silent = asyncio.run(BannerProbe().run("127.0.0.1", 37777, FakeTransport(), 2.0))
    assert (silent.observations, silent.errors) == ((), ())
    refused = FakeTransport(lambda call: Exchange(error="connection refused", connected=False))
    assert asyncio.run(BannerProbe().run("127.0.0.1", 37777, refused, 2.0)).errors == (
        ProbeError("tcp/37777 banner", "connection refused"),)
