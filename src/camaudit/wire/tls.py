"""X.509 certificates (DER or PEM) and distinguished names in one canonical spelling.

A certificate gives its names (``tls.subject``, ``tls.issuer``, ``tls.san``) and the facts
``exposure`` judges: validity dates (``tls.not_before``, ``tls.not_after``, ISO 8601 UTC), the
signature's hash (``tls.signature_hash``: sha1, sha256, md5 ...), the public key
(``tls.public_key``: ``RSA-1024``, ``EC-256``, ``DSA-2048``, ``Ed25519``) and whether it signs
itself (``tls.self_signed``: ``true`` when issuer equals subject and the signature verifies with
the certificate's own key). Each fact is read on its own: a part this reader cannot decode
(an unknown key type, a hash OpenSSL refuses) leaves that fact out, never the others, and a
malformed certificate never raises.

Canonical DN: ``CN=..,OU=..,O=..,L=..,ST=..,C=..`` then any other attributes in the order
given, joined by "," with values unescaped (so ``O=Zhejiang Dahua Technology Co.,Ltd.`` keeps
its comma). Every common spelling (RFC 4514, OpenSSL ``/C=CN/CN=x``, ``C = CN, CN = x``,
``CN=x; C=CN``) gives the same text, so rules are written once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID

from camaudit.model import Observation

MAX_CERT = 64 * 1024
ORDER = ("CN", "OU", "O", "L", "ST", "C")

_OID_NAMES = {
    NameOID.COMMON_NAME: "CN", NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.ORGANIZATION_NAME: "O", NameOID.LOCALITY_NAME: "L",
    NameOID.STATE_OR_PROVINCE_NAME: "ST", NameOID.COUNTRY_NAME: "C",
    NameOID.EMAIL_ADDRESS: "emailAddress", NameOID.SERIAL_NUMBER: "serialNumber",
    NameOID.DOMAIN_COMPONENT: "DC", NameOID.STREET_ADDRESS: "street", NameOID.USER_ID: "UID",
    NameOID.TITLE: "title", NameOID.GIVEN_NAME: "GN", NameOID.SURNAME: "SN",
}
_ALIASES = {
    "cn": "CN", "commonname": "CN", "ou": "OU", "organizationalunitname": "OU",
    "o": "O", "organizationname": "O", "l": "L", "localityname": "L", "st": "ST", "s": "ST",
    "stateorprovincename": "ST", "c": "C", "countryname": "C", "e": "emailAddress",
    "email": "emailAddress", "emailaddress": "emailAddress", "serialnumber": "serialNumber",
    "dc": "DC", "street": "street", "uid": "UID", "title": "title", "gn": "GN", "sn": "SN",
}
# Anything a lazily decoded part of a certificate may raise (a date, a key, a signature).
_DECODE = (ValueError, TypeError, UnicodeError, OverflowError, UnsupportedAlgorithm,
           InvalidSignature)
# A separator (",", ";", "/" or "+") counts only when an attribute type and "=" follow it.
_SEP = re.compile(r"(?<!\\)[,;/+](?=\s*(?:[A-Za-z][A-Za-z0-9-]{0,40}|\d+(?:\.\d+)+)\s*=)")
_UNESCAPE = re.compile(r"\\([0-9A-Fa-f]{2}|.)")


@dataclass(frozen=True, slots=True)
class TlsCert:
    subject: str
    issuer: str
    san: tuple[str, ...]
    valid: bool
    problem: str = ""
    not_before: str = ""  # ISO 8601 UTC, "" when unreadable
    not_after: str = ""
    signature_hash: str = ""  # sha1, sha256, md5 ...; "" for hashless (Ed25519) or unknown
    public_key: str = ""  # RSA-1024, EC-256, DSA-2048, Ed25519, Ed448; "" when unknown
    self_signed: bool | None = None  # None when the certificate did not parse


def _canonical(pairs: list[tuple[str, str]]) -> str:
    ordered = [p for key in ORDER for p in pairs if p[0] == key]
    ordered += [p for p in pairs if p[0] not in ORDER]
    return ",".join(f"{k}={v}" for k, v in ordered)


def _unescape(value: str) -> str:
    def repl(m: re.Match[str]) -> str:
        g = m.group(1)
        return chr(int(g, 16)) if len(g) == 2 else g
    return _UNESCAPE.sub(repl, value)


def normalize_dn(text: str) -> str:
    """Any common DN spelling -> canonical form ("" when nothing parses as KEY=value)."""
    t = text.strip()[:4096]
    for prefix in ("subject=", "issuer=", "subject:", "issuer:"):
        if t.lower().startswith(prefix):
            t = t[len(prefix):].strip()
    if t.startswith("/"):
        t = t[1:]
    pairs: list[tuple[str, str]] = []
    for part in _SEP.split(t):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or not key:
            continue
        canon = _ALIASES.get(key.lower(), key)
        pairs.append((canon, _unescape(value.strip())))
    return _canonical(pairs)


def _name(name: x509.Name) -> str:
    pairs = []
    for attr in name:
        value = attr.value if isinstance(attr.value, str) else attr.value.hex()
        pairs.append((_OID_NAMES.get(attr.oid, attr.oid.dotted_string), value))
    return _canonical(pairs)


def _iso(when: object) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(when, dt.datetime) else ""


def _dates(cert: x509.Certificate) -> tuple[str, str]:
    try:
        return _iso(cert.not_valid_before_utc), _iso(cert.not_valid_after_utc)
    except _DECODE:
        return "", ""


def _hash_name(cert: x509.Certificate) -> str:
    try:
        algorithm = cert.signature_hash_algorithm
    except _DECODE:
        return ""
    return algorithm.name.lower() if algorithm is not None else ""


def _key_name(key: object) -> str:
    """``RSA-2048``, ``DSA-1024``, ``EC-256`` (the curve's size), ``Ed25519``, ``Ed448``."""
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA-{key.key_size}"
    if isinstance(key, dsa.DSAPublicKey):
        return f"DSA-{key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC-{key.key_size}"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448"
    return ""


def _signs_itself(cert: x509.Certificate, key: object) -> bool:
    """True when ``cert``'s issuer is its subject and its signature verifies with ``key``, its
    own public key. Verified by hand: ``verify_directly_issued_by`` refuses SHA-1 and MD5
    signatures, which is what old camera firmware uses."""
    if cert.issuer != cert.subject:
        return False
    tbs, sig = cert.tbs_certificate_bytes, cert.signature
    params, algorithm = cert.signature_algorithm_parameters, cert.signature_hash_algorithm
    if isinstance(key, rsa.RSAPublicKey) and algorithm is not None and params is not None \
            and not isinstance(params, ec.ECDSA):
        key.verify(sig, tbs, params, algorithm)
    elif isinstance(key, ec.EllipticCurvePublicKey) and isinstance(params, ec.ECDSA):
        key.verify(sig, tbs, params)
    elif isinstance(key, dsa.DSAPublicKey) and algorithm is not None:
        key.verify(sig, tbs, algorithm)
    elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        key.verify(sig, tbs)
    else:
        return False
    return True


def _key_facts(cert: x509.Certificate) -> tuple[str, bool]:
    try:
        key = cert.public_key()
    except _DECODE:
        return "", False
    try:
        own = _signs_itself(cert, key)
    except _DECODE:
        own = False
    return _key_name(key), own


def parse_cert(data: bytes) -> TlsCert:
    if len(data) > MAX_CERT:
        return TlsCert("", "", (), False, "certificate larger than 64 KiB")
    try:
        if b"-----BEGIN" in data:
            cert = x509.load_pem_x509_certificate(data.strip())
        else:
            cert = x509.load_der_x509_certificate(data)
        subject, issuer = _name(cert.subject), _name(cert.issuer)
        san: list[str] = []
        try:
            ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound:
            pass
        else:
            san = [str(v) for v in ext.get_values_for_type(x509.DNSName)]
            san += [str(v) for v in ext.get_values_for_type(x509.IPAddress)]
    except (ValueError, TypeError, UnicodeError, x509.DuplicateExtension,
            x509.UnsupportedGeneralNameType) as exc:
        return TlsCert("", "", (), False, f"bad certificate: {str(exc)[:80]}")
    not_before, not_after = _dates(cert)
    key, own = _key_facts(cert)
    return TlsCert(subject, issuer, tuple(san[:64]), True, "", not_before, not_after,
                   _hash_name(cert), key, own)


def observations(cert: TlsCert, source: str) -> list[Observation]:
    if not cert.valid:
        return []
    obs = []
    if cert.subject:
        obs.append(Observation("tls.subject", cert.subject, source))
    if cert.issuer:
        obs.append(Observation("tls.issuer", cert.issuer, source))
    obs.extend(Observation("tls.san", s, source) for s in cert.san)
    for key, value in (("tls.not_before", cert.not_before), ("tls.not_after", cert.not_after),
                       ("tls.signature_hash", cert.signature_hash),
                       ("tls.public_key", cert.public_key)):
        if value:
            obs.append(Observation(key, value, source))
    if cert.self_signed is not None:
        obs.append(Observation("tls.self_signed", str(cert.self_signed).lower(), source))
    return obs


def cert_observations(cert: bytes, source: str) -> list[Observation]:
    """The names and facts of a DER or PEM certificate ([] when unparseable)."""
    return observations(parse_cert(cert), source)
