"""TLS certificates for lab devices, generated at lab start with ``cryptography``.

Names come from the profile as printed in the facts (most specific attribute first, e.g.
``CN=www.hikvision.com,OU=DVRNVR,...,C=CN``); they are stored in reverse (DER) order so that
``Name.rfc4514_string()`` prints them back exactly as the facts do. When the profile gives an
issuer, a CA certificate with that name signs the device certificate and is sent in the chain;
otherwise the device certificate is self-signed. Keys are EC P-256, generated once per profile
and process (``_keys``); certificates are cheap and made per device (their names may hold
``{ip}`` or ``{mac_hex}``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from camaudit.lab.profiles import DN, TlsSpec
from camaudit.lab.render import render

_OIDS = {"CN": NameOID.COMMON_NAME, "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
         "O": NameOID.ORGANIZATION_NAME, "L": NameOID.LOCALITY_NAME,
         "ST": NameOID.STATE_OR_PROVINCE_NAME, "C": NameOID.COUNTRY_NAME,
         "emailAddress": NameOID.EMAIL_ADDRESS}
_NOT_BEFORE = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class CertPair:
    """PEM of the device key and of its chain (device certificate first, then its CA)."""

    key_pem: bytes
    chain_pem: bytes


@cache
def _keys(profile_id: str) -> tuple[ec.EllipticCurvePrivateKey, ec.EllipticCurvePrivateKey]:
    """(CA key, device key) for one profile, generated once per process."""
    return ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())


def x509_name(dn: DN, values: Mapping[str, str]) -> x509.Name:
    """Build a Name from printed-order attributes, rendering templates in the values."""
    return x509.Name([x509.NameAttribute(_OIDS[attr], render(value, values))
                      for attr, value in reversed(dn)])


def _serial(*parts: str) -> int:
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return int.from_bytes(digest[:16], "big") >> 1 or 1


def make_cert(profile_id: str, spec: TlsSpec, values: Mapping[str, str]) -> CertPair:
    """Device certificate (and CA when the spec has an issuer) for one device."""
    ca_key, key = _keys(profile_id)
    subject = x509_name(spec.subject, values)
    not_after = _NOT_BEFORE + dt.timedelta(days=spec.days)
    chain: list[x509.Certificate] = []
    if spec.issuer is None:
        issuer_name, signer = subject, key
    else:
        issuer_name, signer = x509_name(spec.issuer, values), ca_key
        ca = (x509.CertificateBuilder().subject_name(issuer_name).issuer_name(issuer_name)
              .public_key(ca_key.public_key()).serial_number(_serial(profile_id, "ca"))
              .not_valid_before(_NOT_BEFORE).not_valid_after(not_after)
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .sign(ca_key, hashes.SHA256()))
        chain.append(ca)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
            .public_key(key.public_key())
            .serial_number(_serial(profile_id, values.get("ip", ""), values.get("mac", "")))
            .not_valid_before(_NOT_BEFORE).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(signer, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    chain_pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in [cert, *chain])
    return CertPair(key_pem, chain_pem)
