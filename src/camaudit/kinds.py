"""``camaudit identify --as KIND``: one observation as a user would paste it -> observations.

Each kind is a function ``bytes -> list[Observation]``. Text kinds strip surrounding whitespace
(pastes end with a newline); binary kinds (``favicon``, ``tls-cert`` DER, ``dhip``, ``dvrip``)
use the bytes as given. Unusable input gives []; ``mac`` and ``open-ports`` raise ValueError
with a one-line message because their input is plain user text.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

from camaudit.model import Observation
from camaudit.protocols import REGISTRY
from camaudit.wire import (
    banner,
    favicon,
    http,
    isapi,
    mac,
    ports,
    rtsp,
    tls,
    wsd,
)
from camaudit.wire.xmldoc import pasted_xml

Kind = Callable[[bytes], list[Observation]]

_HEADER_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,40}:[ \t]*")
_MD5 = re.compile(r"^[0-9a-f]{32}$")
_INT = re.compile(r"^[+-]?\d{1,10}$")
_BASE64 = re.compile(rb"[A-Za-z0-9+/=\s]+")


def _src(kind: str) -> str:
    return f"identify:{kind}"


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace").strip()


def _without_name(text: str, name: str) -> str:
    """``Server: foo`` -> ``foo`` when the user pasted the whole header line."""
    m = _HEADER_PREFIX.match(text)
    if m and text[: m.end()].split(":")[0].strip().lower() == name:
        return text[m.end():].strip()
    return text


def _single(key: str, kind: str, header: str = "") -> Kind:
    def run(data: bytes) -> list[Observation]:
        text = _text(data)
        if header:
            text = _without_name(text, header)
        return [Observation(key, text, _src(kind))] if text else []
    return run


_STATUS_LINE = re.compile(rb"^(?:HTTP|RTSP)/\d\.\d[ \t]+\d{3}\b", re.MULTILINE)
_REQUEST_LINE = re.compile(rb"^[A-Z_]{3,20} \S+ (?:HTTP|RTSP)/\d\.\d\r?$", re.MULTILINE)
_HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]{0,60}:")
MAX_PASTED_MESSAGES = 16


def pasted_messages(data: bytes, proto: bytes) -> list[bytes]:
    """The replies in a paste: each starts at a status line and ends before the next status or
    request line (a pasted exchange holds requests too). A block of header lines without any
    status line (copied from a browser or a log) gets a stand-in status line ``000``, whose
    status is then not reported."""
    data = data.lstrip(b"\r\n\t \xef\xbb\xbf")[:4 * 1024 * 1024]
    starts = [m.start() for m in _STATUS_LINE.finditer(data)][:MAX_PASTED_MESSAGES]
    if not starts:
        return [proto + b"/1.0 000 -\n" + data] if _HEADER_LINE.match(data) else [data]
    cuts = sorted({*starts, *(m.start() for m in _REQUEST_LINE.finditer(data)), len(data)})
    return [data[s: next(c for c in cuts if c > s)] for s in starts]


def _replies(data: bytes, proto: bytes, read: Callable[[bytes, str], list[Observation]],
             kind: str) -> list[Observation]:
    """Observations of every reply in a paste, without the stand-in status ``0``."""
    status = f"{proto.decode().lower()}.status"
    out: list[Observation] = []
    for message in pasted_messages(data, proto):
        out += [o for o in read(http.crlf_head(message), _src(kind))
                if not (o.key == status and o.value == "0")]
    return out


def http_response(data: bytes) -> list[Observation]:
    return _replies(data, b"HTTP", lambda m, s: http.observations(
        http.parse_response(m, lenient=True), s), "http-response")


def http_www_authenticate(data: bytes) -> list[Observation]:
    text = _without_name(_text(data), "www-authenticate")
    return http.www_authenticate_observations(text, _src("http-www-authenticate")) if text else []


def http_title(data: bytes) -> list[Observation]:
    text = _text(data)
    title = http.html_title(text) if "<title" in text.lower() else " ".join(text.split())
    return [Observation("http.title", title, _src("http-title"))] if title else []


# A part of a multipart reply (an ISAPI alertStream) pasted with its boundary and part headers.
_MIME_PART = re.compile(rb"\A--[^\r\n]{1,200}\r?\n(?:[A-Za-z][\w-]{0,60}:[^\r\n]{0,300}\r?\n){1,10}"
                        rb"\r?\n")


def http_body(data: bytes) -> list[Observation]:
    """Only trailing whitespace is removed: a leading BOM or blank line is firmware evidence. A
    multipart part's boundary and headers are not the body and go."""
    body = data.rstrip()
    if (part := _MIME_PART.match(body)) is not None:
        body = body[part.end():]
    return http.body_observations(body, _src("http-body")) if body.strip() else []


