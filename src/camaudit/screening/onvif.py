"""Ask a device's ONVIF analytics service what it supports, with the operator's credentials.

Every request is a SOAP 1.2 POST of a ``Get*`` operation, read-only by the ONVIF specs:
``GetServices`` (device service, to find the analytics and media XAddrs),
``GetAnalyticsConfigurations`` (media ver10, for the first VideoAnalyticsConfiguration token),
then ``GetSupportedAnalyticsModules`` and ``GetSupportedRules`` (analytics ver20) for that
token. Authentication is a WS-Security UsernameToken with PasswordDigest
(Base64(SHA1(nonce + created + password))); a device that answers 401 gets HTTP Digest.
Only the path of an XAddr is used: requests stay on the host of the device URL. Replies are
parsed with defusedxml, bounded in size, and the module and rule descriptions become text
documents (names, parameter names, message topics and item names) for the screener.
A device without ONVIF analytics is a skipped note, never an error.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from camaudit.screening.device import (
    NOT_SENT,
    Deadline,
    Document,
    OneTryDigest,
    check_url,
    digest_handler,
    not_fetched,
)
from camaudit.screening.device import opener as device_opener
from camaudit.screening.scan import Skipped
from camaudit.wire.xmldoc import MAX_XML, find_all, local, parse_xml, text_of

DEVICE_PATH = "/onvif/device_service"
ANALYTICS_PATH = "/onvif/analytics_service"
MEDIA_PATH = "/onvif/media_service"
NS_SOAP = "http://www.w3.org/2003/05/soap-envelope"
NS_DEVICE = "http://www.onvif.org/ver10/device/wsdl"
NS_MEDIA = "http://www.onvif.org/ver10/media/wsdl"
NS_ANALYTICS = "http://www.onvif.org/ver20/analytics/wsdl"
_WSS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-"
NS_WSSE = _WSS + "wssecurity-secext-1.0.xsd"
NS_WSU = _WSS + "wssecurity-utility-1.0.xsd"
PASSWORD_DIGEST = _WSS + "username-token-profile-1.0#PasswordDigest"
BASE64_BINARY = _WSS + "soap-message-security-1.0#Base64Binary"

# The only operations sent, each with its namespace: all Get*, read-only by spec.
CALLS = {"GetServices": NS_DEVICE, "GetAnalyticsConfigurations": NS_MEDIA,
         "GetSupportedAnalyticsModules": NS_ANALYTICS, "GetSupportedRules": NS_ANALYTICS}
DESCRIPTIONS = ("AnalyticsModuleDescription", "RuleDescription")
MAX_TOKEN = 64
REFUSED = "credentials refused"
ABSENT = "no ONVIF analytics"  # how every note about a device without ONVIF analytics starts


def password_digest(nonce: bytes, created: str, password: str) -> str:
    """WS-Security UsernameToken PasswordDigest: Base64(SHA1(nonce + created + password))."""
    raw = nonce + created.encode("utf-8") + password.encode("utf-8")
    return base64.b64encode(hashlib.sha1(raw).digest()).decode("ascii")  # noqa: S324 - spec


def build_request(call: str, user: str, password: str, token: str | None = None, *,
                  nonce: bytes | None = None, created: str | None = None) -> bytes:
    """The SOAP 1.2 envelope of ``call`` (one of ``CALLS``) with a UsernameToken header."""
    if call not in CALLS:
        raise ValueError(f"not a read-only ONVIF call: {call!r}")
    nonce = os.urandom(16) if nonce is None else nonce
    created = created or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    digest = password_digest(nonce, created, password)
    if call == "GetServices":
        inner = "<m:IncludeCapability>false</m:IncludeCapability>"
    elif token is not None:
        inner = f"<m:ConfigurationToken>{escape(token)}</m:ConfigurationToken>"
    else:
        inner = ""
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<s:Envelope xmlns:s="{NS_SOAP}" xmlns:m="{CALLS[call]}"><s:Header>'
            f'<wsse:Security xmlns:wsse="{NS_WSSE}" xmlns:wsu="{NS_WSU}" s:mustUnderstand="1">'
            f"<wsse:UsernameToken><wsse:Username>{escape(user)}</wsse:Username>"
            f'<wsse:Password Type="{PASSWORD_DIGEST}">{digest}</wsse:Password>'
            f'<wsse:Nonce EncodingType="{BASE64_BINARY}">'
            f"{base64.b64encode(nonce).decode('ascii')}</wsse:Nonce>"
            f"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"
            f"</s:Header><s:Body><m:{call}>{inner}</m:{call}></s:Body></s:Envelope>"
            ).encode()


@dataclass(frozen=True)
class Reply:
    """A parsed SOAP reply: its root, or the fault subcode, or a problem."""

    root: Element | None
    fault: str = ""  # local name of the innermost fault subcode (or code), e.g. ActionNotSupported
    problem: str = ""


def parse_reply(data: bytes) -> Reply:
    """The reply's root, its SOAP fault, or why it could not be read (never raises)."""
    if len(data) > MAX_XML:
        return Reply(None, problem="reply larger than 256 KiB")
    root, problem = parse_xml(data)
    if root is None:
        return Reply(None, problem=problem)
    faults = find_all(root, "Fault")
    if faults:
        values = [text_of(v) for v in find_all(faults[0], "Value")]
        last = values[-1] if values else "Fault"
        return Reply(None, fault=last.rsplit(":", 1)[-1][:80] or "Fault")
    return Reply(root)


