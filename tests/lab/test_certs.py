"""Lab certificates carry the profile's subject and issuer names as the facts print them."""

from __future__ import annotations

import datetime as dt
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from camaudit.lab.certs import LAB_CA_NAME, lab_ca_pem, make_cert
from camaudit.lab.profiles import load_profiles

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


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


def _hygiene(profile: str, now: dt.datetime = NOW) -> list[x509.Certificate]:
    spec = next(s.tls for s in load_profiles()[profile].services if s.tls is not None)
    assert spec is not None
    return x509.load_pem_x509_certificates(
        make_cert(profile, spec, {"ip": "127.68.0.9"}, now).chain_pem)


def test_hygiene_cases() -> None:
    expired = _hygiene("hygiene-expired")[0]
    assert expired.not_valid_after_utc == NOW - dt.timedelta(days=30)
    expiring = _hygiene("hygiene-expiring")[0]
    assert NOW < expiring.not_valid_after_utc <= NOW + dt.timedelta(days=30)
    sha1 = _hygiene("hygiene-sha1")[0]
    assert sha1.signature_algorithm_oid.dotted_string == "1.2.840.113549.1.1.5"
    assert sha1.issuer == sha1.subject
    weak = _hygiene("hygiene-rsa1024")[0]
    assert isinstance(weak.public_key(), rsa.RSAPublicKey) and weak.public_key().key_size == 1024
    self_signed = _hygiene("hygiene-self-signed")[0]
    assert self_signed.issuer == self_signed.subject


def test_the_good_certificate_verifies_against_the_lab_ca_by_its_address() -> None:
    leaf, ca = _hygiene("hygiene-lab-ca", dt.datetime.now(dt.UTC))
    assert ca.subject == LAB_CA_NAME and leaf.issuer == LAB_CA_NAME
    assert ca.public_bytes(serialization.Encoding.PEM) == lab_ca_pem() or \
        ca.public_key() == x509.load_pem_x509_certificate(lab_ca_pem()).public_key()
    leaf.verify_directly_issued_by(ca)
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(a) for a in san.get_values_for_type(x509.IPAddress)] == ["127.68.0.9"]
    store = x509.verification.Store([x509.load_pem_x509_certificate(lab_ca_pem())])
    verifier = x509.verification.PolicyBuilder().store(store).build_server_verifier(
        x509.IPAddress(ipaddress.ip_address("127.68.0.9")))
    verifier.verify(leaf, [])


def test_sha1_certificate_is_read_and_its_signature_checks_out() -> None:
    cert = _hygiene("hygiene-sha1")[0]
    public = cert.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                  hashes.SHA1())  # noqa: S303
