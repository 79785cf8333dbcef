from __future__ import annotations

import ast
from pathlib import Path

import camaudit.egress.builddata as bd
from camaudit.egress.builddata import _asn_rows, _flatten


def test_flatten_nested_ranges_most_specific_wins() -> None:
    rows = [(0, 99, 1), (10, 19, 2), (50, 59, 3), (55, 56, 4), (200, 210, 5)]
    assert _flatten(rows) == [(0, 9, 1), (10, 19, 2), (20, 49, 1), (50, 54, 3), (55, 56, 4),
                              (57, 59, 3), (60, 99, 1), (200, 210, 5)]


def test_flatten_result_never_overlaps() -> None:
    rows = [(i * 7 % 100, i * 7 % 100 + (i % 5) * 3, i) for i in range(60)]
    out = _flatten(rows)
    assert all(a[1] < b[0] for a, b in zip(out, out[1:], strict=False))
    assert all(lo <= hi for lo, hi, _ in out)


def test_asn_rows_reads_a_local_csv(tmp_path: Path) -> None:
    p = tmp_path / "asn-ipv4-num.csv"
    p.write_text('16777216,16777471,13335,"Cloudflare, Inc."\n'
                 "16777216,33554431,4134,Chinanet\n", encoding="utf-8")
    orgs: dict[int, str] = {}
    rows = _asn_rows(p, orgs)
    assert rows == [(16777216, 16777471, 13335), (16777472, 33554431, 4134)]
    assert orgs == {13335: "Cloudflare, Inc.", 4134: "Chinanet"}


def test_builder_never_downloads() -> None:
    tree = ast.parse(Path(bd.__file__).read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree)
                if isinstance(n, ast.Import | ast.ImportFrom)
                for a in (n.names if isinstance(n, ast.Import) else [ast.alias(n.module or "")])}
    assert not imported & {"urllib", "http", "requests", "socket", "httpx", "subprocess"}
