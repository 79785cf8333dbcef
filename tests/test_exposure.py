"""Exposures as data: every rule's examples hold, the checks find what they promise and nothing
else, and a broken rule file is refused naming file:line."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from camaudit import exposure
from camaudit.errors import RuleError
from camaudit.exposure import ExposureRule, findings, load_rules, rule_ids, shipped_rules, verify
from camaudit.model import Observation, Port

ROOT = Path(__file__).parent.parent
NOW = dt.datetime(2025, 9, 1, tzinfo=dt.UTC)


def ids(observations: list[Observation], ports: list[Port] | None = None,
        now: dt.datetime | None = NOW) -> list[str]:
    return [x.id for x in findings(observations, ports or [], now)]


def test_shipped_rules_verify_clean() -> None:
    assert verify() == []


@pytest.mark.parametrize(("rule", "example"), [
    pytest.param(r, e, id=f"{r.id}: {e.name}") for r in shipped_rules() for e in r.examples])
def test_every_example_finds_exactly_what_it_expects(rule: ExposureRule,
                                                     example: exposure.Example) -> None:
    got = findings(example.observations, example.ports, example.now)
    assert sorted({x.id for x in got}) == sorted(set(example.expect))
    for x in got:
        assert x.basis.endswith(".") and "{" not in x.basis and x.source


def test_ids_severities_and_order() -> None:
    assert rule_ids() == (
        "not-activated", "onvif-unauthenticated", "rtsp-unauthenticated", "telnet-open",
        "http-login-plaintext", "tls-expired", "tls-weak-signature", "tls-weak-key",
        "p2p-enabled", "tls-expiring", "tls-self-signed")
    severity = {r.id: r.severity for r in shipped_rules()}
    assert [i for i, s in severity.items() if s == "high"] == [
        "not-activated", "onvif-unauthenticated", "rtsp-unauthenticated"]
    assert [i for i, s in severity.items() if s == "low"] == ["tls-expiring", "tls-self-signed"]


def test_every_exposure_is_documented() -> None:
    doc = (ROOT / "docs" / "exposure.md").read_text(encoding="utf-8")
    for r in shipped_rules():
        assert f"### `{r.id}` ({r.severity})" in doc, r.id


def test_findings_are_most_severe_first_with_source_and_basis() -> None:
    obs = [Observation("tls.self_signed", "true", "tcp/443 TLS"),
           Observation("telnet.banner", "192.0.0.64 login:", "tcp/23 banner"),
           Observation("sadp.activated", "False", "udp/37020 SADP")]
    got = findings(obs, [Port(23, "tcp", "telnet"), Port(443, "tcp", "https")], NOW)
    assert [(x.id, x.severity, x.source) for x in got] == [
        ("not-activated", "high", "udp/37020 SADP"),
        ("telnet-open", "medium", "tcp/23 banner"),
        ("tls-self-signed", "low", "tcp/443 TLS")]
    assert got[0].basis == ("SADP reports Activated False (udp/37020 SADP): the device has "
                            "never been given a password.")
    assert got[1].basis == "Telnet is open on tcp/23: 192.0.0.64 login:."
    assert got[1].to_json() == {"id": "telnet-open", "severity": "medium",
                                "basis": got[1].basis, "source": "tcp/23 banner"}


def test_one_finding_per_exposure_and_port() -> None:
    login = '<input type="password">'
    obs = [Observation("http.body", login, "tcp/80 GET /"),
           Observation("http.body", login, "tcp/80 GET /Login.htm"),
           Observation("http.www_authenticate", 'Basic realm="x"', "tcp/8080 GET /")]
    got = findings(obs, [], NOW)
    assert [(x.id, x.source) for x in got] == [("http-login-plaintext", "tcp/80 GET /"),
                                                ("http-login-plaintext", "tcp/8080 GET /")]
    assert ids([], [Port(23), Port(23, "udp")]) == ["telnet-open"]


@pytest.mark.parametrize(("source", "ports", "expected"), [
    ("tcp/80 GET /", [], True),
    ("tcp/88 GET /", [Port(88, "tcp", "http")], True),
    ("tcp/443 GET /", [], False),  # the https probe's port
    ("tcp/8443 GET /", [Port(8443, "tcp", "tls")], False),
    ("tcp/9443 GET /", [Port(9443, "tcp", "https")], False),
    ("tcp/443 GET /", [Port(443, "tcp", "http")], True),  # a port the scan saw speak plain http
    ("identify:http-www-authenticate", [], False),  # a paste: the scheme is not known
    ("udp/80 x", [], False),
])
def test_plain_http_is_told_by_port_and_service(source: str, ports: list[Port],
                                                expected: bool) -> None:
    obs = [Observation("http.www_authenticate", 'Basic realm="DVR"', source)]
    assert ids(obs, ports) == (["http-login-plaintext"] if expected else [])


@pytest.mark.parametrize(("body", "expected"), [
    ("<form><INPUT name=p TYPE='password'></form>", True),
    ('<input\n  class="x"\n  type = "password" >', True),
    ('<input type="passwords">', False),
    ('<input type="text" value="password">', False),
    ('<script>el.type = "password"</script>', False),
    ("", False),
])
def test_password_fields(body: str, expected: bool) -> None:
    assert ids([Observation("http.body", body, "tcp/80 GET /")]) == (
        ["http-login-plaintext"] if expected else [])


def test_a_hostile_body_is_read_in_linear_time() -> None:
    body = "<input " * 10000 + "x" * 4000
    start = time.perf_counter()
    assert ids([Observation("http.body", body, "tcp/80 GET /")]) == []
    assert time.perf_counter() - start < 1.0


def test_rtsp_needs_200_and_sdp_in_one_reply() -> None:
    sdp = "v=0\ns=Media Presentation\n"
    assert ids([Observation("rtsp.status", "200", "tcp/554 RTSP OPTIONS"),
                Observation("rtsp.status", "401", "tcp/554 RTSP DESCRIBE"),
                Observation("rtsp.sdp", sdp, "tcp/554 RTSP DESCRIBE")]) == []
    got = findings([Observation("rtsp.status", "200", "tcp/8554 RTSP DESCRIBE"),
                    Observation("rtsp.sdp", sdp, "tcp/8554 RTSP DESCRIBE")], [], NOW)
    assert [x.id for x in got] == ["rtsp-unauthenticated"]
    assert got[0].basis == ("RTSP DESCRIBE on tcp/8554 RTSP DESCRIBE answered 200 with a "
                            "session description, without credentials.")


def test_certificate_dates_against_now() -> None:
    def at(value: str, now: dt.datetime | None = NOW) -> list[str]:
        return ids([Observation("tls.not_after", value, "tcp/443 TLS")], now=now)

    assert at("2025-08-31T23:59:59Z") == ["tls-expired"]
    assert at("2025-09-01T00:00:00Z") == ["tls-expiring"]
    assert at("2025-09-30T23:59:59Z") == ["tls-expiring"]
    assert at("2025-10-01T00:00:00Z") == []
    assert at("2025-09-11T00:00:00Z", NOW.replace(tzinfo=None)) == ["tls-expiring"]  # naive: UTC
    assert at("2000-01-01T00:00:00Z", None) == ["tls-expired"]  # default: the current time
    assert at("not a date") == [] and at("") == []


@pytest.mark.parametrize(("key", "expected"), [
    ("RSA-1024", True), ("RSA-2047", True), ("RSA-2048", False), ("rsa-512", True),
    ("DSA-1024", True), ("EC-192", True), ("EC-256", False), ("Ed25519", False),
    ("RSA-", False), ("RSA-99999999", False),
])
def test_key_sizes(key: str, expected: bool) -> None:
    got = findings([Observation("tls.public_key", key, "tcp/443 TLS")], [], NOW)
    assert [x.id for x in got] == (["tls-weak-key"] if expected else [])
    if expected:
        assert got[0].basis.startswith(f"The certificate on tcp/443 has a {key} key, under ")


def test_values_are_compared_without_case_and_only_listed_values_count() -> None:
    assert ids([Observation("tls.signature_hash", "SHA1", "tcp/443 TLS")]) == [
        "tls-weak-signature"]
    assert ids([Observation("onvif.unauthenticated", "getdeviceinformation", "tcp/80 ONVIF")]) \
        == ["onvif-unauthenticated"]
    assert ids([Observation("p2p.enabled", " TRUE ", "tcp/80 GET /ISAPI/System/Network/EZVIZ")]) \
        == ["p2p-enabled"]
    assert ids([Observation("sadp.activated", "true", "udp/37020"),
                Observation("p2p.enabled", "", "tcp/80 x")]) == []


def test_dahua_init_is_never_a_finding() -> None:
    # no public source says which Init value means "not initialised" (docs/exposure.md)
    assert ids([Observation("dhip.init", v, "udp/37810 DHIP") for v in ("0", "1", "2", "76")]) \
        == []


def test_long_values_are_cut_in_the_basis() -> None:
    got = findings([Observation("telnet.banner", "x" * 500, "tcp/2323 banner")], [], NOW)
    assert got[0].basis == f"Telnet is open on tcp/2323: {'x' * 120}…."
    assert len(got[0].basis) < 200


# ---------------------------------------------------------------- broken rule files

GOOD = """exposures:
  - id: demo
    severity: low
    title: Demo
    check: value
    key: sadp.activated
    values: ["false"]
    basis: "Seen {value} on {port}."
    why: because
    fix: fix it
    examples:
      - name: found
        observations: [{key: sadp.activated, value: "false", source: udp/37020}]
        expect: [demo]
      - name: not found
        observations: [{key: sadp.activated, value: "true", source: udp/37020}]
        expect: []
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_a_good_file_verifies_and_loads(tmp_path: Path) -> None:
    folder = write(tmp_path, GOOD)
    assert verify(folder) == []
    rule = load_rules(folder)[0]
    assert (rule.id, rule.key, rule.values, rule.line) == ("demo", "sadp.activated",
                                                          frozenset({"false"}), 2)
    got = findings([Observation("sadp.activated", "false", "udp/37020 SADP")], [], NOW,
                   rules=[rule])
    assert [x.basis for x in got] == ["Seen false on udp/37020."]


