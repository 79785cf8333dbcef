"""The HTML report: self-contained, every device string escaped, sortable and filterable in a
real browser (Debian's headless chromium; skipped when it is not installed)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from camaudit.egress.geo import attribution
from camaudit.lab.profiles import load_profiles
from camaudit.model import (
    Device,
    EgressFinding,
    Evidence,
    Port,
    ProbeError,
    Risk,
    ScreeningFinding,
    Verdict,
)
from camaudit.reports.html import (
    csp_hash,
    egress_rows,
    finding_location,
    finding_rows,
    ip_sort,
    render,
    risk_rows,
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


EGRESS_HOSTILE = "<img src=x onerror=alert('egress')>.example"
EGRESS = (
    {"destination": "www.easy4ipcloud.com", "ip": "47.88.1.1", "country": "US",
     "asn": "AS45102", "kind": "p2p", "proto": "udp", "port": 8800, "bytes_out": 1000,
     "bytes_in": 30, "first_seen": "2023-11-14T22:13:31Z",
     "last_seen": "2023-11-14T22:13:33Z", "flagged": True,
     "reasons": ["p2p (dahua-easy4ip: easy4ipcloud.com)"]},
    {"destination": EGRESS_HOSTILE, "ip": "<b>ip</b>", "country": "<i>CN</i>", "asn": None,
     "kind": "p2p", "proto": "tcp", "port": 443, "bytes_out": 250, "bytes_in": 0,
     "first_seen": "<u>t</u>", "last_seen": "", "flagged": False, "reasons": []},
    "not a mapping",
)
HIK_EGRESS = (
    {"destination": "dev.hik-connect.com", "ip": "34.241.130.159", "country": "IE",
     "asn": "AS16509", "kind": "vendor-cloud", "proto": "tcp", "port": 8555, "bytes_out": 4000,
     "bytes_in": 120, "first_seen": "2023-11-14T22:13:21Z",
     "last_seen": "2023-11-14T22:13:23Z", "flagged": True, "reasons": []},
    {"destination": "AS132203 Tencent", "ip": "162.62.52.164", "country": "US",
     "asn": "AS132203", "kind": "other", "proto": "tcp", "port": 8666, "bytes_out": 60,
     "bytes_in": 200, "first_seen": "2023-11-14T22:13:30Z",
     "last_seen": "2023-11-14T22:13:31Z", "flagged": False, "reasons": []},
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
               errors=(ProbeError("tcp/443", "<b>reset</b>"),),
               screening=tuple(ScreeningFinding.from_json(f) for f in SCREENING),
               egress=tuple(EgressFinding.from_json(e) for e in EGRESS if isinstance(e, dict))),
        Device(ip="127.0.0.9", maker="Hikvision", brand="Hikvision", confidence=0.85,
               verdicts=covered, egress=tuple(EgressFinding.from_json(e) for e in HIK_EGRESS)),
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
                    "http://127.0.0.10/<b>doc</b>", "<u>rule</u>", "<s>sev</s>",
                    EGRESS_HOSTILE, "<b>ip</b>", "<i>CN</i>", "<u>t</u>"]:
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
    assert html.count("<svg") == 4  # makers, coverage, egress by country and by kind
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


def _chart(html: str, chart_id: str) -> dict[str, str]:
    svg = html.split(f'id="{chart_id}"', 1)[1].split("</svg>", 1)[0]
    return dict(re.findall(r"<title>(.*?): ([\d,]+) bytes</title>", svg))


def test_egress_charts_totals_and_attribution(tmp_path: Path) -> None:
    html = report(tmp_path).read_text(encoding="utf-8")
    # bytes out: 1000 + 250 + 4000 + 60
    assert "to 4 far end(s) outside the site: 5,310 bytes out in all" in html
    assert _chart(html, "chart-egress-countries") == {
        "IE": "4,000", "US": "1,060", "&lt;i&gt;CN&lt;/i&gt;": "250"}
    assert _chart(html, "chart-egress-kinds") == {
        "vendor-cloud": "4,000", "p2p": "1,250", "other": "60"}
    note = html.split('id="egress-attribution">', 1)[1].split("</p>", 1)[0]
    assert note == attribution() and "CC BY 4.0" in note and "2026-06-17" in note
    flagged = html.split("Devices sending to a flagged", 1)[1].split("</ul>", 1)[0]
    assert '<a class="mono" href="#device-0">127.0.0.10</a>: www.easy4ipcloud.com' in flagged
    assert '<a class="mono" href="#device-1">127.0.0.9</a>: dev.hik-connect.com' in flagged


def test_egress_rows_per_device(tmp_path: Path) -> None:
    html = report(tmp_path).read_text(encoding="utf-8")
    dahua = html.split('id="device-0"', 1)[1].split("</details>", 1)[0]
    assert "Egress: where this device sends data (2 far end(s)" in dahua
    assert ("<tr><td>www.easy4ipcloud.com</td><td class=\"mono\">47.88.1.1 8800/udp</td>"
            "<td>US</td><td class=\"mono\">AS45102</td><td>p2p</td><td class=\"num\">1,000</td>"
            "<td class=\"num\">30</td><td class=\"mono\">2023-11-14T22:13:31Z</td>"
            "<td class=\"mono\">2023-11-14T22:13:33Z</td>"
            "<td class=\"flagged\">p2p (dahua-easy4ip: easy4ipcloud.com)</td></tr>") in dahua
    hik = html.split('id="device-1"', 1)[1].split("</details>", 1)[0]
    assert "dev.hik-connect.com" in hik and '<td class="flagged">yes</td>' in hik
    assert "Egress:" not in html.split('id="device-2"', 1)[1]


def test_no_egress_no_charts() -> None:
    html = render([Device(ip="127.0.0.1", maker="Axis")], {})
    assert html.count("<svg") == 2 and 'id="egress"' not in html and "Egress:" not in html


def test_egress_rows_take_hostile_stored_entries() -> None:
    rows = egress_rows([{"bytes_out": True, "bytes_in": -5, "port": "80", "reasons": "x",
                         "flagged": "yes", "destination": ["a"]}, None])
    assert len(rows) == 1
    row = rows[0]
    assert (row["bytes_out"], row["bytes_in"], row["port"]) == (0, 0, None)
    assert (row["reasons"], row["flagged"], row["destination"]) == ("", False, "['a']")


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


RISK_HOSTILE = "<script>alert('risk')</script>"
RISKS = (
    {"cve": "CVE-2021-36260", "kev": "2022-01-10", "basis": "maker Hikvision; versions unknown",
     "status": "possible", "title": "Hikvision web server: command injection", "grade": "A",
     "kev_grade": "A", "source": "cvelistV5"},
    {"cve": "CVE-2017-7921", "kev": "2026-03-05", "status": "affected", "grade": "A",
     "basis": f"maker Hikvision, model {RISK_HOSTILE} in series DS-2CD2xx2FWD",
     "title": "Hikvision IP cameras: improper authentication", "kev_grade": "B",
     "source": "<b>src</b>"},
)


def test_known_vulnerabilities_summarised_listed_and_escaped() -> None:
    hostile = {"cve": "<i>CVE</i>", "status": "<u>bad</u>", "kev": None}
    html = render([Device(ip="127.0.0.9", maker="Hikvision",
                          risks=tuple(Risk.from_json(r) for r in (*RISKS, hostile))),
                   Device(ip="127.0.0.10", maker="Axis")], {})
    assert '<div class="card risky"><b>1</b>with known vulnerabilities</div>' in html
    listed = html.split('id="risky">', 1)[1].split("</ul>", 1)[0]
    assert ('<a class="mono" href="#device-0">127.0.0.9</a>: CVE-2017-7921 '
            '<span class="risk affected">affected</span> (KEV 2026-03-05), CVE-2021-36260 '
            '<span class="risk possible">possible</span> (KEV 2022-01-10)') in listed
    assert "127.0.0.10" not in listed
    cell = html.split('<td data-key="risks"', 1)[1].split("</td>", 1)[0]
    assert cell.startswith(' data-sort="3">CVE-2017-7921 <span class="risk affected">')
    details = html.split('id="device-0"', 1)[1].split("</details>", 1)[0]
    assert "Known vulnerabilities (3," in details
    assert ('<tr><td class="mono nowrap">CVE-2017-7921</td><td class="risk affected">affected'
            '</td><td class="mono nowrap">2026-03-05 (grade B)</td>') in details
    for text in (RISK_HOSTILE, "<b>src</b>", "<i>CVE</i>", "<u>bad</u>"):
        assert text not in html
    assert "&lt;script&gt;alert(&#39;risk&#39;)&lt;/script&gt;" in details
    assert '<td class="risk other">&lt;u&gt;bad&lt;/u&gt;</td>' in details  # no class injected
    assert "Known vulnerabilities" not in html.split('id="device-1"', 1)[1]
    assert html.count("<script>") == 1


def test_risk_rows_take_hostile_stored_entries() -> None:
    rows = risk_rows([{"cve": ["x"], "status": "possible", "basis": "b" * 500}, "no", None,
                      {"cve": "CVE-1", "status": "affected", "kev": 7}])
    assert [r["cve"] for r in rows] == ["CVE-1", "['x']"]  # affected first
    assert rows[0]["kev"] == "7" and rows[1]["basis"].endswith("(100 more characters)")
    assert rows[1]["status_class"] == "possible" and rows[1]["kev"] == ""


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


def test_what_an_unknown_device_said_is_shown_escaped_and_possible_is_a_status() -> None:
    from camaudit.model import Observation

    d = Device(ip="127.0.0.40", observations=(
        Observation("http.title", "<img src=x onerror=alert(1)>", "tcp/80 GET /"),),
        verdicts=(Verdict("ndaa-889", "possible", "one shared trait"),))
    html = render([d], {})
    assert "What the device said that no rule matched" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert status(d) == "possible"
    assert 'class="status possible"' in html


def test_the_page_is_bounded_per_device() -> None:
    from camaudit.reports.html import MAX_ITEMS, MAX_VALUE

    huge = Device(ip="10.0.0.9", maker="M" * 100_000, brand="B" * 100_000,
                  hostnames=tuple(f"h{i}" for i in range(5_000)),
                  evidence=tuple(Evidence("s" * 5_000, "k" * 5_000, "v" * 100_000, "r" * 5_000)
                                 for _ in range(2_000)),
                  errors=tuple(ProbeError("tcp/80", "e" * 100_000) for _ in range(2_000)),
                  verdicts=(Verdict("ndaa-889", "covered", "why " * 50_000, ("ref",) * 5_000),))
    small = render([Device(ip="10.0.0.8", maker="Hikvision")], {})
    page = render([huge], {})
    # evidence, errors, names: at most MAX_ITEMS each, every string at most MAX_VALUE characters
    per_device = (MAX_ITEMS * (4 + 2 + 1) + 40) * (MAX_VALUE + 40)
    assert len(page) - len(small) < per_device
    assert "more entries of this device" in page


def test_recorder_cameras_currency_and_exposures_are_shown_escaped() -> None:
    from camaudit.model import Currency, Exposure

    nvr = Device(ip="10.0.0.5", maker="Hikvision", firmware="V4.22.005",
                 currency=Currency("behind", "<b>3</b> newer releases", latest="V4.30",
                                   releases_behind=3, data_as_of="2026-12-02"),
                 exposures=(Exposure("telnet-open", "medium", "<i>port 23</i>", "tcp/23"),))
    cam = Device(ip="10.0.0.5/ch2", recorder="10.0.0.5", channel=2,
                 segment_ip="192.168.254.3")
    html = render([nvr, cam], {})
    assert '<div class="card risky"><b>1</b>with exposure findings</div>' in html
    assert "(behind, 3 release(s))" in html
    details = html.split('id="device-0"', 1)[1].split("</details>", 1)[0]
    assert "Firmware currency: <b>behind</b>. &lt;b&gt;3&lt;/b&gt; newer releases" in details
    assert "Data as of 2026-12-02." in details
    assert ('<td class="mono">telnet-open</td><td>medium</td><td>&lt;i&gt;port 23&lt;/i&gt;'
            in details)
    cam_details = html.split('id="device-1"', 1)[1].split("</details>", 1)[0]
    assert ('On channel 2 of recorder <span class="mono">10.0.0.5</span>, at '
            '<span class="mono">192.168.254.3</span>') in cam_details
    row = html.split('data-index="1"', 1)[1].split("</tr>", 1)[0]
    assert "(192.168.254.3)" in row and "&#8627;" in row
    assert ip_sort("10.0.0.5") < ip_sort("10.0.0.5/ch2") < ip_sort("10.0.0.5/ch10") \
        < ip_sort("10.0.0.6")
