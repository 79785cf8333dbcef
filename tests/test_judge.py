"""One place judges a device: verdicts under policies and known vulnerabilities together."""

from __future__ import annotations

import datetime as dt

from camaudit.judge import any_covered, judge
from camaudit.model import Device, Evidence, Verdict
from camaudit.policy import load_policies

HIK = Device(ip="127.0.0.5", maker="Hikvision", confidence=0.99,
             evidence=(Evidence("udp/37020", "sadp.present", "true", "hikvision-sadp"),),
             verdicts=(Verdict("stale", "not-covered", "written by an older camaudit"),))


def test_judge_replaces_stale_verdicts_and_adds_risks() -> None:
    (d,) = judge([HIK], on=dt.date(2025, 9, 1))
    assert {v.policy for v in d.verdicts} == {"fcc-covered-list", "ndaa-889"}
    assert {v.status for v in d.verdicts} == {"covered"}
    assert [r.cve for r in d.risks] == ["CVE-2021-36260"]
    assert any_covered([d]) and not any_covered([HIK])


def test_judge_with_no_policies_keeps_no_verdicts() -> None:
    (d,) = judge([HIK], [])
    assert d.verdicts == () and d.risks
    assert judge([HIK], load_policies(["au-government"]))[0].verdicts[0].policy == "au-government"
