"""End to end on the lab: every emulated device named right, negatives never blamed on a
banned maker, hostile devices absorbed, and nothing sent but read-only requests."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from camaudit.lab.control import down, up
from camaudit.model import Device
from camaudit.scan.job import scan_devices
from camaudit.targets import DEFAULT_PORTS

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(os.geteuid() != 0, reason="the lab binds ports below 1024: needs root"),
]

NET = "127.78.0.0/24"
BANNED = {"Hikvision", "Dahua", "Xiongmai"}
READ_ONLY = {"GET", "OPTIONS", "DESCRIBE", "HANDSHAKE", "HANDSHAKE_FAILED", "CONNECT"}
# Raw bytes the lab logged on ports it does not parse: a GET or a TLS ClientHello, nothing else.
RAW_READ_ONLY = (b"GET ", b"OPTIONS ", b"DESCRIBE ", b"\x16\x03", b"POST /onvif/device_service ")
ONVIF_PATHS = {"/onvif/device_service", "/onvif/media_service"}


@pytest.fixture(scope="module")
def lab_scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[Any], list[Device],
                                                                           Path]]:
    tmp = tmp_path_factory.mktemp("lab")
    state, log = tmp / "state.json", tmp / "requests.jsonl"
    truth = up(NET, None, None, log, state, background=True, include_hostile=True)
    try:
        devices = scan_devices([d.ip for d in truth], list(DEFAULT_PORTS), timeout=1.0,
                               host_timeout=8.0, banner_wait=0.5)
    finally:
        down(state)
    yield truth, devices, log


def test_every_lab_device_gets_its_maker_and_relabel_flag(lab_scan: Any) -> None:
    truth, devices, _ = lab_scan
    by_ip = {d.ip: d for d in devices}
    wrong = []
    for t in truth:
        if t.maker is None:
            continue
        d = by_ip.get(t.ip)
        got = (d.maker, d.relabeled) if d else (None, False)
        want = (t.maker, t.brand != t.maker)
        if got != want:
            wrong.append(f"{t.profile} {t.ip}: got {got}, want {want}")
    assert wrong == []


def test_negatives_get_no_banned_maker(lab_scan: Any) -> None:
    truth, devices, _ = lab_scan
    by_ip = {d.ip: d for d in devices}
    for t in truth:
        if t.maker is None and t.ip in by_ip:
            assert by_ip[t.ip].maker not in BANNED, t.profile


def test_every_verdict_carries_evidence(lab_scan: Any) -> None:
    _, devices, _ = lab_scan
    for d in devices:
        if d.maker:
            assert d.evidence and 0 < d.confidence <= 1
            assert all(e.rule and e.source for e in d.evidence)


def test_hostile_devices_become_errors_not_crashes(lab_scan: Any) -> None:
    truth, devices, _ = lab_scan
    hostile_ips = {t.ip for t in truth if t.profile in {"slow", "oversized", "malformed",
                                                          "xml-bomb"}}
    assert hostile_ips, "the lab should include hostile profiles"
    by_ip = {d.ip: d for d in devices}
    assert any(by_ip[ip].errors for ip in hostile_ips if ip in by_ip)


def test_scan_sent_only_read_only_requests(lab_scan: Any) -> None:
    _, _, log = lab_scan
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines, "the lab logged no request"
    for entry in lines:
        if entry["method"] == "DATA":  # bytes on a port the profile does not parse
            assert bytes.fromhex(entry["path"]).startswith(RAW_READ_ONLY), entry
        elif entry["method"] == "POST":  # ONVIF's SOAP calls are POSTs; only Get* are sent
            assert entry["path"] in ONVIF_PATHS, entry
        else:
            assert entry["method"] in READ_ONLY, entry
    assert all(set(entry) >= {"ip", "port", "proto", "method", "path"} for entry in lines)


def test_lab_devices_get_policy_verdicts(lab_scan: Any) -> None:
    truth, devices, _ = lab_scan
    by_ip = {d.ip: d for d in devices}
    for t in truth:
        d = by_ip.get(t.ip)
        if d is None:
            continue
        status = {v.policy: v.status for v in d.verdicts}
        assert set(status) == {"fcc-covered-list", "ndaa-889"}, t.profile
        if t.maker in ("Hikvision", "Dahua"):
            want = "covered"
        elif t.maker in ("Axis", "Hanwha", "Bosch"):
            want = "not-covered"
        elif t.maker is None:
            want = "unknown"
        else:
            continue
        assert set(status.values()) == {want}, (t.profile, status)


def test_lab_devices_carry_the_risks_their_maker_model_and_firmware_support(lab_scan: Any
                                                                             ) -> None:
    """A loopback scan reads no firmware off the lab's devices, and a model only where a page
    gives it (dahua-cgi's open getSystemInfo): the Hikvision rule that names no series
    (CVE-2021-36260, any Hikvision firmware) applies as "possible", and the Dahua series rules
    to the model read, also "possible" without a firmware version."""
    truth, devices, _ = lab_scan
    by_ip = {d.ip: d for d in devices}
    hikvision = 0
    for t in truth:
        d = by_ip.get(t.ip)
        if d is None:
            continue
        got = [(r.cve, r.status) for r in d.risks]
        if t.profile == "dahua-cgi":
            assert d.model == "IPC-HDW5831R-ZE" and d.firmware is None
            assert got and all(cve.startswith("CVE-") and status == "possible"
                               for cve, status in got), got
        elif d.maker == "Hikvision":
            hikvision += 1
            assert got == [("CVE-2021-36260", "possible")], t.profile
            assert "versions are not known to camaudit" in d.risks[0].basis
        else:
            assert got == [], (t.profile, got)
    assert hikvision == 3  # hikvision-ipc, -nvr and -oem
