"""Lab profiles load, carry their ground truth, and bad files are named in errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from camaudit.errors import RuleError
from camaudit.lab.profiles import load_profiles, parse_profile

REQUIRED = {"hikvision-ipc", "hikvision-nvr", "hikvision-oem", "dahua-ipc", "dahua-nvr",
            "dahua-oem", "xiongmai-dvr", "axis", "hanwha", "bosch", "web-server",
            "home-router", "slow", "oversized", "malformed", "xml-bomb"}

MINIMAL = """\
id: {name}
description: test
maker: null
brand: null
device_type: null
sources: [test]
mac_prefix: "02:00:00"
serial: "####"
services:
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
    deny = http.reply_for("/ISAPI/System/deviceInfo")
    assert deny is not None and deny.status == 401
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
