"""Lab certificates carry the profile's subject and issuer names as the facts print them."""

from __future__ import annotations

from cryptography import x509

from camaudit.lab.certs import make_cert
from camaudit.lab.profiles import load_profiles


def _chain(profile: str, values: dict[str, str]) -> list[x509.Certificate]:
    spec = next(s.tls for s in load_profiles()[profile].services if s.tls is not None)
    assert spec is not None
    return x509.load_pem_x509_certificates(make_cert(profile, spec, values).chain_pem)


def test_hikvision_default_certificate_subject() -> None:
    (cert,) = _chain("hikvision-ipc", {"ip": "127.0.0.9"})
    assert cert.subject.rfc4514_string() == \
        "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN"
    assert cert.issuer == cert.subject


def test_dahua_certificate_is_issued_by_the_device_ca() -> None:
    cert, ca = _chain("dahua-ipc", {"ip": "127.0.0.9"})
    assert cert.subject.rfc4514_string() == "CN=127.0.0.9,C=CN"
    assert cert.issuer == ca.subject
    assert ca.subject.rfc4514_string() == ("CN=Dahua Device NVR CA,O=Zhejiang Dahua Technology "
                                           "Co.\\,Ltd.,ST=Zhejiang,L=Hangzhou,C=CN")


def test_axis_certificate_names_the_mac() -> None:
    (cert,) = _chain("axis", {"mac_hex": "accc8e010203"})
    assert cert.subject.rfc4514_string() == "CN=axis-accc8e010203,O=Axis Communications AB"


def test_keys_are_generated_once_per_profile() -> None:
    a = _chain("dahua-nvr", {"ip": "127.0.0.1"})[0]
    b = _chain("dahua-nvr", {"ip": "127.0.0.2"})[0]
    assert a.public_key() == b.public_key() and a.subject != b.subject
