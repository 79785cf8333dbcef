"""Lab profiles load, carry their ground truth, and bad files are named in errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.lab.profiletext import profile_head

from camaudit.errors import RuleError
from camaudit.lab.profiles import load_profiles, parse_profile

REQUIRED = {"hikvision-ipc", "hikvision-nvr", "hikvision-oem", "dahua-ipc", "dahua-nvr",
            "dahua-oem", "xiongmai-dvr", "axis", "hanwha", "bosch", "web-server",
            "home-router", "slow", "oversized", "malformed", "xml-bomb"}

MINIMAL = profile_head("{name}") + """\
  - kind: http
    port: 80
    default:
      status: 404
      headers: ["Content-Length: {{content_length}}"]
"""


def test_all_required_profiles_load_with_ground_truth() -> None:
    profiles = load_profiles()
    assert set(profiles) >= REQUIRED
    assert (profiles["hikvision-oem"].maker, profiles["hikvision-oem"].brand) == ("Hikvision",
                                                                                  "LTS")
    assert (profiles["dahua-oem"].maker, profiles["dahua-oem"].brand) == ("Dahua", "Lorex")
    assert profiles["xiongmai-dvr"].maker == "Xiongmai"
    assert profiles["web-server"].maker is None and profiles["home-router"].maker is None
    hostile = {p.id for p in profiles.values() if p.hostile}
    assert hostile == {"slow", "oversized", "malformed", "xml-bomb"}
    assert all(profiles[h].maker is None for h in hostile)
    assert all(p.sources for p in profiles.values())


def test_ports_follow_the_facts() -> None:
    profiles = load_profiles()
    assert profiles["hikvision-ipc"].ports == (80, 443, 554, 8000)
    assert 37777 in profiles["dahua-ipc"].ports
    assert profiles["xiongmai-dvr"].ports == (80, 554, 8899, 34567)


def test_hikvision_oem_firmware_never_names_hikvision() -> None:
    oem = load_profiles()["hikvision-oem"]
    for service in oem.services:
        replies = [r.reply for r in service.routes] + [m for _, m in service.methods]
        replies += [service.default] if service.default else []
        for reply in replies:
            text = (" ".join(reply.headers) + reply.body.decode()).lower()
            assert "hikvision" not in text
    cap = oem.services[0].reply_for("/ISAPI/Security/sessionLogin/capabilities?username=admin")
    assert cap is not None and b"http://www.std-cgi.com/ver20/XMLSchema" in cap.body


def test_route_lookup_exact_query_path_prefix_default() -> None:
    http = load_profiles()["hikvision-ipc"].services[0]
    cap = http.reply_for("/ISAPI/Security/sessionLogin/capabilities?username=admin")
    assert cap is not None and cap.status == 200
    deny = http.reply_for("/ISAPI/Streaming/channels")
    assert deny is not None and deny.status == 401 and http.auth_for("/ISAPI/x") is None
    guarded = http.route_for("/ISAPI/System/deviceInfo")
    assert guarded is not None and guarded.auth is not None and guarded.methods == ("GET",)
    assert guarded.unauthorized is not None and guarded.unauthorized.status == 401
    missing = http.reply_for("/nothing/here?x=1")
    assert missing is not None and missing.status == 404


def test_minimal_profile_parses(tmp_path: Path) -> None:
    profile = parse_profile(MINIMAL.format(name="tiny"), "tiny.yaml")
    assert profile.ports == (80,) and profile.mac_prefix == b"\x02\x00\x00"


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("    port: 80\n", ""), "broken.yaml:10: services[0].port: missing"),
    (lambda t: t.replace("status: 404", "status: nope"),
     "broken.yaml:13: services[0].default.status: expected int"),
    (lambda t: t.replace("maker: null", "maker: Acme"), "broken.yaml:3: maker"),
    (lambda t: t.replace("{{content_length}}", "{{bogus}}"), "unknown template {bogus}"),
    (lambda t: t.replace("kind: http", "kind: gopher"), "broken.yaml:10: services[0].kind"),
    (lambda t: t.replace("id: {name}", "id: other"), "broken.yaml:1: id"),
    (lambda t: t + "  - [unclosed\n", "broken.yaml:"),
])
def test_bad_profile_file_names_file_and_field(tmp_path: Path, edit: object,
                                               message: str) -> None:
    assert callable(edit)
    (tmp_path / "broken.yaml").write_text(edit(MINIMAL).format(name="broken"))
    with pytest.raises(RuleError) as err:
        load_profiles(tmp_path)
    assert message in str(err.value)
    assert str(err.value).startswith("broken.yaml:")


AUTHED = MINIMAL.format(name="NAME").replace("""    port: 80
""", """    port: 80
    auth: {scheme: digest, realm: lab, user: u, password: p}
    routes:
      - {path: /open, status: 200, auth: false}
      - {path: /basic, status: 200, auth: {scheme: basic, realm: b, user: v, password: q}}
      - {prefix: /ISAPI/, status: 200}
