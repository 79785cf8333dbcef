from __future__ import annotations

import asyncio
import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from camaudit.model import Observation, ProbeError
from camaudit.net.fake import Call, FakeTransport
from camaudit.net.transport import Exchange
from camaudit.probes.tls import TlsProbe

# facts 4.2 (Plum-Island#204): Dahua issuer, subject CN=<device IP>, C=CN
ISSUER = x509.Name([
    x509.NameAttribute(NameOID.COMMON_NAME, "Dahua Device NVR CA"),
    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Zhejiang Dahua Technology Co.,Ltd."),
    x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Zhejiang"),
    x509.NameAttribute(NameOID.LOCALITY_NAME, "Hangzhou"),
    x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
])
SUBJECT = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.20"),
                     x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")])


def dahua_cert_der() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(SUBJECT).issuer_name(ISSUER)
            .public_key(key.public_key()).serial_number(7)
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER)


def test_applies_to_tls_ports() -> None:
    assert [p for p in (80, 443, 554, 8443) if TlsProbe().applies_to(p)] == [443, 8443]


def test_handshake_only_and_certificate_observations() -> None:
    der = dahua_cert_der()
    t = FakeTransport(lambda call: Exchange(peer_cert_der=der))
    result = asyncio.run(TlsProbe().run("127.0.0.20", 443, t, 2.0))
    assert t.calls == [Call("exchange", "127.0.0.20", 443, None, True, 2.0, 1, 0.0)]
    obs = set(result.observations)
    assert Observation("tls.issuer", "CN=Dahua Device NVR CA,O=Zhejiang Dahua Technology "
                       "Co.,Ltd.,L=Hangzhou,ST=Zhejiang,C=CN", "tcp/443 TLS") in obs
    assert Observation("tls.subject", "CN=127.0.0.20,C=CN", "tcp/443 TLS") in obs
    facts = {o.key: o.value for o in obs if o.key not in ("tls.subject", "tls.issuer")}
    assert set(facts) == {"tls.not_before", "tls.not_after", "tls.signature_hash",
                          "tls.public_key", "tls.self_signed"}
    assert (facts["tls.signature_hash"], facts["tls.public_key"], facts["tls.self_signed"]) == (
        "sha256", "EC-256", "false")  # issued in the Dahua CA's name, not self-signed
    assert facts["tls.not_after"].endswith("Z")
    assert result.errors == ()


def test_handshake_failure_and_missing_cert_are_errors() -> None:
    failed = FakeTransport(lambda call: Exchange(error="tls handshake failed: WRONG_VERSION",
                                                 connected=False))
    assert asyncio.run(TlsProbe().run("127.0.0.1", 8443, failed, 2.0)).errors == (
        ProbeError("tcp/8443 TLS", "tls handshake failed: WRONG_VERSION"),)
    no_cert = FakeTransport(lambda call: Exchange())
    assert asyncio.run(TlsProbe().run("127.0.0.1", 443, no_cert, 2.0)).errors == (
        ProbeError("tcp/443 TLS", "no peer certificate"),)


def test_garbage_certificate_never_raises() -> None:
    t = FakeTransport(lambda call: Exchange(peer_cert_der=b"\x30\x82\xff\xff garbage"))
    result = asyncio.run(TlsProbe().run("127.0.0.1", 443, t, 2.0))
    assert not any(o.key in ("tls.subject", "tls.issuer") for o in result.observations)
