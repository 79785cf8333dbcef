"""X.509 certificates (DER or PEM) and distinguished names in one canonical spelling.

Canonical DN: ``CN=..,OU=..,O=..,L=..,ST=..,C=..`` then any other attributes in the order
given, joined by "," with values unescaped (so ``O=Zhejiang Dahua Technology Co.,Ltd.`` keeps
its comma). Every common spelling (RFC 4514, OpenSSL ``/C=CN/CN=x``, ``C = CN, CN = x``,
``CN=x; C=CN``) gives the same text, so rules are written once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography import x509
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
    return TlsCert(subject, issuer, tuple(san[:64]), True)


def observations(cert: TlsCert, source: str) -> list[Observation]:
    if not cert.valid:
        return []
    obs = []
    if cert.subject:
        obs.append(Observation("tls.subject", cert.subject, source))
    if cert.issuer:
        obs.append(Observation("tls.issuer", cert.issuer, source))
    obs.extend(Observation("tls.san", s, source) for s in cert.san)
    return obs


def cert_observations(cert: bytes, source: str) -> list[Observation]:
    """tls.subject, tls.issuer and tls.san of a DER or PEM certificate ([] when unparseable)."""
    return observations(parse_cert(cert), source)
