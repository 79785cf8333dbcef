"""TLS certificates for lab devices, generated at lab start with ``cryptography``.

Names come from the profile as printed in the facts (most specific attribute first, e.g.
``CN=www.hikvision.com,OU=DVRNVR,...,C=CN``); they are stored in reverse (DER) order so that
``Name.rfc4514_string()`` prints them back exactly as the facts do. When the profile gives an
issuer, a CA certificate with that name signs the device certificate and is sent in the chain;
``issuer: lab-ca`` has the lab CA sign it (``lab_ca_pem()``, the trust anchor a test gives its
client); otherwise the device certificate is self-signed.

Certificate hygiene cases come from the ``tls:`` options (``TlsSpec``): ``key`` (EC P-256,
RSA 2048 or the weak RSA 1024), ``signature`` (SHA-256 or the weak SHA-1), validity fixed from
2020-01-01 (``days``) or relative to now (``not_before_days``/``not_after_days``: expired or
expiring soon), and ``san`` names. Keys are generated once per profile, kind and process
(``_key``); the lab CA's key is derived from a fixed seed, so every process has the same CA
(a lab-only trust anchor: its private key is public by construction). Certificates are cheap
and made per device (their names may hold ``{ip}`` or ``{mac_hex}``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from camaudit.lab.render import render
from camaudit.lab.tlsspec import DN, TlsSpec

_OIDS = {"CN": NameOID.COMMON_NAME, "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
         "O": NameOID.ORGANIZATION_NAME, "L": NameOID.LOCALITY_NAME,
         "ST": NameOID.STATE_OR_PROVINCE_NAME, "C": NameOID.COUNTRY_NAME,
         "emailAddress": NameOID.EMAIL_ADDRESS}
_NOT_BEFORE = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
LAB_CA_NAME = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "camaudit lab"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "camaudit lab CA")])
_LAB_CA_SEED = b"camaudit lab CA: a lab-only trust anchor, never trust it elsewhere"
# AlgorithmIdentifier DER of sha256WithRSAEncryption and sha1WithRSAEncryption (same length)
_RSA_SHA256 = bytes.fromhex("300d06092a864886f70d01010b0500")
_RSA_SHA1 = bytes.fromhex("300d06092a864886f70d0101050500")

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True, slots=True)
class CertPair:
    """PEM of the device key and of its chain (device certificate first, then its CA)."""

    key_pem: bytes
    chain_pem: bytes
    weak: bool = False  # an RSA 1024 key or a SHA-1 signature: the server lowers its seclevel


@cache
def _key(profile_id: str, kind: str, role: str) -> PrivateKey:
    """A key of ``kind`` (ec, rsa2048, rsa1024) for one profile and role, once per process."""
    if kind == "rsa1024":
        return rsa.generate_private_key(65537, 1024)  # noqa: S505 - a hygiene case
    if kind == "rsa2048":
        return rsa.generate_private_key(65537, 2048)
    return ec.generate_private_key(ec.SECP256R1())


@cache
def _lab_ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    order = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)
    secret = int.from_bytes(hashlib.sha256(_LAB_CA_SEED).digest(), "big") % (order - 1) + 1
    key = ec.derive_private_key(secret, ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(LAB_CA_NAME).issuer_name(LAB_CA_NAME)
            .public_key(key.public_key()).serial_number(_serial("camaudit-lab-ca"))
            .not_valid_before(_NOT_BEFORE)
            .not_valid_after(dt.datetime(2050, 1, 1, tzinfo=dt.UTC))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def lab_ca_pem() -> bytes:
    """PEM of the lab CA certificate: the trust anchor of ``issuer: lab-ca`` certificates."""
    return _lab_ca()[1].public_bytes(serialization.Encoding.PEM)


def x509_name(dn: DN, values: Mapping[str, str]) -> x509.Name:
    """Build a Name from printed-order attributes, rendering templates in the values."""
    return x509.Name([x509.NameAttribute(_OIDS[attr], render(value, values))
                      for attr, value in reversed(dn)])


def _serial(*parts: str) -> int:
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return int.from_bytes(digest[:16], "big") >> 1 or 1


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def _resign_sha1(cert: x509.Certificate, key: rsa.RSAPrivateKey) -> bytes:
    """DER of ``cert`` signed again with SHA-1 (a hygiene case ``cryptography``'s builder no
    longer makes): the signature algorithm swapped in the TBS and re-signed with the key."""
    tbs = cert.tbs_certificate_bytes
    if tbs.count(_RSA_SHA256) != 1:
        raise ValueError("unexpected TBS layout for a SHA-1 re-signature")
    tbs = tbs.replace(_RSA_SHA256, _RSA_SHA1)
    signature = key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - weak on purpose
    return _der(0x30, tbs + _RSA_SHA1 + _der(0x03, b"\x00" + signature))


def _pem(der: bytes) -> bytes:
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return b"-----BEGIN CERTIFICATE-----\n" + b"\n".join(lines) + b"\n-----END CERTIFICATE-----\n"


def _validity(spec: TlsSpec, now: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    if spec.not_after_days is None:
        return _NOT_BEFORE, _NOT_BEFORE + dt.timedelta(days=spec.days)
    start = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    return (start + dt.timedelta(days=spec.not_before_days or 0),
            start + dt.timedelta(days=spec.not_after_days))


def _san(names: tuple[str, ...], values: Mapping[str, str]) -> x509.SubjectAlternativeName:
    out: list[x509.GeneralName] = []
    for name in (render(n, values) for n in names):
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            out.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(out)


def make_cert(profile_id: str, spec: TlsSpec, values: Mapping[str, str],
              now: dt.datetime | None = None) -> CertPair:
    """Device certificate (and CA when the spec has an issuer) for one device."""
    key = _key(profile_id, spec.key, "device")
    subject = x509_name(spec.subject, values)
    not_before, not_after = _validity(spec, now)
    chain: list[x509.Certificate] = []
    signer: PrivateKey
    if spec.lab_ca:
        signer, ca_cert = _lab_ca()
        issuer_name = ca_cert.subject
        chain.append(ca_cert)
    elif spec.issuer is None:
        issuer_name, signer = subject, key
    else:
        issuer_name, signer = x509_name(spec.issuer, values), _key(profile_id, "ec", "ca")
        ca = (x509.CertificateBuilder().subject_name(issuer_name).issuer_name(issuer_name)
              .public_key(signer.public_key()).serial_number(_serial(profile_id, "ca"))
              .not_valid_before(not_before).not_valid_after(not_after)
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .sign(signer, hashes.SHA256()))
        chain.append(ca)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
               .public_key(key.public_key())
               .serial_number(_serial(profile_id, values.get("ip", ""), values.get("mac", "")))
               .not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True))
    if spec.san:
        builder = builder.add_extension(_san(spec.san, values), critical=False)
    if spec.lab_ca:  # what a verifier asks of a server certificate from a CA (RFC 5280)
        builder = (builder
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                       signer.public_key()), critical=False)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                                  critical=False)
                   .add_extension(x509.KeyUsage(True, False, isinstance(key, rsa.RSAPrivateKey),
                                                False, False, False, False, False, False),
                                  critical=True)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                                  critical=False))
    cert = builder.sign(signer, hashes.SHA256())
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    leaf = cert.public_bytes(serialization.Encoding.PEM)
    if spec.signature == "sha1":  # self-signed RSA only (profiles.py checks)
        assert isinstance(key, rsa.RSAPrivateKey) and signer is key
        leaf = _pem(_resign_sha1(cert, key))
    chain_pem = leaf + b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
    return CertPair(key_pem, chain_pem, spec.key == "rsa1024" or spec.signature == "sha1")
