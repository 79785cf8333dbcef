"""Properties of the egress readers on hostile evidence: pcap and pcapng (the compiled path and
the numpy path), Zeek TSV/JSON (plain, gzip, through DuckDB), nfdump CSV and NetFlow exports.
Each raises nothing but a one-line ``UsageError``, lists at most ``MAX_DAMAGE`` + 1 damage
entries per file, keeps only sound numbers (finite, non-negative, ports 0-65535, real
addresses), and the two capture paths agree on every input."""

from __future__ import annotations

import ipaddress
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.hostile.strategies import hostile, props
from tests.hostile.targets import DUCK, EGRESS, ZEEK_JSON, ZEEK_TSV, egress_load

from camaudit.egress import fastpath
from camaudit.egress.flows import MAX_COUNT, MAX_DAMAGE, MAX_TS, Capture
from camaudit.errors import UsageError


def _sound(out: object) -> None:
    if isinstance(out, UsageError):
        return
    assert isinstance(out, Capture)
    assert len(out.damage) <= (MAX_DAMAGE + 1) * max(1, len(out.files))
    for (client, server, proto, port), row in out.conns.items():
        ipaddress.ip_address(client)
        ipaddress.ip_address(server)
        assert proto and 0 <= port <= 65535
        assert all(math.isfinite(v) and 0 <= v for v in row)
        assert all(v <= MAX_COUNT * 1024 for v in row[:4])
        assert row[4] <= MAX_TS and row[5] <= MAX_TS


@pytest.mark.parametrize("name", sorted(EGRESS))
def test_reader_raises_only_a_one_line_usage_error(name: str) -> None:
    target = EGRESS[name]

    @props(examples=40, deadline_ms=2000)
    @given(hostile(target, max_size=8192))
    def check(data: bytes) -> None:
        _sound(target.call(data))

    check()


@props(examples=6, deadline_ms=10_000)
@given(hostile(DUCK, max_size=2048))
def test_duckdb_reader_raises_only_a_one_line_usage_error(data: bytes) -> None:
    _sound(DUCK.call(data))


def _result(data: bytes, fast: bool) -> str:
    """The whole Capture (or the error) as text, without the temporary folder's name."""
    try:
        cap = egress_load(data, nf_ports=(2055,), fast=fast)
    except UsageError as e:
        got = str(e)
    else:
        assert isinstance(cap, Capture)
        got = repr((sorted(cap.conns.items()), sorted(cap.names.items()),
                    sorted(cap.flow_names.items()), cap.records, cap.damage))
    return re.sub(r"/\S*camaudit-hostile-[^/]*/", "", got)


@pytest.mark.skipif(not fastpath.available(), reason="compiled capture path not built")
def test_compiled_and_numpy_capture_paths_agree_on_every_input() -> None:
    target = EGRESS["egress.pcap.fast"]

    @props(examples=80, deadline_ms=3000)
    @given(hostile(target, max_size=16384))
    def check(data: bytes) -> None:
        assert _result(data, True) == _result(data, False)

    check()


_NUMBER = st.one_of(st.sampled_from(["inf", "-inf", "nan", "NaN", "1e400", "-1", "0.5", "-0",
                                     "9" * 40, "18446744073709551616", "1e15", "", "-", "0x10",
                                     "\u0663", "1_000"]),
                    st.integers(-2**70, 2**70).map(str),
                    st.floats(allow_nan=True, allow_infinity=True).map(repr))


@props(examples=80, deadline_ms=2000)
@given(st.lists(_NUMBER, min_size=7, max_size=7), st.booleans())
def test_zeek_numbers_of_any_spelling_are_read_or_damage(numbers: list[str], as_json: bool
                                                         ) -> None:
    ts, oport, rport, duration, obytes, rbytes, pkts = numbers
    if as_json:
        row = ZEEK_JSON.decode().strip()[:-1] + ', "x": 0}'
        for field, value in (("ts", ts), ("id.orig_p", oport), ("id.resp_p", rport),
                             ("duration", duration), ("orig_ip_bytes", obytes),
                             ("resp_ip_bytes", rbytes), ("orig_pkts", pkts)):
            row = row.replace(f'"{field}": ', f'"{field}": {value or 0}, "_{field}": ', 1)
        data = (ZEEK_JSON.decode() + row + "\n").encode()
    else:
        head, good = ZEEK_TSV.rsplit(b"\n", 2)[0], ZEEK_TSV.rsplit(b"\n", 2)[1]
        bad = "\t".join([ts, "192.168.1.20", oport, "47.88.1.1", rport, "tcp", duration, obytes,
                         rbytes, pkts, "1"]).encode()
        data = head + b"\n" + bad + b"\n" + good + b"\n"
    out = EGRESS["egress.zeek.json" if as_json else "egress.zeek.tsv"].call(data)
    _sound(out)
    assert isinstance(out, Capture) and out.records >= 1
