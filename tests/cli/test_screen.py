from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.reports.test_html import CHROMIUM, run_chromium
from tests.screening.docgen import (
    ADMISSION_FORM,
    C_HEADER,
    SPEC_PAGE_1,
    SPEC_PAGE_2,
    pdf_bytes,
    zip_bytes,
)
from tests.screening.test_device import ANALYTICS, PASSWORD, PLAIN, USER, serve_camera

from camaudit.cli.screen import screen
from camaudit.errors import UsageError
from camaudit.inventory import open_store, record_scan
from camaudit.inventory.store import scan_report
from camaudit.model import Device, Evidence
from camaudit.reports.html import csp_hash, render


def _run(*args: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(screen, list(args))
    return result.exit_code, result.output, result.exception


def test_findings_exit_1_with_json_page_and_offset(tmp_path: Path) -> None:
    (tmp_path / "spec.pdf").write_bytes(pdf_bytes([SPEC_PAGE_1, SPEC_PAGE_2]))
    (tmp_path / "sdk.zip").write_bytes(zip_bytes({"inc/dhnetsdk.h": C_HEADER.encode()}))
    code, out, _ = _run(str(tmp_path), "--format", "json")
    assert code == 1
    doc = json.loads(out)
    rows = {(f["path"].removeprefix(f"{tmp_path}/"), f["rule"], f["page"], f["offset"])
            for f in doc["findings"]}
    assert ("spec.pdf", "uyghur-face-analytics", 2, None) in rows
    assert ("sdk.zip!inc/dhnetsdk.h", "dahua-netsdk-nation-field", None,
            C_HEADER.encode().index(b"emNation")) in rows
    assert doc["screen"]["files"] == 2
    assert all(f["severity"] in ("high", "medium", "low") and f["context"]
               for f in doc["findings"])


def test_clean_input_exits_0_and_table_says_so(tmp_path: Path) -> None:
    (tmp_path / "form.txt").write_bytes(ADMISSION_FORM.encode("gb18030"))
    code, out, _ = _run(str(tmp_path / "form.txt"))
    assert code == 0 and "0 finding(s) in 1 file(s)" in out


def test_csv_to_file(tmp_path: Path) -> None:
    (tmp_path / "a.h").write_text(C_HEADER, encoding="utf-8")
    out_file = tmp_path / "out.csv"
    code, out, _ = _run(str(tmp_path / "a.h"), "--format", "csv", "-o", str(out_file))
    assert code == 1 and f"wrote {out_file}" in out
    rows = list(csv.DictReader(io.StringIO(out_file.read_text(encoding="utf-8"))))
    assert {r["rule"] for r in rows} == {"dahua-netsdk-nation-enum", "dahua-netsdk-nation-field"}
    assert rows[0]["offset"].isdigit() and rows[0]["encoding"] == "utf-8"


def test_bad_input_raises_usage_error_naming_the_path(tmp_path: Path) -> None:
    code, _, exc = _run(str(tmp_path / "missing.pdf"))
    assert isinstance(exc, UsageError) and "missing.pdf" in str(exc)
    _, _, exc = _run()
    assert isinstance(exc, UsageError) and "PATH... or --device" in str(exc)
    _, _, exc = _run("--device", "http://127.0.0.1:9")
    assert isinstance(exc, UsageError) and "--user and --password-file" in str(exc)


def test_verify_and_list_rules() -> None:
    code, out, _ = _run("--verify-rules")
    assert code == 0 and "0 problem(s)" in out
    code, out, _ = _run("--list-rules")
    assert code == 0 and "dahua-netsdk-nation-enum\thigh\tA-\talone" in out


def test_help_has_examples() -> None:
    code, out, _ = _run("--help")
    assert code == 0 and "camaudit screen firmware.bin --format json" in out
    assert "--password-file" in out


def test_device_screen_with_password_file(tmp_path: Path) -> None:
    with serve_camera() as (url, handler):
        _device_round(tmp_path, url, handler)


def _device_round(tmp_path: Path, url: str, handler: Any) -> None:
    handler.documents = {"/ISAPI/Smart/capabilities": ANALYTICS}
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    code, out, _ = _run("--device", url, "--user", USER, "--password-file", str(pw),
                        "--format", "json")
    assert code == 1 and PASSWORD not in out
    doc = json.loads(out[out.index("{\n  \"camaudit\""):])
    assert {f["rule"] for f in doc["findings"]} >= {"ethnicity-face-attribute",
                                                    "uyghur-face-analytics"}
    assert all(f["path"].startswith(url + "/ISAPI/Smart/capabilities") for f in doc["findings"])
    handler.documents = {"/ISAPI/Smart/capabilities": PLAIN}
    code, out, _ = _run("--device", url, "--user", USER, "--password-file", str(pw), "-q")
    assert code == 0 and PASSWORD not in out


def test_device_onvif_analytics_are_screened_and_recorded(tmp_path: Path) -> None:
    from tests.screening.test_onvif import FACE_MODULE, MOTION_MODULE, _answers

    db = tmp_path / "inv.db"
    with serve_camera() as (url, handler):
        handler.onvif = _answers(FACE_MODULE + MOTION_MODULE)
        code, out, _ = _run("--device", url, "--user", USER, "--password-file",
                            str(_pw(tmp_path)), "--db", str(db), "--format", "json")
        assert set(handler.methods) == {"GET", "POST"}
        assert {c for _, c in handler.posts} == {
            "GetServices", "GetAnalyticsConfigurations", "GetSupportedAnalyticsModules",
            "GetSupportedRules"}
    assert code == 1 and PASSWORD not in out
    doc = json.loads(out[out.index("{\n  \"camaudit\""):])
    assert [(f["path"], f["rule"], f["matched"]) for f in doc["findings"]] == [
        (f"{url}/onvif/Analytics#GetSupportedAnalyticsModules", "ethnicity-face-attribute",
         "Ethnicity")]
    assert doc["screen"]["files"] == 2
    with closing(open_store(str(db))) as store:
        (sighting,) = store.devices()
        assert sighting.device.screening[0].path.endswith("#GetSupportedAnalyticsModules")
    stored = _stored_text(db)
    assert "#GetSupportedAnalyticsModules" in stored and PASSWORD not in stored


def test_wrong_password_refused_by_isapi_and_onvif_is_an_error(tmp_path: Path) -> None:
    from tests.screening.test_onvif import FACE_MODULE, _answers

    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-pw\n", encoding="utf-8")
    with serve_camera() as (url, handler):
        handler.documents = {"/ISAPI/Smart/capabilities": ANALYTICS}
        handler.onvif = _answers(FACE_MODULE)
        result = CliRunner().invoke(screen, ["--device", url, "--user", USER,
                                             "--password-file", str(wrong), "--no-db"])
    assert isinstance(result.exception, UsageError)
    assert "refused the credentials" in str(result.exception)
    assert "not-the-pw" not in result.output + str(result.exception)


# ---------------------------------------------------------------- HTML page
def test_html_page_has_every_finding_escaped_and_self_contained(tmp_path: Path) -> None:
    hostile = "<script>alert('ctx')</script>"
    header = f"// emNation {hostile}\n" + C_HEADER
    (tmp_path / "<b>sdk<i>.h").write_text(header, encoding="utf-8")
    (tmp_path / "spec.pdf").write_bytes(pdf_bytes([SPEC_PAGE_1, SPEC_PAGE_2]))
    code, out, _ = _run(str(tmp_path), "--format", "json", "-q")
    findings = json.loads(out)["findings"]
    assert code == 1 and len(findings) >= 3
    code, html, _ = _run(str(tmp_path), "--format", "html", "-q")
    assert code == 1
    assert html.count('<tr class="finding">') == len(findings)
    for f in findings:
        assert _escaped(f["path"]) in html and f["rule"] in html
    assert "page 2" in html  # the PDF finding names its page
    offset = header.encode().index(b"emNation")
    assert f"offset {offset} (0x{offset:x})" in html
    assert hostile not in html and _escaped(hostile) in html
    assert "<b>sdk" not in html and "&lt;b&gt;sdk&lt;i&gt;.h" in html
    assert "<script" not in html and "default-src 'none'" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert f"style-src '{csp_hash(style)}'" in html


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_html_page_loads_in_chromium_without_errors(tmp_path: Path) -> None:
    (tmp_path / "a.h").write_text("// emNation <script>alert('x')</script>\n" + C_HEADER,
                                  encoding="utf-8")
    page = tmp_path / "findings.html"
    code, out, _ = _run(str(tmp_path / "a.h"), "--format", "json", "-q")
    count = len(json.loads(out)["findings"])
    code, _, _ = _run(str(tmp_path / "a.h"), "--format", "html", "-o", str(page), "-q")
    assert code == 1 and count >= 2
    run = run_chromium(tmp_path, page.as_uri(), "--dump-dom")
    assert ":CONSOLE" not in run.stderr, run.stderr  # no CSP violation, no script ran
    assert run.stdout.count('<tr class="finding">') == count
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in run.stdout


def _escaped(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


# ---------------------------------------------------------------- inventory
def _pw(tmp_path: Path) -> Path:
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    return pw


def _stored_text(db: Path) -> str:
    with closing(sqlite3.connect(db)) as conn:
        return "\n".join(conn.iterdump())


def test_device_findings_go_into_the_inventory_and_its_history(tmp_path: Path) -> None:
    db = tmp_path / "inv.db"
    earlier = Device(ip="127.0.0.1", maker="Hikvision", brand="LTS", relabeled=True,
                     evidence=(Evidence("tcp/80 GET /", "http.header.server", "DNVRS-Webs",
                                        "hikvision-webs"),))
    record_scan(str(db), "2026-01-01T00:00:00Z", ["127.0.0.1"], {}, "lab", [earlier])
    with serve_camera() as (url, handler):
        handler.documents = {"/ISAPI/Smart/capabilities": ANALYTICS}
        code, out, _ = _run("--device", url, "--user", USER, "--password-file",
                            str(_pw(tmp_path)), "--db", str(db), "--site", "lab",
                            "--format", "json")
        assert code == 1 and PASSWORD not in out
        doc = json.loads(out[out.index("{\n  \"camaudit\""):])
        handler.documents = {"/ISAPI/Smart/capabilities": PLAIN}
        code, _, _ = _run("--device", url, "--user", USER, "--password-file",
                          str(_pw(tmp_path)), "--db", str(db), "--site", "lab", "-q")
        assert code == 0
    with closing(open_store(str(db))) as store:
        history = store.history("127.0.0.1", "lab")
        scan = store.scan(doc["screen"]["scan_id"])
        devices, meta = scan_report(store, doc["screen"]["scan_id"])
    assert [len(s.device.screening) for s in history] == [0, len(doc["findings"]), 0]
    screened = history[1].device
    assert screened.maker == "Hikvision" and screened.relabeled  # the scan's record, kept
    assert screened.evidence == earlier.evidence
    assert [f.to_json() for f in screened.screening] == doc["findings"]
    assert {f.rule for f in screened.screening} >= {"ethnicity-face-attribute",
                                                    "uyghur-face-analytics"}
    assert scan.options == {"screen": url, "partial": True} and scan.site == "lab"
    assert PASSWORD not in _stored_text(db)
    # the device report of that scan shows the findings
    page = render(devices, meta)
    assert '<div class="card screened"><b>1</b>' in page
    assert "uyghur-face-analytics" in page and f"{url}/ISAPI/Smart/capabilities" in page


def test_device_without_record_is_stored_bare(tmp_path: Path) -> None:
    db = tmp_path / "inv.db"
    with serve_camera() as (url, handler):
        handler.documents = {"/ISAPI/Smart/capabilities": ANALYTICS}
        code, _, _ = _run("--device", url, "--user", USER, "--password-file",
                          str(_pw(tmp_path)), "--db", str(db), "-q")
    assert code == 1
    with closing(open_store(str(db))) as store:
        (sighting,) = store.devices()
    assert sighting.site == "" and sighting.device.ip == "127.0.0.1"
    assert sighting.device.maker is None and sighting.device.screening


def test_no_db_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "inv.db"
    with serve_camera() as (url, handler):
        handler.documents = {"/ISAPI/Smart/capabilities": ANALYTICS}
        code, out, _ = _run("--device", url, "--user", USER, "--password-file",
                            str(_pw(tmp_path)), "--db", str(db), "--no-db", "--format", "json")
    assert code == 1 and PASSWORD not in out
    assert "scan_id" not in json.loads(out[out.index("{\n  \"camaudit\""):])["screen"]
    assert not db.exists() and not Path(os.environ["CAMAUDIT_DB"]).exists()


def test_nothing_served_is_an_error_and_records_nothing(tmp_path: Path) -> None:
    db = tmp_path / "inv.db"
    with serve_camera() as (url, _):
        code, _, exc = _run("--device", url, "--user", USER, "--password-file",
                            str(_pw(tmp_path)), "--db", str(db))
    # every path 404 and no ONVIF: nothing was screened, so "0 findings" would be a false clean
    assert isinstance(exc, UsageError) and not db.exists()  # the CLI group: exit 2
    assert "no capability document could be fetched" in str(exc) and "HTTP 404" in str(exc)


def test_paths_are_never_recorded(tmp_path: Path) -> None:
    (tmp_path / "a.h").write_text(C_HEADER, encoding="utf-8")
    code, _, _ = _run(str(tmp_path / "a.h"), "-q")
    assert code == 1 and not Path(os.environ["CAMAUDIT_DB"]).exists()
    _, _, exc = _run(str(tmp_path / "a.h"), "--db", str(tmp_path / "inv.db"))
    assert isinstance(exc, UsageError) and "need --device" in str(exc)
    assert not (tmp_path / "inv.db").exists()


# ---------------------------------------------------------------- the lab's screening fixtures
LAB_NET = "127.74.0.0/29"  # used by no other test
LAB_USER, LAB_PASSWORD = "lab-operator", "lab-screening-pw"  # docs/lab.md, lab only


@pytest.mark.lab
@pytest.mark.skipif(os.geteuid() != 0, reason="the lab binds port 80: needs root")
def test_screen_lab_fixtures_with_credentials(tmp_path: Path) -> None:
    from camaudit.cli import cli
    from camaudit.lab.control import down, up
    from camaudit.screening.rules import load_ruleset

    state, log = tmp_path / "lab.json", tmp_path / "lab.jsonl"
    good, bad = tmp_path / "pw", tmp_path / "wrong"
    good.write_text(LAB_PASSWORD + "\n", encoding="utf-8")
    bad.write_text("not-the-password\n", encoding="utf-8")
    paths = [p.path for p in load_ruleset().device_paths]
    cap = "/ISAPI/Smart/capabilities"

    def run(ip: str, pw: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
        result = CliRunner().invoke(cli, ["screen", "--device", f"http://{ip}/", "--user",
                                          LAB_USER, "--password-file", str(pw), "--no-db",
                                          "--format", "json", *extra])
        out = result.output
        return result.exit_code, json.loads(out[out.index("{\n  \"camaudit\""):]), out

    try:
        truth = up(LAB_NET, None, ["analytics-camera", "plain-camera"], log, state,
                   background=True)
        ips = {d.profile: d.ip for d in truth}
        code, doc, out = run(ips["analytics-camera"], good)
        assert code == 1 and LAB_PASSWORD not in out
        got = {(f["rule"], f["where"]) for f in doc["findings"]}
        assert got == {
            ("ethnicity-face-attribute", "/SmartCap/FaceCaptureCap/faceAttribute/race"),
            ("ethnicity-face-attribute", "/SmartCap/FaceCaptureCap/faceAttribute/ethnicity"),
            ("uyghur-face-analytics", "/SmartCap/FaceCaptureCap/faceAttribute/ethnicity")}
        url = f"http://{ips['analytics-camera']}"
        assert {f["path"] for f in doc["findings"]} == {url + cap}
        assert doc["screen"]["files"] == 1
        onvif_call = url + "/onvif/device_service#GetServices"
        assert sorted(s["path"] for s in doc["skipped"]) == sorted(
            [onvif_call, *(url + p for p in paths if p != cap)])
        reasons = {s["path"]: s["reason"] for s in doc["skipped"]}
        assert reasons.pop(onvif_call).startswith("no ONVIF analytics (")
        assert set(reasons.values()) == {"HTTP 404"}

        # plain-camera wants Basic over plain http: refused unless the operator allows it
        basic = CliRunner().invoke(cli, ["screen", "--device", f"http://{ips['plain-camera']}/",
                                         "--user", LAB_USER, "--password-file", str(good),
                                         "--no-db"])
        assert basic.exit_code == 2 and "Basic authentication over plain http" in basic.stderr
        code, doc, out = run(ips["plain-camera"], good, "--allow-plain-basic")
        assert code == 0 and doc["findings"] == [] and doc["screen"]["files"] == 1

        for profile in ("analytics-camera", "plain-camera"):
            # Nothing could be read: an error, never a clean bill of health.
            refused = CliRunner().invoke(cli, ["screen", "--device", f"http://{ips[profile]}/",
                                               "--user", LAB_USER, "--password-file", str(bad),
                                               "--no-db", "--format", "json",
                                               "--allow-plain-basic"])
            assert refused.exit_code == 2
            assert (f"camaudit: error: http://{ips[profile]}/ refused the credentials of user "
                    f"'{LAB_USER}'") in refused.stderr
            assert "not-the-password" not in refused.output
    finally:
        down(state)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    # the wrong password cost each device exactly one failed login in its run (the lab logs
    # a refused answer to its challenge as REFUSED)
    refused = [r for r in lines if r["method"] == "REFUSED"]
    assert sorted(r["ip"] for r in refused) == sorted(ips.values())
    lines = [r for r in lines if r["method"] != "REFUSED"]
    # GETs of the capability paths; the only POST is the ONVIF GetServices call
    assert {(r["proto"], r["method"]) for r in lines} == {("http", "GET"), ("http", "POST")}
    assert {r["path"] for r in lines if r["method"] == "POST"} == {"/onvif/device_service"}
    assert {r["path"] for r in lines if r["method"] == "GET"} == set(paths)
    assert {r["ip"] for r in lines} == set(ips.values())
    text = log.read_text()
    assert LAB_PASSWORD not in text and "not-the-password" not in text
