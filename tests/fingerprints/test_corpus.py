"""The real-reply corpus (tests/corpus): the measure every fingerprint rule answers to.

Floors: no false covered claim, no rule naming another maker than the reply's, other makers
named in at least 70% of their replies, and no reply that crashes ``identify``. Recall of
Hikvision, Dahua and Xiongmai is held at what the rules reach honestly (85%; the issue's goal is
95%): the replies still unnamed carry only traits that other makers share (GoAhead error pages,
LIVE555 dates, SDP bodies a proxy passes through, open ports), see docs/fingerprints.md. A scan of
fake devices that replay real replies of makers no policy covers gives no covered verdict.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

from camaudit.errors import RuleError
from camaudit.fingerprints.corpus import (
    COVERED_MAKERS_OF_INTEREST,
    Entry,
    Report,
    load_corpus,
    render,
    run,
)
from camaudit.net.fake import Call, FakeTransport
from camaudit.scan.job import scan_devices

CORPUS = Path(__file__).parent.parent / "corpus"


@lru_cache(maxsize=1)
def entries() -> tuple[Entry, ...]:
    return tuple(load_corpus(CORPUS))


@lru_cache(maxsize=1)
def report() -> Report:
    return run(entries())


def test_corpus_is_large_and_mostly_other_makers() -> None:
    es = entries()
    assert len(es) >= 400
    others = [e for e in es if e.maker not in COVERED_MAKERS_OF_INTEREST]
    assert len(others) * 2 >= len(es)
    assert all(e.source.strip() and e.basis.split(":", 1)[0] in ("stated", "inferred")
               for e in es)


def test_corpus_holds_shared_stacks_and_non_cameras() -> None:
    stacks = Counter((e.stack or "").split()[0].lower() for e in entries() if e.stack)
    for stack in ("live555", "goahead", "micro_httpd", "miniupnpd", "gstreamer", "hiipcam"):
        assert stacks[stack] >= 1, stack


def test_no_false_covered_claim() -> None:
    assert [(o.entry.id, o.covered) for o in report().false_covered] == []


def test_no_rule_names_another_maker_than_the_replys() -> None:
    assert report().problems() == []


def test_recall_of_covered_makers() -> None:
    hits, total = report().recall(COVERED_MAKERS_OF_INTEREST)
    assert total >= 100
    assert hits >= 0.85 * total, render(report())


def test_other_makers_are_named() -> None:
    hits, total = report().others_named()
    assert hits >= 0.70 * total, render(report())


HELDOUT = CORPUS / "heldout"


def test_heldout_replies_hold_the_safety_floors() -> None:
    """tests/corpus/heldout: replies collected in three rounds, new to the corpus, without
    running camaudit on them. Measured before any rule was changed for them, with no false
    covered claim and no wrong maker each time (docs/benchmarks.md): Hikvision, Dahua and
    Xiongmai replies named 16/21, 22/30 and 13/22, other makers' 5/51, 16/44 and 5/16, each round
    on the rules the rounds before it had led to. Those two zeros must stay; the rest are
    today's floors."""
    held = run(tuple(load_corpus(HELDOUT)))
    assert len(held.outcomes) >= 180
    assert [o.entry.id for o in held.false_covered] == []
    assert held.problems() == []
    assert held.recall(COVERED_MAKERS_OF_INTEREST)[0] >= 60, render(held)
    assert held.others_named()[0] >= 58, render(held)


def test_render_lists_every_maker_and_band() -> None:
    text = render(report())
    assert "false covered claims: 0" in text
    assert "0.90-1.00" in text and "Hikvision" in text


def test_bad_entries_are_named_by_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "- id: x-1\n  kind: http-server\n  maker: Axis\n  maker_basis: 'stated: y'\n"
        "  source: s\n  value: a\n"
        "- id: x-2\n  kind: no-such-kind\n  maker: Axis\n  maker_basis: 'stated: y'\n"
        "  source: s\n  value: a\n")
    with pytest.raises(RuleError, match=r"a\.yaml:7: x-2: kind 'no-such-kind'"):
        load_corpus(tmp_path)
    (tmp_path / "a.yaml").write_text("- id: x-1\n  kind: http-server\n  value: a\n")
    with pytest.raises(RuleError, match=r"a\.yaml:1: corpus entry needs 'maker'"):
        load_corpus(tmp_path)


def _replayed() -> dict[str, dict[int, bytes]]:
    """One fake host per real HTTP or RTSP reply of a maker no policy covers, held-out ones
    included."""
    covered = report().covered_makers
    hosts: dict[str, dict[int, bytes]] = {}
    n = 0
    for e in (*entries(), *load_corpus(HELDOUT)):
        if e.maker in covered or e.kind not in ("http-response", "rtsp-response"):
            continue
        head = e.data.split(b"\n", 1)[0]
        if not head.startswith((b"HTTP/", b"RTSP/")):
            continue
        data = e.data if b"\r\n" in e.data else e.data.replace(b"\n", b"\r\n")
        n += 1
        hosts[f"127.66.{n // 250}.{n % 250 + 1}"] = {80 if e.kind == "http-response" else 554:
                                                     data}
    return hosts


def test_scanning_replayed_non_covered_replies_gives_no_covered_verdict() -> None:
    hosts = _replayed()
    assert len(hosts) >= 120
    assert sum(554 in h for h in hosts.values()) >= 70  # LIVE555 and other RTSP servers

    def handler(call: Call) -> bytes | None:
        return hosts[call.ip].get(call.port)

    transport = FakeTransport(handler, open_ports={ip: set(h) for ip, h in hosts.items()})
    devices = scan_devices(sorted(hosts), [80, 554], transport, timeout=0.5, host_timeout=5.0,
                           banner_wait=0.0)
    assert len(devices) == len(hosts)
    covered = [(d.ip, d.maker, [e.rule for e in d.evidence]) for d in devices
               if any(v.status == "covered" for v in d.verdicts)]
    assert covered == []
