"""A cycle's scan: ``scan_devices`` with the plan's options, through a FakeTransport."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from camaudit.watch.plan import ScanPlan


def test_the_plan_scans_its_hosts_and_shows_progress(make_transport: Any, camera_routes: Any,
                                                    camera_ports: Any, hik_ip: str,
                                                    dahua_ip: str) -> None:
    transport = make_transport(camera_routes, open_ports=camera_ports)
    plan = ScanPlan((hik_ip, dahua_ip, "127.0.0.30"), (23, 80, 554, 8000, 37777),
                    ("127.0.0.0/24",), timeout=0.5, host_timeout=5.0, banner_wait=0.1,
                    transport=transport)
    done: list[str] = []
    totals: list[int] = []

    class Meter:
        def advance(self, host: str) -> None:
            done.append(host)

    @contextlib.contextmanager
    def meters(total: int) -> Iterator[Meter]:
        totals.append(total)
        yield Meter()

    devices = plan.run(meters)
    assert {d.ip: d.maker for d in devices} == {hik_ip: "Hikvision", dahua_ip: "Dahua"}
    assert all(d.verdicts for d in devices)  # judged under the default policies
    assert totals == [3] and sorted(done) == sorted(plan.ips)
    assert plan.options == {"ports": [23, 80, 554, 8000, 37777], "iface": None, "rate": None,
                            "depth": True, "credentials": False, "watch": True}


def test_without_depth_no_onvif_question_is_asked(make_transport: Any, camera_routes: Any,
                                                   camera_ports: Any, hik_ip: str) -> None:
    transport = make_transport(camera_routes, open_ports=camera_ports)
    ScanPlan((hik_ip,), (80,), timeout=0.5, banner_wait=0.1, depth=False,
             transport=transport).run()
    assert not [p for p in transport.payloads(hik_ip) if b"onvif" in p]
