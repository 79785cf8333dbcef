from __future__ import annotations

import datetime
import ipaddress
import random
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import NameOID

from camaudit import exposure
from camaudit.model import Port
from camaudit.wire import tls

HIK = "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN"  # Recog
DAHUA_CA = "CN=Dahua Device NVR CA,O=Zhejiang Dahua Technology Co.,Ltd.,L=Hangzhou,ST=Zhejiang,C=CN"


def _name(*pairs: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in pairs])


@pytest.fixture(scope="module")
def cert() -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    # Subject in OpenSSL order (C first), as device firmware writes it.
    subject = _name((NameOID.COUNTRY_NAME, "CN"), (NameOID.STATE_OR_PROVINCE_NAME, "ZheJiang"),
                    (NameOID.LOCALITY_NAME, "HangZhou"), (NameOID.ORGANIZATION_NAME, "HIKVISION"),
                    (NameOID.ORGANIZATIONAL_UNIT_NAME, "DVRNVR"),
                    (NameOID.COMMON_NAME, "www.hikvision.com"))
    issuer = _name((NameOID.COMMON_NAME, "Dahua Device NVR CA"),
                   (NameOID.ORGANIZATION_NAME, "Zhejiang Dahua Technology Co.,Ltd."),
                   (NameOID.STATE_OR_PROVINCE_NAME, "Zhejiang"),
                   (NameOID.LOCALITY_NAME, "Hangzhou"), (NameOID.COUNTRY_NAME, "CN"))
    now = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    san = x509.SubjectAlternativeName([x509.DNSName("cam.local"),
                                       x509.IPAddress(ipaddress.ip_address("127.0.0.5"))])
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(key.public_key()).serial_number(1000).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).add_extension(san, critical=False)
            .sign(key, hashes.SHA256()))


def test_der_and_pem_give_same_observations(cert: x509.Certificate) -> None:
    der = cert.public_bytes(serialization.Encoding.DER)
    pem = cert.public_bytes(serialization.Encoding.PEM)
    obs = tls.cert_observations(der, "tcp/443 tls")
    assert [(o.key, o.value) for o in obs] == [
        ("tls.subject", HIK), ("tls.issuer", DAHUA_CA), ("tls.san", "cam.local"),
        ("tls.san", "127.0.0.5"), ("tls.not_before", "2024-01-01T00:00:00Z"),
        ("tls.not_after", "2024-01-02T00:00:00Z"), ("tls.signature_hash", "sha256"),
        ("tls.public_key", "EC-256"), ("tls.self_signed", "false")]
    assert [(o.key, o.value) for o in tls.cert_observations(b"\n" + pem + b"\n", "s")] == \
        [(o.key, o.value) for o in obs]


@pytest.mark.parametrize("spelling", [
    HIK,
    "/C=CN/ST=ZheJiang/L=HangZhou/O=HIKVISION/OU=DVRNVR/CN=www.hikvision.com",
    "C = CN, ST = ZheJiang, L = HangZhou, O = HIKVISION, OU = DVRNVR, CN = www.hikvision.com",
    "C=CN; ST=ZheJiang; L=HangZhou; O=HIKVISION; OU=DVRNVR; CN=www.hikvision.com",
    "subject=commonName=www.hikvision.com, organizationalUnitName=DVRNVR, organizationName="
    "HIKVISION, localityName=HangZhou, stateOrProvinceName=ZheJiang, countryName=CN",
])
def test_normalize_dn_spellings(spelling: str) -> None:
    assert tls.normalize_dn(spelling) == HIK


