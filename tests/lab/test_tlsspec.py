"""The tls: mapping: names, issuers (device CA, lab CA, self-signed) and hygiene options."""

from __future__ import annotations

import pytest
from tests.lab.profiletext import profile_head

from camaudit.errors import RuleError
from camaudit.lab.profiles import load_profiles, parse_profile

HTTPS = profile_head("t") + """\
  - {kind: http, port: 80, default: {status: 404}}
  - kind: https
    port: 443
    routes_from: 80
    tls: {subject: ["CN={ip}"], TLS}
"""


def spec(tls: str):  # type: ignore[no-untyped-def]
    profile = parse_profile(HTTPS.replace("TLS", tls), "t.yaml")
    return profile.services[1].tls


def test_options() -> None:
    legacy = spec("issuer: null")
    assert legacy is not None and (legacy.key, legacy.signature, legacy.days) == \
        ("ec", "sha256", 3650) and legacy.not_after_days is None
    hygiene = spec('issuer: lab-ca, key: rsa1024, not_before_days: -9, not_after_days: 20, '
                   'san: ["{ip}"]')
    assert hygiene is not None and hygiene.lab_ca and hygiene.issuer is None
    assert (hygiene.key, hygiene.not_before_days, hygiene.not_after_days, hygiene.san) == \
        ("rsa1024", -9, 20, ("{ip}",))
    assert spec("not_after_days: 5").not_before_days == -365  # type: ignore[union-attr]


@pytest.mark.parametrize(("tls", "message"), [
    ("key: dsa", "services[1].tls.key: must be one of ec, rsa2048, rsa1024"),
    ("signature: md5", "services[1].tls.signature: must be one of sha256, sha1"),
    ("signature: sha1", "services[1].tls.signature: sha1 is made for self-signed RSA"),
    ("signature: sha1, key: rsa2048, issuer: lab-ca", "sha1 is made for self-signed RSA"),
    ("not_before_days: -5", "services[1].tls.not_before_days: comes with not_after_days"),
    ("not_before_days: 5, not_after_days: 1", "not_after_days: must come after"),
    ("san: [1]", "services[1].tls.san: expected a list of names or addresses"),
    ("san: ['{nope}']", "services[1].tls.san: unknown template {nope}"),
])
def test_bad_options_name_the_field(tls: str, message: str) -> None:
    with pytest.raises(RuleError) as err:
        spec(tls)
    assert message in str(err.value) and str(err.value).startswith("t.yaml:")


def test_hygiene_fixtures_cover_every_case() -> None:
    cases = {p.id: p.services[1].tls for p in load_profiles().values()
             if p.id.startswith("hygiene-")}
    assert all(p.exposure_fixture for p in load_profiles().values() if p.id in cases)
    got = {pid: (t.lab_ca, t.key, t.signature, t.not_after_days) for pid, t in cases.items()
           if t is not None}
    assert got == {"hygiene-self-signed": (False, "rsa2048", "sha256", 365),
                   "hygiene-expired": (True, "rsa2048", "sha256", -30),
                   "hygiene-expiring": (True, "rsa2048", "sha256", 20),
                   "hygiene-sha1": (False, "rsa2048", "sha1", 365),
                   "hygiene-rsa1024": (True, "rsa1024", "sha256", 365),
                   "hygiene-lab-ca": (True, "rsa2048", "sha256", 365)}