def rtsp_response(data: bytes) -> list[Observation]:
    """RTSP replies, or a bare SDP description (a DESCRIBE body pasted without its head)."""
    stripped = data.lstrip(b"\r\n\t \xef\xbb\xbf")
    if stripped.startswith(b"v=0"):
        sdp = stripped[:rtsp.BODY_LIMIT].decode("utf-8", "replace")
        return [Observation("rtsp.sdp", sdp, _src("rtsp-response"))]
    return _replies(data, b"RTSP", lambda m, s: rtsp.observations(
        rtsp.parse_response(m, lenient=True), s), "rtsp-response")


def tls_cert(data: bytes) -> list[Observation]:
    text = data.strip()
    if b"-----BEGIN" not in text and _BASE64.fullmatch(text[:65536]):
        try:
            data = base64.b64decode(b"".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            return []
    elif b"-----BEGIN" in text:
        data = text
    return tls.cert_observations(data, _src("tls-cert"))


def _dn(key: str, kind: str) -> Kind:
    def run(data: bytes) -> list[Observation]:
        dn = tls.normalize_dn(_text(data))
        return [Observation(key, dn, _src(kind))] if dn else []
    return run


def favicon_md5(data: bytes) -> list[Observation]:
    text = _text(data).lower()
    return [Observation("http.favicon.md5", text, _src("favicon-md5"))] if _MD5.match(text) else []


def favicon_mmh3(data: bytes) -> list[Observation]:
    text = _text(data)
    if not _INT.match(text):
        return []
    value = int(text)
    if 2**31 <= value < 2**32:  # unsigned spelling of the same hash
        value -= 2**32
    if not -(2**31) <= value < 2**31:
        return []
    return [Observation("http.favicon.mmh3", str(value), _src("favicon-mmh3"))]


def wsd_scopes(data: bytes) -> list[Observation]:
    return wsd.scope_observations(wsd.parse_scopes(_text(data)), _src("wsd-scopes"))


def telnet_banner(data: bytes) -> list[Observation]:
    text = banner.telnet_text(data)
    return [Observation("telnet.banner", text, _src("telnet-banner"))] if text else []


def mac_kind(data: bytes) -> list[Observation]:
    text = _text(data)
    if mac.normalize_mac(text) is None:
        raise ValueError(f"not a MAC address: {text[:60]!r}")
    return mac.observations(text, _src("mac"))


def open_ports(data: bytes) -> list[Observation]:
    return ports.observations(ports.parse_ports(_text(data)), _src("open-ports"))


def _xml(parse_obs: Callable[[bytes, str], list[Observation]], kind: str) -> Kind:
    def run(data: bytes) -> list[Observation]:
        return parse_obs(pasted_xml(data), _src(kind))
    return run


def _raw(parse_obs: Callable[[bytes, str], list[Observation]], kind: str) -> Kind:
    def run(data: bytes) -> list[Observation]:
        return parse_obs(data, _src(kind))
    return run


# bounded runs only: pasted text may hold anything
_ONVIF_TAG = re.compile(rb"<(?:[\w.-]{1,40}:)?(Manufacturer|Model|FirmwareVersion|SerialNumber|"
                        rb"HardwareId)>\s{0,20}([^<\s][^<]{0,299}?)\s{0,20}</", re.IGNORECASE)
_ONVIF_LINE = re.compile(rb"^[ \t]{0,20}(Manufacturer|Model|FirmwareVersion|Firmware Version|"
                         rb"SerialNumber|Serial Number|HardwareId|Hardware Id)[ \t]{0,20}[:=]"
                         rb"[ \t]{0,20}(\S[^\r\n]{0,299}?)[ \t]{0,20}\r?$",
                         re.IGNORECASE | re.MULTILINE)


def onvif_device_information(data: bytes) -> list[Observation]:
    """A GetDeviceInformationResponse: the SOAP reply, a fragment whose prefixes are not bound
    (``<tds:Manufacturer>`` pasted alone), or a ``Manufacturer: HIKVISION`` dump of a client."""
    obs = _xml(lambda d, s: wsd.observations(wsd.parse(d), s), "onvif-device-information")(data)
    if obs:
        return obs
    names = {n.lower(): n for n in wsd.ONVIF_FIELDS}
    found = _ONVIF_TAG.findall(data[:65536]) or _ONVIF_LINE.findall(data[:65536])
    out: list[Observation] = []
    for raw_name, raw_value in found[:16]:
        name = names.get(raw_name.decode("ascii", "replace").replace(" ", "").lower())
        value = raw_value.decode("utf-8", "replace").strip()
        if name and value:
            out.append(Observation(wsd.ONVIF_FIELDS[name], value,
                                   _src("onvif-device-information")))
    return out


KINDS: dict[str, Kind] = {
    "http-response": http_response,
    "http-server": _single("http.header.server", "http-server", "server"),
    "http-www-authenticate": http_www_authenticate,
    "http-title": http_title,
    "http-body": http_body,
    "rtsp-response": rtsp_response,
    "rtsp-server": _single("rtsp.server", "rtsp-server", "server"),
    "tls-cert": tls_cert,
    "tls-subject": _dn("tls.subject", "tls-subject"),
    "tls-issuer": _dn("tls.issuer", "tls-issuer"),
    "favicon": _raw(favicon.observations, "favicon"),
    "favicon-md5": favicon_md5,
    "favicon-mmh3": favicon_mmh3,
    # the discovery protocols' own kinds (protocols/): sadp, dhip, dvrip, wsd, ssdp
    **{p.kind: p.identify for p in REGISTRY.values() if p.kind and p.identify},
    "wsd-scopes": wsd_scopes,
    "onvif-device-information": onvif_device_information,
    "isapi": _xml(lambda d, s: isapi.observations(isapi.parse(d), s), "isapi"),
    "telnet-banner": telnet_banner,
    "dhcp-vendor-class": _single("dhcp.vendor_class", "dhcp-vendor-class"),
    "mac": mac_kind,
    "open-ports": open_ports,
}

KIND_HELP: dict[str, str] = {
    "http-response": "raw HTTP reply: status line + headers [+ body]; LF line ends accepted",
    "http-server": "value of an HTTP Server header, e.g. DNVRS-Webs",
    "http-www-authenticate": 'one WWW-Authenticate value, e.g. Digest realm="Login to 4K01FD2"',
    "http-title": "page title text (or the <title> element)",
    "http-body": "an HTTP response body (HTML, ISAPI XML ...)",
    "rtsp-response": "raw RTSP reply: status line + headers [+ SDP body]",
    "rtsp-server": "value of an RTSP Server header, e.g. Dahua Rtsp Server",
    "tls-cert": "an X.509 certificate, PEM or DER (or bare base64 DER)",
    "tls-subject": "certificate subject, any DN spelling (CN=a,O=b or /C=CN/CN=a ...)",
    "tls-issuer": "certificate issuer, any DN spelling",
    "favicon": "favicon.ico bytes",
    "favicon-md5": "lower-case hex MD5 of a favicon",
    "favicon-mmh3": "Shodan/nuclei favicon mmh3 hash (signed decimal)",
    "sadp": "Hikvision SADP ProbeMatch XML (UDP 37020 reply)",
    "dhip": "Dahua DHIP reply (UDP 37810): raw packet or its JSON",
    "dvrip": "Xiongmai DVRIP message: raw packet or its JSON",
    "wsd": "WS-Discovery ProbeMatches/Hello XML (or a SOAP fault)",
    "wsd-scopes": "space-separated ONVIF scope URIs",
    "onvif-device-information": "ONVIF GetDeviceInformationResponse XML",
    "isapi": "any Hikvision ISAPI XML document (DeviceInfo, SessionLoginCap ...)",
    "ssdp": "SSDP reply or NOTIFY (HTTPU text)",
    "telnet-banner": "what a telnet service prints before login",
    "dhcp-vendor-class": "DHCP option 60 vendor class identifier",
    "mac": "a MAC address in any common spelling",
    "open-ports": "open ports, e.g. 80/tcp,554/tcp,8000",
}