""") + """  - {kind: https, port: 443, routes_from: 80, tls: {subject: [CN=lab]}}
"""


def test_auth_per_service_route_and_routes_from() -> None:
    profile = parse_profile(AUTHED.replace("NAME", "authed"), "authed.yaml")
    http, https = profile.services
    assert http.auth_for("/open?x=1") is None
    basic = http.auth_for("/basic")
    assert basic is not None and (basic.scheme, basic.realm, basic.user) == ("basic", "b", "v")
    service = http.auth_for("/ISAPI/Smart/capabilities")
    assert service is not None and (service.scheme, service.password) == ("digest", "p")
    assert http.auth_for("/missing") == service  # the default reply is protected too
    assert [https.auth_for(t) for t in ("/open", "/x")] == [None, service]
    assert "'p'" not in repr(profile)
    assert not profile.screening_fixture
    fixture = parse_profile(AUTHED.replace("NAME", "fx").replace(
        "sources:", "screening_fixture: true\nsources:"), "fx.yaml")
    assert fixture.screening_fixture


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("scheme: digest", "scheme: ntlm"),
     "broken.yaml:12: services[0].auth.scheme: must be one of digest, basic"),
    (lambda t: t.replace("password: q}", "password: q, extra: 1}"),
     "broken.yaml:15: services[0].routes[1].auth.extra: unknown field"),
    (lambda t: t.replace("auth: false", "auth: yes-please"),
     "broken.yaml:14: services[0].routes[0].auth: expected a mapping"),
    (lambda t: t.replace("routes_from: 80,", "routes_from: 80, auth: false,"),
     "services[1].auth: comes with routes_from"),
    (lambda t: t + "  - {kind: rtsp, port: 554, auth: false, default: {status: 200}}\n",
     "services[2].auth: only http and https services take auth"),
    (lambda t: t.replace("sources:", "screening_fixture: maybe\nsources:"),
     "broken.yaml:6: screening_fixture: expected bool"),
])
def test_bad_auth_names_file_line_and_field(tmp_path: Path, edit: object, message: str) -> None:
    assert callable(edit)
    (tmp_path / "broken.yaml").write_text(edit(AUTHED).replace("NAME", "broken"))
    with pytest.raises(RuleError) as err:
        load_profiles(tmp_path)
    assert message in str(err.value)


def test_screening_fixtures_serve_the_screening_tests_documents() -> None:
    from tests.screening.test_device import ANALYTICS, PLAIN

    from camaudit.screening.rules import load_ruleset

    profiles = load_profiles()
    fetched = {p.path for p in load_ruleset().device_paths}
    for name, body, scheme in (("analytics-camera", ANALYTICS, "digest"),
                               ("plain-camera", PLAIN, "basic")):
        profile = profiles[name]
        assert profile.screening_fixture and not profile.hostile
        assert profile.maker is None and profile.brand is None
        assert "synthetic" in profile.description and "synthetic" in profile.sources[0]
        (http,) = profile.services
        served = {r.path for r in http.routes if r.reply.status == 200}
        assert served and served <= fetched
        replies = [http.reply_for(p) for p in served]
        assert [r.body if r is not None else None for r in replies] == [body] * len(served)
        for target in [*fetched, "/", "/nothing"]:
            auth = http.auth_for(target)
            assert auth is not None and auth.scheme == scheme
            assert (auth.user, auth.password) == ("lab-operator", "lab-screening-pw")
