"""The HTML report: self-contained, every device string escaped, sortable and filterable in a
real browser (Debian's headless chromium; skipped when it is not installed)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from camaudit.lab.profiles import load_profiles
from camaudit.model import Device, Evidence, Port, ProbeError, Verdict
from camaudit.reports.html import (
    csp_hash,
    finding_location,
    finding_rows,
    ip_sort,
    render,
    shorten,
    status,
)

CHROMIUM = Path("/usr/bin/chromium")


def xss_strings() -> list[str]:
    """The hostile strings the xss-camera lab profile serves (title, server, realms)."""
    profile = load_profiles()["xss-camera"]
    http = profile.services[0]
    root = http.reply_for("/")
    assert root is not None
    title = re.search(rb"<title>(.*)</title>", root.body)
    assert title is not None
    server = next(h for h in root.headers if h.startswith("Server:")).split(": ", 1)[1]
    assert http.default is not None
    realm = next(h for h in http.default.headers if "realm" in h).split('realm="', 1)[1][:-1]
    return [title.group(1).decode(), server, realm]


SCREEN_MATCHED = "<script>alert('screen')</script>"
SCREENING = (
    {"path": "http://127.0.0.10/ISAPI/Smart/capabilities", "page": None, "offset": None,
     "encoding": None, "where": "/SmartCap/FaceCaptureCap/faceAttribute/ethnicity",
     "rule": "uyghur-face-analytics", "severity": "high", "grade": "B", "matched": "uygur",
     "near": "faceAttribute", "context": "faceAttribute ethnicity opt uygur,han <i>c</i>",
     "source": "facts"},
    {"path": "http://127.0.0.10/<b>doc</b>", "page": None, "offset": 7, "encoding": "utf-8",
     "where": None, "rule": "<u>rule</u>", "severity": "<s>sev</s>", "grade": "C",
     "matched": SCREEN_MATCHED, "near": None, "context": f"x {SCREEN_MATCHED} y",
     "source": ""},
)


def devices() -> list[Device]:
    title, server, realm = xss_strings()
    covered = (Verdict("ndaa-889", "covered", "Dahua firmware"),)
    return [
        Device(ip="127.0.0.10", maker="Dahua", brand="Lorex", relabeled=True, model=title,
               ports=(Port(80), Port(37777)), confidence=0.95, verdicts=covered,
               evidence=(Evidence("tcp/80 GET /", "http.title", title, "t"),
                         Evidence("tcp/80 GET /", "http.header.server", server, "s"),
                         Evidence("tcp/554 DESCRIBE", "rtsp.realm", realm, "r")),
               errors=(ProbeError("tcp/443", "<b>reset</b>"),), screening=SCREENING),
        Device(ip="127.0.0.9", maker="Hikvision", brand="Hikvision", confidence=0.85,
               verdicts=covered),
        Device(ip="127.0.0.100", maker=None, firmware=server,
               verdicts=(Verdict("ndaa-889", "not-covered", "no maker"),)),
        Device(ip="127.0.0.11", maker="Dahua", brand="Dahua", confidence=0.5),
    ]


CHANGES = {"from_scan": 3, "to_scan": 4,
           "appeared": [{"ip": "127.0.0.11", "maker": "Dahua", "brand": "<i>x</i>"}],
           "vanished": [], "changed": [{"ip": "127.0.0.10", "changes": [
               {"field": "brand", "before": "<script>b()</script>", "after": "Lorex"}]}]}


def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.html"
    path.write_text(render(devices(), {"site": "<script>site()</script>", "scan_id": 4,
                                       "time": "2025-01-01T00:00:00Z", "changes": CHANGES,
                                       "targets": ["127.0.0.0/24"]}), encoding="utf-8")
    return path


def test_every_device_string_is_escaped(tmp_path: Path) -> None:
    html = report(tmp_path).read_text(encoding="utf-8")
    for hostile in [*xss_strings(), "<script>site()</script>", "<b>reset</b>",
                    "<script>b()</script>", "<i>x</i>", SCREEN_MATCHED, "<i>c</i>",
                    "http://127.0.0.10/<b>doc</b>", "<u>rule</u>", "<s>sev</s>"]:
        assert "<" in hostile
        assert hostile not in html
        escaped = hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert escaped.replace("'", "&#39;") in html
    # the only script element is the report's own, allowed by its hash
    assert html.count("<script>") == 1
    script = html.split("<script>", 1)[1].split("</script>", 1)[0]
    assert f"script-src '{csp_hash(script)}'" in html


def test_self_contained_and_summarised(tmp_path: Path) -> None:
    html = report(tmp_path).read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "default-src 'none'" in html
    assert html.count("<svg") == 2
    assert "Relabeled devices" in html and "sold as <b>Lorex</b>, made by <b>Dahua</b>" in html
    assert "Changes since the previous scan" in html and "Appeared (1)" in html
    assert '<div class="card covered"><b>2</b>' in html
    assert 'id="device-3"' in html


def test_screening_findings_per_device_and_in_the_summary(tmp_path: Path) -> None:
    html = report(tmp_path).read_text(encoding="utf-8")
    assert '<div class="card screened"><b>1</b>with screening findings' in html
    assert '<a class="mono" href="#device-0">127.0.0.10</a>: 2 finding(s)' in html
    evidence = html.split('id="device-0"', 1)[1].split("</details>", 1)[0]
    assert "Screening: advertised ethnicity" in evidence and "(2 finding(s))" in evidence
    assert "uyghur-face-analytics" in evidence and '<td class="sev high">high</td>' in evidence
    assert "/SmartCap/FaceCaptureCap/faceAttribute/ethnicity" in evidence
    assert "offset 7 (0x7), utf-8" in evidence
    assert "x <mark>&lt;script&gt;alert(&#39;screen&#39;)&lt;/script&gt;</mark> y" in evidence
    assert '<td class="sev other">&lt;s&gt;sev&lt;/s&gt;</td>' in evidence  # no class injected
    others = html.split('id="device-1"', 1)[1]
    assert "Screening:" not in others  # devices without findings show no section


def test_finding_rows_take_hostile_stored_entries() -> None:
    rows = finding_rows([{"matched": "race", "context": "face race x", "page": True,
                          "offset": "12", "severity": ["high"]}, "not a mapping", 7])
    assert len(rows) == 1
    row = rows[0]
    assert (row["before"], row["mark"], row["after"]) == ("face ", "race", " x")
    assert row["location"] == "-" and row["severity_class"] == "other"
    assert finding_location({"page": 3, "where": "table 1 row 2"}) == "page 3, table 1 row 2"
    no_match = finding_rows([{"matched": "维族", "context": "维 族"}])[0]
    assert (no_match["before"], no_match["mark"]) == ("维 族", "")


def test_helpers() -> None:
    assert ip_sort("10.0.0.9") < ip_sort("10.0.0.10") < ip_sort("::1") < ip_sort("x")
    assert status(Device(ip="1")) == "unknown"
    assert shorten("a" * 500).endswith("(100 more characters)")


def run_chromium(tmp_path: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "chromium-profile"
    return subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=3000", *extra, url],
        capture_output=True, text=True, timeout=60, check=False)


def result(dom: str) -> dict[str, object]:
    m = re.search(r'<pre id="test-result" data-done="1">([^<]*)</pre>', dom)
    assert m is not None, "the page script did not run"
    return dict(json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&")))


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_in_headless_chromium_no_errors_sorts_and_filters(tmp_path: Path) -> None:
    url = report(tmp_path).as_uri()
    shot = tmp_path / "report.png"
    run = run_chromium(tmp_path, url, f"--screenshot={shot}", "--window-size=1280,1600")
    assert shot.exists() and shot.stat().st_size > 10_000
    assert ":CONSOLE" not in run.stderr, run.stderr  # no errors, no CSP violations, no alert

    run = run_chromium(tmp_path, url + "#test-sort=ip", "--dump-dom")
    assert ":CONSOLE" not in run.stderr, run.stderr
    got = result(run.stdout)
    assert [r["ip"] for r in got["rows"]] == [  # type: ignore[union-attr,index]
        "127.0.0.9", "127.0.0.10", "127.0.0.11", "127.0.0.100"]
    # the escaped strings are text in the live DOM: no element was injected
    assert "<script>alert" not in run.stdout and "&lt;script&gt;alert('title')" in run.stdout

    got = result(run_chromium(tmp_path, url + "#test-sort=-confidence&filter=dahua",
                              "--dump-dom").stdout)
    assert got["shown"] == "2"
    assert [r["ip"] for r in got["rows"]] == ["127.0.0.10", "127.0.0.11"]  # type: ignore[union-attr,index]

    got = result(run_chromium(tmp_path, url + "#test-sort=maker&status=covered",
                              "--dump-dom").stdout)
    assert [r["maker"] for r in got["rows"]] == ["Dahua", "Hikvision"]  # type: ignore[union-attr,index]