def test_normalize_dn_dahua_comma_in_value() -> None:
    # facts §4.2: Plum-Island #204 (", " separated) and rroller/dahua#647 ("; " separated)
    assert tls.normalize_dn("CN=Dahua Device NVR CA, O=Zhejiang Dahua Technology Co.,Ltd., "
                            "ST=Zhejiang, L=Hangzhou, C=CN") == DAHUA_CA
    assert tls.normalize_dn("CN=NVR; C=CN; ST=Zhejiang; L=Hangzhou; O=ZheJiang Dahua Technology "
                            "CO.,LTD.; OU=NVR") == (
        "CN=NVR,OU=NVR,O=ZheJiang Dahua Technology CO.,LTD.,L=Hangzhou,ST=Zhejiang,C=CN")
    assert tls.normalize_dn("CN=192.168.20.92; C=CN") == "CN=192.168.20.92,C=CN"


def test_normalize_dn_escapes_and_others() -> None:
    assert tls.normalize_dn(r"emailAddress=a@b,CN=x\,y,O=Q\2C Inc") == \
        "CN=x,y,O=Q, Inc,emailAddress=a@b"
    assert tls.normalize_dn("not a dn") == ""


def test_bad_certificates() -> None:
    rng = random.Random(5)
    for data in [b"", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                 b"0\x82\x01\x00garbage"] + [rng.randbytes(rng.randrange(0, 300))
                                              for _ in range(200)]:
        cert = tls.parse_cert(data)
        assert not cert.valid and cert.problem
        assert tls.cert_observations(data, "s") == []


def test_truncated_der_never_raises(cert: x509.Certificate) -> None:
    der = cert.public_bytes(serialization.Encoding.DER)
    for i in range(len(der)):
        assert tls.cert_observations(der[:i], "s") == []


# ---------------------------------------------------------------- certificate facts, end to end
# Certificates made here, judged as the TLS probe's observations by exposure.findings.

NOW = datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)
HTTPS = [Port(443, "tcp", "https")]
_SHA256_RSA = bytes.fromhex("2a864886f70d01010b")  # sha256WithRSAEncryption, DER OID body
_OLD_RSA = {"sha1": (bytes.fromhex("2a864886f70d010105"), hashes.SHA1()),
            "md5": (bytes.fromhex("2a864886f70d010104"), hashes.MD5())}


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    return {"ca": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "leaf": ec.generate_private_key(ec.SECP256R1()),
            "rsa1024": rsa.generate_private_key(public_exponent=65537, key_size=1024),
            "ed": ed25519.Ed25519PrivateKey.generate()}


def make(keys: dict[str, Any], *, key: str = "leaf", signer: str = "ca", self_named: bool = False,
         days: tuple[int, int] = (-240, 365), digest: str = "sha256") -> bytes:
    """A DER certificate for CN=cam.local valid from NOW+days[0] to NOW+days[1], signed by
    ``signer`` (issuer CN=Test CA, or the subject when ``self_named``) with ``digest``.
    cryptography no longer signs certificates with SHA-1 or MD5, so those are made by signing
    with SHA-256, swapping the two algorithm OIDs (same length) and signing the TBS again."""
    subject = _name((NameOID.COMMON_NAME, "cam.local"))
    issuer = subject if self_named else _name((NameOID.COMMON_NAME, "Test CA"))
    private = keys[signer]
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(keys[key].public_key()).serial_number(42)
               .not_valid_before(NOW + datetime.timedelta(days=days[0]))
               .not_valid_after(NOW + datetime.timedelta(days=days[1])))
    signed = builder.sign(private, None if signer == "ed" else hashes.SHA256())
    der = signed.public_bytes(serialization.Encoding.DER)
    if digest == "sha256":
        return der
    oid, algorithm = _OLD_RSA[digest]
    swapped = der.replace(_SHA256_RSA, oid)
    tbs = x509.load_der_x509_certificate(swapped).tbs_certificate_bytes
    signature = private.sign(tbs, padding.PKCS1v15(), algorithm)
    return swapped[:-len(signature)] + signature


def facts(der: bytes) -> dict[str, str]:
    return {o.key: o.value for o in tls.cert_observations(der, "tcp/443 TLS")
            if o.key not in ("tls.subject", "tls.issuer", "tls.san")}


