"""The ``tls:`` mapping of an https service: certificate names and hygiene options.

Names are written as the facts print them (most specific attribute first); ``issuer`` null makes
a self-signed certificate, a list of names a device CA, ``lab-ca`` the lab CA (lab/certs.py).
Hygiene options: ``key`` (ec, rsa2048, rsa1024), ``signature`` (sha256, sha1: self-signed RSA
only), validity ``days`` from 2020-01-01 or ``not_before_days``/``not_after_days`` relative to
the lab's start (negative: past), and ``san`` names or addresses (templates allowed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from camaudit.lab.yamldoc import Doc

DN_ATTRS = ("CN", "OU", "O", "L", "ST", "C", "emailAddress")
DN = tuple[tuple[str, str], ...]
_TLS_KEYS = {"subject", "issuer", "days", "key", "signature", "not_before_days",
             "not_after_days", "san"}
TLS_KEYS_KINDS = ("ec", "rsa2048", "rsa1024")
TLS_SIGNATURES = ("sha256", "sha1")


@dataclass(frozen=True, slots=True)
class TlsSpec:
    """Certificate names as printed (most specific first); ``issuer`` None = self-signed,
    ``issuer: lab-ca`` (``LAB_CA``) = signed by the lab CA (lab/certs.py). Validity is
    ``days`` from 2020-01-01, or, with ``not_after_days``, relative to the lab's start
    (``not_before_days`` .. ``not_after_days``, negative = past: an expired certificate).
    ``key`` ec | rsa2048 | rsa1024, ``signature`` sha256 | sha1, ``san`` names or addresses."""

    subject: DN
    issuer: DN | None
    days: int
    key: str = "ec"
    signature: str = "sha256"
    not_before_days: int | None = None
    not_after_days: int | None = None
    san: tuple[str, ...] = ()
    lab_ca: bool = False


def _dn(doc: Doc, node: dict[str, Any], raw: Any, field: str, names: set[str]) -> DN:
    if not isinstance(raw, list) or not raw:
        doc.fail(node, field, "expected a list of 'ATTR=value' strings")
    out: list[tuple[str, str]] = []
    for i, item in enumerate(raw):
        attr, sep, value = str(item).partition("=")
        if not sep or attr not in DN_ATTRS or not value:
            doc.fail(node, f"{field}[{i}]", f"expected ATTR=value with ATTR in {DN_ATTRS}")
        if attr == "C" and len(value) != 2:
            doc.fail(node, f"{field}[{i}]", "country must be 2 letters")
        out.append((attr, doc.text(node, value, f"{field}[{i}]", names)))
    return tuple(out)


def parse_tls(doc: Doc, node: dict[str, Any], field: str, names: set[str]) -> TlsSpec:
    where = f"{field}.tls."
    tnode = doc.keys(doc.get(node, "tls", field + ".", dict), _TLS_KEYS, where)
    issuer_raw = tnode.get("issuer")
    lab_ca = issuer_raw == "lab-ca"
    issuer = None
    if issuer_raw is not None and not lab_ca:
        issuer = _dn(doc, tnode, issuer_raw, f"{where}issuer", names)
    key = doc.get(tnode, "key", where, str, required=False, default="ec")
    if key not in TLS_KEYS_KINDS:
        doc.fail(tnode, f"{where}key", f"must be one of {', '.join(TLS_KEYS_KINDS)}")
    signature = doc.get(tnode, "signature", where, str, required=False, default="sha256")
    if signature not in TLS_SIGNATURES:
        doc.fail(tnode, f"{where}signature", f"must be one of {', '.join(TLS_SIGNATURES)}")
    if signature == "sha1" and (not key.startswith("rsa") or issuer_raw is not None):
        doc.fail(tnode, f"{where}signature", "sha1 is made for self-signed RSA keys only")
    before = doc.get(tnode, "not_before_days", where, int, required=False)
    after = doc.get(tnode, "not_after_days", where, int, required=False)
    if before is not None and after is None:
        doc.fail(tnode, f"{where}not_before_days", "comes with not_after_days")
    if after is not None and (before if before is not None else -365) >= after:
        doc.fail(tnode, f"{where}not_after_days", "must come after not_before_days")
    san = doc.get(tnode, "san", where, list, required=False, default=[])
    if not all(isinstance(n, str) and n for n in san):
        doc.fail(tnode, f"{where}san", "expected a list of names or addresses")
    return TlsSpec(_dn(doc, tnode, tnode.get("subject"), f"{where}subject", names), issuer,
                   doc.get(tnode, "days", where, int, required=False, default=3650), key,
                   signature, before if before is not None or after is None else -365, after,
                   tuple(doc.text(tnode, n, f"{where}san", names) for n in san), lab_ca)