def service_paths(root: Element) -> dict[str, str]:
    """Namespace -> path (with query) of each XAddr in a GetServices reply."""
    out: dict[str, str] = {}
    for svc in find_all(root, "Service"):
        ns = next((text_of(c) for c in svc if local(c.tag) == "Namespace"), "")
        xaddr = next((text_of(c) for c in svc if local(c.tag) == "XAddr"), "")
        parts = urllib.parse.urlsplit(xaddr[:1000])
        if ns and parts.path.startswith("/") and ns not in out:
            out[ns] = parts.path + (f"?{parts.query}" if parts.query else "")
    return out


def first_token(root: Element) -> str | None:
    """The token of the first VideoAnalyticsConfiguration in a GetAnalyticsConfigurations reply."""
    for conf in find_all(root, "Configurations"):
        token = conf.get("token", "").strip()
        if token:
            return token[:MAX_TOKEN]
    return None


def _items(elem: Element) -> list[tuple[str, str]]:
    """(kind, name) of the item descriptions under ``elem``: kind is the parent's local name
    (Source, Key, Data, Parameters) in lower case."""
    out: list[tuple[str, str]] = []
    for parent in elem.iter():
        for item in parent:
            name = item.get("Name", "").strip()
            if local(item.tag).endswith("ItemDescription") and name:
                out.append((local(parent.tag).lower(), name[:200]))
    return out


def descriptions_text(root: Element) -> str:
    """The module and rule descriptions of a reply, one line per name: the description's name,
    then one line per parameter and per message item, each led by the description's name and
    the message topic, so an item such as ``Ethnicity`` reads next to ``FaceAttributes``."""
    lines: list[str] = []
    for desc in (e for e in root.iter() if local(e.tag) in DESCRIPTIONS):
        name = desc.get("Name", "").strip()[:200]
        lines.append(f"{local(desc.tag)} {name}")
        for child in desc:
            if local(child.tag) == "Parameters":
                lines += [f"{name} parameter {item}" for _, item in _items(child)]
            elif local(child.tag) == "Messages":
                topic = next((text_of(t)[:200] for t in child
                              if local(t.tag) == "ParentTopic"), "")
                lines.append(f"{name} message {topic}")
                lines += [f"{name} message {topic} {kind} {item}"
                          for kind, item in _items(child)]
    return "\n".join(lines)


Post = Callable[[str, str, str | None], tuple[Reply | None, str]]