def found(der: bytes) -> list[str]:
    obs = tls.cert_observations(der, "tcp/443 TLS")
    return sorted(x.id for x in exposure.findings(obs, HTTPS, NOW))


def test_a_good_ca_signed_certificate_has_no_finding(keys: dict[str, Any]) -> None:
    der = make(keys)
    assert facts(der) == {"tls.not_before": "2025-01-04T00:00:00Z",
                          "tls.not_after": "2026-09-01T00:00:00Z",
                          "tls.signature_hash": "sha256", "tls.public_key": "EC-256",
                          "tls.self_signed": "false"}
    assert found(der) == []


@pytest.mark.parametrize(("kind", "expected"), [
    ("self-signed", ["tls-self-signed"]),
    ("expired", ["tls-expired"]),
    ("expiring in 10 days", ["tls-expiring"]),
    ("sha1-signed", ["tls-weak-signature"]),
    ("md5-signed", ["tls-weak-signature"]),
    ("rsa-1024", ["tls-weak-key"]),
    ("self-signed sha1 rsa-1024 expired", ["tls-expired", "tls-self-signed",
                                           "tls-weak-key", "tls-weak-signature"]),
])
def test_each_certificate_problem_is_found_and_nothing_else(
        keys: dict[str, Any], kind: str, expected: list[str]) -> None:
    der = {
        "self-signed": lambda: make(keys, signer="leaf", self_named=True),
        "expired": lambda: make(keys, days=(-800, -300)),
        "expiring in 10 days": lambda: make(keys, days=(-355, 10)),
        "sha1-signed": lambda: make(keys, digest="sha1"),
        "md5-signed": lambda: make(keys, digest="md5"),
        "rsa-1024": lambda: make(keys, key="rsa1024"),
        "self-signed sha1 rsa-1024 expired": lambda: make(
            keys, key="rsa1024", signer="rsa1024", self_named=True, digest="sha1",
            days=(-800, -1)),
    }[kind]()
    assert found(der) == expected


def test_facts_of_weak_and_self_signed_certificates(keys: dict[str, Any]) -> None:
    sha1 = facts(make(keys, key="rsa1024", signer="rsa1024", self_named=True, digest="sha1"))
    assert (sha1["tls.signature_hash"], sha1["tls.public_key"], sha1["tls.self_signed"]) == (
        "sha1", "RSA-1024", "true")  # verified by hand: cryptography refuses SHA-1 signatures
    assert facts(make(keys, digest="md5"))["tls.signature_hash"] == "md5"
    ed = facts(make(keys, key="ed", signer="ed", self_named=True))
    assert ed["tls.public_key"] == "Ed25519" and ed["tls.self_signed"] == "true"
    assert "tls.signature_hash" not in ed  # Ed25519 signs without a separate hash


def test_issuer_equal_to_subject_is_not_enough_to_be_self_signed(keys: dict[str, Any]) -> None:
    forged = make(keys, key="leaf", signer="ca", self_named=True)  # named as itself, CA-signed
    assert facts(forged)["tls.self_signed"] == "false"
    own = make(keys, signer="leaf", self_named=True)
    broken = own[:-1] + bytes([own[-1] ^ 0x01])  # last signature byte flipped
    assert facts(broken)["tls.self_signed"] == "false"
    assert facts(own)["tls.self_signed"] == "true"


def test_a_certificate_whose_key_cannot_be_read_keeps_its_other_facts(
        keys: dict[str, Any]) -> None:
    der = make(keys)
    spki = keys["leaf"].public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    point = spki[-65:]  # the uncompressed EC point: 04 || X || Y
    off_curve = der.replace(point, b"\x04" + b"\x01" * 64)
    got = facts(off_curve)
    assert "tls.public_key" not in got and got["tls.self_signed"] == "false"
    assert got["tls.not_after"] == "2026-09-01T00:00:00Z" and got["tls.signature_hash"] == "sha256"