@pytest.mark.parametrize(("old", "new", "message"), [
    ("expect: [demo]", "expect: []", "x.yaml:2: exposure demo: needs an example that finds it"),
    ("expect: []", "expect: [demo]", "x.yaml:2: exposure demo: needs an example that finds it"),
    ("expect: []", "expect: [demo, nope]", "expects unknown exposure 'nope'"),
    ('value: "true"', 'value: "false"', "x.yaml:15: example 'not found' finds ['demo'], "
                                        "expected []"),
    ("id: demo", "id: Demo_1", "id 'Demo_1' must be lower-case words joined by -"),
])
def test_verify_names_the_problem(tmp_path: Path, old: str, new: str, message: str) -> None:
    problems = verify(write(tmp_path, GOOD.replace(old, new, 1)))
    assert any(message in p for p in problems), problems


@pytest.mark.parametrize(("old", "new", "message"), [
    ("severity: low", "severity: urgent", "x.yaml:2: exposure: field 'severity' 'urgent' is not"),
    ("check: value", "check: regex", "field 'check' 'regex' is not one of value"),
    ("key: sadp.activated\n", "key: sadp.activatedd\n", "'sadp.activatedd' is not an "
                                                         "observation key"),
    ("    key: sadp.activated\n", "", "field 'key' is missing (check 'value' reads one"),
    ("{value} on {port}", "{value} on {host}", "field 'basis' names 'host'"),
    ("{value} on {port}", "{value on {port}", "field 'basis' is not a template"),
    ("    why: because\n", "    why: because\n    colour: red\n", "unknown field 'colour'"),
    ("expect: []", "expect: nothing", "field 'expect' must be a list of exposure ids"),
    ("{key: sadp.activated, value: \"true\"", "{key: sadp.nope, value: \"true\"",
     "x.yaml:16: example observation: field 'key' 'sadp.nope'"),
    ("    values: [\"false\"]\n", "    values: [\"false\"]\n    days: -1\n",
     "field 'days' must hold whole numbers"),
    ("    values: [\"false\"]\n", "    values: [\"false\"]\n    ports: 23\n",
     "field 'ports' must be a list of TCP port numbers, not 23"),
    ("        expect: [demo]\n", "        ports: [x]\n        expect: [demo]\n",
     "x.yaml:12: example: field 'ports' must hold whole numbers, not 'x'"),
])
def test_structural_problems_raise_naming_file_line_and_field(
        tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in GOOD
    folder = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(RuleError) as e:
        load_rules(folder)
    assert message in str(e.value)
    assert verify(folder) == [str(e.value)]


def test_duplicate_ids_are_problems(tmp_path: Path) -> None:
    body = GOOD.split("exposures:\n", 1)[1]
    problems = verify(write(tmp_path, "exposures:\n" + body + body))
    assert any("duplicate id 'demo' (first at x.yaml:2)" in p for p in problems)