def _poster(base: str, user: str, password: str, timeout: float, digest: OneTryDigest,
            deadline: Deadline | None = None) -> Post:
    opener = device_opener(base, user, password, digest, basic=False, deadline=deadline)

    def post(path: str, call: str, token: str | None) -> tuple[Reply | None, str]:
        """The reply, or None and why there is none (never naming the password). After the
        first refusal (HTTP or WS-Security), nothing more is sent."""
        if digest.refused:
            return None, NOT_SENT
        reply, problem = _post(path, call, token)
        if problem == REFUSED or (reply is not None and reply.fault == "NotAuthorized"):
            digest.refused = True
        return reply, problem

    def _post(path: str, call: str, token: str | None) -> tuple[Reply | None, str]:
        action = f"{CALLS[call]}/{call}"
        request = urllib.request.Request(  # noqa: S310 - http(s) checked by check_url
            base + path, data=build_request(call, user, password, token), method="POST",
            headers={"Content-Type": f'application/soap+xml; charset=utf-8; action="{action}"'})
        if deadline is not None and deadline.expired():
            return None, f"device deadline of {deadline.seconds:g} s passed"
        wait = timeout if deadline is None else max(0.01, min(timeout, deadline.remaining()))
        try:
            with opener.open(request, timeout=wait) as resp:
                data = resp.read(MAX_XML + 1)
            if deadline is not None and deadline.expired():
                return None, f"device deadline of {deadline.seconds:g} s passed"
            return parse_reply(data), ""
        except urllib.error.HTTPError as e:
            try:
                body = e.read(MAX_XML + 1) if e.code in (400, 500) and e.fp else b""
            except (OSError, http.client.HTTPException):
                body = b""
            finally:
                e.close()
            if e.code == 401:
                return None, REFUSED
            reply = parse_reply(body)
            if reply.fault:
                return reply, ""
            return None, f"HTTP {e.code}"
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as e:
            return None, not_fetched(e)

    return post


def _why(reply: Reply | None, problem: str) -> str:
    if reply is not None and reply.fault == "NotAuthorized":
        return REFUSED
    if problem in (REFUSED, NOT_SENT):
        return problem
    detail = (f"SOAP fault {reply.fault}" if reply is not None and reply.fault
              else problem or (reply.problem if reply is not None else ""))
    return f"{ABSENT} ({detail})"


def fetch(url: str, user: str, password: str, *, allow_public: bool = False,
          timeout: float = 5.0, digest: OneTryDigest | None = None,
          deadline: Deadline | None = None) -> tuple[list[Document], list[Skipped]]:
    """The analytics module and rule descriptions as text documents, and skipped notes.
    ``digest``: the HTTP Digest handler shared with ``device.fetch`` (see ``digest_handler``);
    ``deadline``: the one bounding every request to this device."""
    parts = check_url(url, allow_public)
    base = f"{parts.scheme}://{parts.netloc}"
    post = _poster(base, user, password, timeout,
                   digest or digest_handler(base, user, password), deadline)

    reply, problem = post(DEVICE_PATH, "GetServices", None)
    if reply is None or reply.root is None:
        why = _why(reply, problem)
        if reply is None or why in (REFUSED, NOT_SENT):
            return [], [Skipped(base + DEVICE_PATH + "#GetServices", why)]
        paths: dict[str, str] = {}  # a SOAP fault: try the usual service paths
    else:
        paths = service_paths(reply.root)
        if NS_ANALYTICS not in paths:
            return [], [Skipped(base + DEVICE_PATH + "#GetServices",
                                f"{ABSENT} (no analytics service listed)")]
    analytics = paths.get(NS_ANALYTICS, ANALYTICS_PATH)
    media = paths.get(NS_MEDIA, MEDIA_PATH)

    reply, problem = post(media, "GetAnalyticsConfigurations", None)
    token = first_token(reply.root) if reply is not None and reply.root is not None else None
    if token is None:
        why = _why(reply, problem) if reply is None or reply.root is None else \
            f"{ABSENT} (no VideoAnalyticsConfiguration)"
        return [], [Skipped(base + media + "#GetAnalyticsConfigurations", why)]

    docs: list[Document] = []
    skipped: list[Skipped] = []
    for call in ("GetSupportedAnalyticsModules", "GetSupportedRules"):
        where = f"{base}{analytics}#{call}"
        reply, problem = post(analytics, call, token)
        if reply is None or reply.root is None:
            skipped.append(Skipped(where, _why(reply, problem)))
            continue
        docs.append(Document(where, 200, descriptions_text(reply.root).encode("utf-8")))
    return docs, skipped
