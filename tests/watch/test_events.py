"""Events from two scans' devices: pure, no storage."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

from camaudit.model import Device, EgressFinding, Exposure, Observation, Verdict
from camaudit.watch.events import (
    KINDS,
    MAX_EVENT,
    MAX_TEXT,
    Event,
    ScanRef,
    certificate_text,
    encode,
    event_id,
    scan_events,
)

A = ScanRef(11, "2025-01-31T12:00:00Z", "hq")
B = ScanRef(12, "2025-01-31T12:05:00Z", "hq")

Make = Callable[..., Device]


def kinds(events: list[Event]) -> list[tuple[str, str]]:
    return [(e.kind, e.ip) for e in events]


def test_a_first_scan_makes_every_device_new_with_its_coverage_and_exposures(
        device: Make) -> None:
    hik = device("10.0.0.2", covered=["ndaa-889", "fcc-covered-list"],
                 exposures=["telnet-open"])
    axis = device("10.0.0.10", "Axis")
    events = scan_events(None, [], B, [axis, hik])
    assert [(e.kind, e.ip, e.details.get("policy") or e.details.get("finding"))
            for e in events] == [
        ("new", "10.0.0.2", None),
        ("covered", "10.0.0.2", "fcc-covered-list"),
        ("covered", "10.0.0.2", "ndaa-889"),
        ("exposure", "10.0.0.2", "telnet-open"),
        ("new", "10.0.0.10", None)]
    new = events[0].to_json()
    assert new == {
        "event": "new", "id": event_id(B, "10.0.0.2", "new"), "time": B.time, "site": "hq",
        "ip": "10.0.0.2", "scan_id": 12, "previous_scan_id": None,
        "device": {"maker": "Hikvision", "brand": "Hikvision", "model": None,
                   "firmware": None, "device_type": None, "mac": None, "relabeled": False,
                   "covered": ["fcc-covered-list", "ndaa-889"]},
        "details": {"ports": ["80/tcp", "554/tcp"]}}
    assert events[1].details == {"policy": "fcc-covered-list", "reason": "maker Hikvision",
                                 "before": None, "references": ["ref"]}


def test_the_same_devices_again_make_no_event(device: Make) -> None:
    devices = [device("10.0.0.2", covered=["ndaa-889"], exposures=["telnet-open"],
                      subject="CN=cam"), device("10.0.0.3", "Axis")]
    assert scan_events(A, devices, B, devices) == []


def test_vanished_new_and_changed_fields(device: Make) -> None:
    before = [device("10.0.0.1", firmware="V5.5.0", subject="CN=old"),
              device("10.0.0.2", "Axis"), device("10.0.0.3", ports=(80,))]
    after = [device("10.0.0.1", firmware="V5.7.1", subject="CN=new"),
             device("10.0.0.3", ports=(80, 8000)), device("10.0.0.4", "Dahua")]
    events = scan_events(A, before, B, after)
    assert kinds(events) == [("changed", "10.0.0.1"), ("vanished", "10.0.0.2"),
                             ("changed", "10.0.0.3"), ("new", "10.0.0.4")]
    assert events[0].details == {"changes": [
        {"field": "firmware", "before": "V5.5.0", "after": "V5.7.1"},
        {"field": "certificate", "before": "subject=CN=old", "after": "subject=CN=new"}]}
    assert events[1].details == {"last_seen": A.time}
    assert events[1].device["maker"] == "Axis"  # the device as last seen
    assert events[2].details == {"changes": [
        {"field": "ports", "before": "80/tcp", "after": "80/tcp,8000/tcp"}]}
    assert {e.previous_scan_id for e in events} == {11}


def test_maker_model_mac_changes_and_a_certificate_from_observations(device: Make) -> None:
    old = device("10.0.0.1", model="DS-2CD2032", mac="44:19:b6:00:00:01")
    new = replace(device("10.0.0.1", "Dahua", model="IPC-HFW1230", mac="44:19:b6:00:00:01"),
                  observations=(Observation("tls.issuer", "CN=Lab CA", "tcp/443 TLS"),))
    (event,) = scan_events(A, [old], B, [new])
    assert [c["field"] for c in event.details["changes"]] == ["maker", "brand", "model",
                                                              "certificate"]
    assert event.details["changes"][-1] == {"field": "certificate", "before": None,
                                            "after": "issuer=CN=Lab CA"}


def test_covered_only_when_newly_covered(device: Make) -> None:
    possible = replace(device("10.0.0.1"), verdicts=(Verdict("ndaa-889", "possible", "hint"),))
    covered = device("10.0.0.1", covered=["ndaa-889"])
    (event,) = scan_events(A, [possible], B, [covered])
    assert (event.kind, event.details["before"]) == ("covered", "possible")
    assert scan_events(A, [covered], B, [covered]) == []
    assert kinds(scan_events(A, [covered], B, [possible])) == []  # no longer covered: no event


def test_exposure_and_egress_only_when_new(device: Make) -> None:
    cloud = EgressFinding("hik-connect.com", "203.0.113.5", "vendor-cloud", country="CN")
    relay = EgressFinding("p2p.example", "198.51.100.7", "p2p-relay", flagged=True)
    old = replace(device("10.0.0.1", exposures=["telnet-open"]), egress=(cloud,))
    new = replace(device("10.0.0.1", exposures=["telnet-open", "rtsp-open"]),
                  egress=(replace(cloud, bytes_out=999), relay))
    again = Exposure("telnet-open", "medium", "telnet on a second port", "tcp/2323")
    new = replace(new, exposures=(*new.exposures, again))
    events = scan_events(A, [old], B, [new])
    assert [(e.kind, e.details.get("finding") or e.details.get("destination"),
             e.details.get("source")) for e in events] == [
        ("exposure", "rtsp-open", "tcp/23"), ("exposure", "telnet-open", "tcp/2323"),
        ("egress", "p2p.example", None)]
    assert events[0].id != events[1].id
    assert events[2].details == {"destination": "p2p.example", "address": "198.51.100.7",
                                 "kind": "p2p-relay", "country": None, "asn": None,
                                 "org": None, "vendor": None, "flagged": True}


def test_ids_are_deterministic_unique_and_tied_to_the_scan(device: Make) -> None:
    devices = [device("10.0.0.1", covered=["a", "b"], exposures=["x", "y"]),
               device("10.0.0.2")]
    first = scan_events(None, [], B, devices)
    again = scan_events(None, [], B, devices)
    assert [e.id for e in first] == [e.id for e in again]
    assert len({e.id for e in first}) == len(first) == 6
    assert all(len(e.id) == 32 and int(e.id, 16) >= 0 for e in first)
    for other in (replace(B, id=13), replace(B, time="2025-01-31T12:05:01Z"),
                  replace(B, site="branch")):
        assert {e.id for e in scan_events(None, [], other, devices)}.isdisjoint(
            {e.id for e in first})


def test_hostile_device_strings_are_cut_and_encoded_as_ascii_json(device: Make) -> None:
    evil = device("10.0.0.1", model="\x1b]0;pwned\x07" + "M" * 5000, firmware="\u202e" * 3)
    (event, *_) = scan_events(None, [], B, [evil])
    assert len(event.device["model"]) == MAX_TEXT and event.device["model"].endswith("…")
    line = encode(event)
    assert line.isascii() and b"\n" not in line
    assert json.loads(line)["device"]["firmware"] == "\u202e" * 3


def test_an_event_stays_bounded_whatever_the_device_sent(device: Make) -> None:
    huge = "\u4e2d" * 5000  # 6 bytes each once escaped to ASCII JSON
    many = [f"policy-{n}-{huge}" for n in range(100)]
    fat = replace(device("10.0.0.1", huge, firmware=huge, ports=range(1, 2000), subject=huge,
                         covered=many, exposures=[f"x{n}{huge}" for n in range(100)],
                         model=huge, mac=huge, device_type=huge),
                  verdicts=tuple(Verdict(p, "covered", huge, tuple(many)) for p in many),
                  egress=tuple(EgressFinding(f"{n}{huge}", huge, huge, org=huge, vendor=huge,
                                             country=huge, asn=huge) for n in range(100)))
    events = scan_events(A, [device("10.0.0.1", firmware="1", ports=(80,))], B, [fat])
    assert {e.kind for e in events} == {"changed", "covered", "exposure", "egress"}
    assert max(len(encode(e)) for e in events) < MAX_EVENT


def test_certificate_text_joins_subjects_and_issuers_sorted(device: Make) -> None:
    d = replace(device("10.0.0.1", subject="CN=b"),
                observations=(Observation("tls.issuer", "CN=a", ""),
                              Observation("http.title", "x", "")))
    assert certificate_text(d) == "issuer=CN=a; subject=CN=b"
    assert certificate_text(device("10.0.0.2")) is None


def test_events_are_ordered_by_address_then_kind(device: Make) -> None:
    before = [device("10.0.0.9"), device("10.0.0.10", firmware="1")]
    after = [device("10.0.0.10", firmware="2", covered=["p"]), device("10.0.0.2")]
    events = scan_events(A, before, B, after)
    assert kinds(events) == [("new", "10.0.0.2"), ("vanished", "10.0.0.9"),
                             ("changed", "10.0.0.10"), ("covered", "10.0.0.10")]
    assert [k for k in KINDS] == ["new", "vanished", "changed", "covered", "exposure", "egress"]
