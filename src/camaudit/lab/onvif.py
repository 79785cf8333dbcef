"""The lab's ONVIF device and media services (SOAP 1.2 over HTTP POST), sans-I/O.

``answer(spec, path, body, values)`` gives the HTTP reply to one POST of
``/onvif/device_service`` or ``/onvif/media_service``:

* without credentials: ``GetSystemDateAndTime``, ``GetCapabilities``, ``GetServices`` (the
  ONVIF core spec's pre-authentication calls), and ``GetDeviceInformation`` too when the profile
  sets ``open_device_information`` (an exposure case);
* with a WS-Security UsernameToken whose PasswordDigest is Base64(SHA1(nonce + created +
  password)) for the profile's user (the lab's by default): ``GetDeviceInformation``,
  ``GetNetworkInterfaces`` (device service) and ``GetProfiles`` (media service, 2 profiles);
* a missing or wrong token: the ``env:Sender`` / ``ter:NotAuthorized`` fault with HTTP 400,
  as the core spec's generic faults table gives it; any other call:
  ``env:Receiver`` / ``ter:ActionNotSupported`` with HTTP 500.

Documents follow the agsh/onvif test mock-ups (``test/serverMockup/*.xml`` on its v0.x branch:
GetSystemDateAndTime, GetCapabilities, GetServices, GetDeviceInformation, GetProfiles, and
``device.GetNetworkInterfaces.xml``, a Hikvision capture), with the device's own values. Request
bodies are parsed with defusedxml and bounded; nothing here raises on what a client sends.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from camaudit.lab.render import render
from camaudit.lab.specs import OnvifSpec
from camaudit.wire.xmldoc import find_all, local, namespace, parse_xml, text_of

DEVICE_PATH = "/onvif/device_service"
MEDIA_PATH = "/onvif/media_service"
PATHS = (DEVICE_PATH, MEDIA_PATH)
MAX_BODY = 64 * 1024
NS_DEVICE = "http://www.onvif.org/ver10/device/wsdl"
NS_MEDIA = "http://www.onvif.org/ver10/media/wsdl"
PRE_AUTH = frozenset({"GetSystemDateAndTime", "GetCapabilities", "GetServices"})
DEVICE_CALLS = frozenset({"GetDeviceInformation", "GetNetworkInterfaces"}) | PRE_AUTH
MEDIA_CALLS = frozenset({"GetProfiles"})
_DIGEST_TYPE = ("http://docs.oasis-open.org/wss/2004/01/"
                    "oasis-200401-wss-username-token-profile-1.0#PasswordDigest")
_ENVELOPE = ('<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope '
             'xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" '
             'xmlns:tt="http://www.onvif.org/ver10/schema" '
             f'xmlns:tds="{NS_DEVICE}" xmlns:trt="{NS_MEDIA}" '
             'xmlns:ter="http://www.onvif.org/ver10/error">'
             "<SOAP-ENV:Body>{inner}</SOAP-ENV:Body></SOAP-ENV:Envelope>\n")


@dataclass(frozen=True, slots=True)
class SoapReply:
    """HTTP status, reason and SOAP body of one answer."""

    status: int
    reason: str
    body: bytes


def fault(code: str, subcode: str, reason: str, status: int) -> SoapReply:
    """A SOAP 1.2 fault (``env:Sender``/``env:Receiver`` with an ONVIF ``ter:`` subcode)."""
    inner = ("<SOAP-ENV:Fault><SOAP-ENV:Code>"
             f"<SOAP-ENV:Value>SOAP-ENV:{code}</SOAP-ENV:Value><SOAP-ENV:Subcode>"
             f"<SOAP-ENV:Value>ter:{subcode}</SOAP-ENV:Value></SOAP-ENV:Subcode>"
             "</SOAP-ENV:Code><SOAP-ENV:Reason>"
             f'<SOAP-ENV:Text xml:lang="en">{escape(reason)}</SOAP-ENV:Text>'
             "</SOAP-ENV:Reason></SOAP-ENV:Fault>")
    phrase = "Bad Request" if status == 400 else "Internal Server Error"
    return SoapReply(status, phrase, _ENVELOPE.replace("{inner}", inner).encode("utf-8"))


NOT_AUTHORIZED = fault("Sender", "NotAuthorized", "Sender not Authorized", 400)
NOT_SUPPORTED = fault("Receiver", "ActionNotSupported", "Optional Action Not Implemented", 500)
MALFORMED = fault("Sender", "WellFormed", "Well-formed Error", 400)


def call_of(body: bytes) -> tuple[str, str, Element | None]:
    """(call, its namespace, envelope root) of a SOAP request; ("", "", None) if unreadable."""
    root, _ = parse_xml(body[:MAX_BODY])
    if root is None or local(root.tag) != "Envelope":
        return "", "", None
    for part in root:
        if local(part.tag) == "Body":
            first = next(iter(part), None)
            if first is not None:
                return local(first.tag), namespace(first.tag), root
    return "", "", root


def token_ok(root: Element, user: str, password: str) -> bool:
    """A WS-Security UsernameToken with ``user`` and the right PasswordDigest."""
    for token in find_all(root, "UsernameToken"):
        parts = {local(e.tag): e for e in token}
        pw, nonce, created = parts.get("Password"), parts.get("Nonce"), parts.get("Created")
        if pw is None or nonce is None or created is None or "Username" not in parts:
            return False
        if pw.get("Type", _DIGEST_TYPE) != _DIGEST_TYPE:
            return False
        try:
            raw = base64.b64decode(text_of(nonce)[:256], validate=True)
        except (binascii.Error, ValueError):
            return False
        want = base64.b64encode(hashlib.sha1(  # noqa: S324 - the WS-Security formula
            raw + text_of(created)[:64].encode() + password.encode()).digest())
        return (hmac.compare_digest(text_of(parts["Username"]).encode(), user.encode())
                and hmac.compare_digest(text_of(pw).encode(), want))
    return False


def answer(spec: OnvifSpec | None, path: str, body: bytes, values: Mapping[str, str],
           now: float | None = None) -> SoapReply:
    """The reply to a POST of ``body`` to ``path`` (module doc). ``spec`` None: a device that
    answers only the pre-authentication calls (the namespace lab's ``discovery.onvif``)."""
    call, ns, root = call_of(body)
    if root is None or not call:
        return MALFORMED
    calls, want_ns = (DEVICE_CALLS, NS_DEVICE) if path == DEVICE_PATH else (MEDIA_CALLS, NS_MEDIA)
    if path not in PATHS or call not in calls or ns != want_ns \
            or (spec is None and call not in PRE_AUTH):
        return NOT_SUPPORTED
    open_call = call in PRE_AUTH or (call == "GetDeviceInformation"
                                     and spec is not None and spec.open_device_information)
    if not open_call and (spec is None or not token_ok(root, spec.user, spec.password)):
        return NOT_AUTHORIZED
    inner = _BUILDERS[call](spec, values, time.time() if now is None else now)
    return SoapReply(200, "OK", _ENVELOPE.replace("{inner}", inner).encode("utf-8"))


def _base(values: Mapping[str, str], spec: OnvifSpec | None) -> str:
    port = "" if spec is None or spec.port == 80 else f":{spec.port}"
    return f"http://{values.get('ip', '')}{port}"


def _date_and_time(spec: OnvifSpec | None, values: Mapping[str, str], now: float) -> str:
    t = time.gmtime(now)
    stamp = (f"<tt:Time><tt:Hour>{t.tm_hour}</tt:Hour><tt:Minute>{t.tm_min}</tt:Minute>"
             f"<tt:Second>{t.tm_sec}</tt:Second></tt:Time><tt:Date><tt:Year>{t.tm_year}"
             f"</tt:Year><tt:Month>{t.tm_mon}</tt:Month><tt:Day>{t.tm_mday}</tt:Day></tt:Date>")
    return ("<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
            "<tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false"
            "</tt:DaylightSavings><tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone>"
            f"<tt:UTCDateTime>{stamp}</tt:UTCDateTime>"
            f"<tt:LocalDateTime>{stamp}</tt:LocalDateTime>"
            "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>")


def _capabilities(spec: OnvifSpec | None, values: Mapping[str, str], now: float) -> str:
    base = _base(values, spec)
    return ("<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Device>"
            f"<tt:XAddr>{base}{DEVICE_PATH}</tt:XAddr><tt:Network><tt:IPFilter>false"
            "</tt:IPFilter><tt:ZeroConfiguration>false</tt:ZeroConfiguration>"
            "<tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false</tt:DynDNS></tt:Network>"
            "<tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve><tt:DiscoveryBye>"
            "true</tt:DiscoveryBye><tt:RemoteDiscovery>false</tt:RemoteDiscovery>"
            "<tt:SystemBackup>false</tt:SystemBackup><tt:SystemLogging>false"
            "</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade>"
            "<tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>40</tt:Minor>"
            "</tt:SupportedVersions></tt:System></tt:Device><tt:Media>"
            f"<tt:XAddr>{base}{MEDIA_PATH}</tt:XAddr><tt:StreamingCapabilities>"
            "<tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP>"
            "<tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>"
            "</tds:Capabilities></tds:GetCapabilitiesResponse>")


def _services(spec: OnvifSpec | None, values: Mapping[str, str], now: float) -> str:
    base = _base(values, spec)
    items = [(NS_DEVICE, DEVICE_PATH, "42"), (NS_MEDIA, MEDIA_PATH, "41")]
    inner = "".join(f"<tds:Service><tds:Namespace>{ns}</tds:Namespace>"
                    f"<tds:XAddr>{base}{path}</tds:XAddr><tds:Version><tt:Major>2</tt:Major>"
                    f"<tt:Minor>{minor}</tt:Minor></tds:Version></tds:Service>"
                    for ns, path, minor in items)
    return f"<tds:GetServicesResponse>{inner}</tds:GetServicesResponse>"


def _information(spec: OnvifSpec | None, values: Mapping[str, str], now: float) -> str:
    assert spec is not None
    fields = (("Manufacturer", render(spec.manufacturer, values)),
              ("Model", values.get("model", "")), ("FirmwareVersion", values.get("firmware", "")),
              ("SerialNumber", values.get("serial", "")),
              ("HardwareId", render(spec.hardware_id, values)))
    inner = "".join(f"<tds:{name}>{escape(value)}</tds:{name}>" for name, value in fields)
    return f"<tds:GetDeviceInformationResponse>{inner}</tds:GetDeviceInformationResponse>"


def _interfaces(spec: OnvifSpec | None, values: Mapping[str, str], now: float) -> str:
    return ('<tds:GetNetworkInterfacesResponse><tds:NetworkInterfaces token="eth0">'
            "<tt:Enabled>true</tt:Enabled><tt:Info><tt:Name>eth0</tt:Name>"
            f"<tt:HwAddress>{escape(values.get('mac', ''))}</tt:HwAddress><tt:MTU>1500</tt:MTU>"
            "</tt:Info><tt:Link><tt:AdminSettings><tt:AutoNegotiation>true"
            "</tt:AutoNegotiation><tt:Speed>100</tt:Speed><tt:Duplex>Full</tt:Duplex>"
            "</tt:AdminSettings><tt:OperSettings><tt:AutoNegotiation>true</tt:AutoNegotiation>"
            "<tt:Speed>100</tt:Speed><tt:Duplex>Full</tt:Duplex></tt:OperSettings>"
            "<tt:InterfaceType>0</tt:InterfaceType></tt:Link><tt:IPv4><tt:Enabled>true"
            "</tt:Enabled><tt:Config><tt:Manual>"
            f"<tt:Address>{escape(values.get('ip', ''))}</tt:Address>"
            "<tt:PrefixLength>24</tt:PrefixLength></tt:Manual><tt:DHCP>false</tt:DHCP>"
            "</tt:Config></tt:IPv4></tds:NetworkInterfaces></tds:GetNetworkInterfacesResponse>")


_STREAMS = (("Profile_1", "mainStream", 1920, 1080, 4096), ("Profile_2", "subStream", 640, 360,
                                                              512))


def _profiles(spec: OnvifSpec | None, values: Mapping[str, str], now: float) -> str:
    inner = ""
    for number, (token, name, width, height, bitrate) in enumerate(_STREAMS, start=1):
        inner += (f'<trt:Profiles fixed="true" token="{token}"><tt:Name>{name}</tt:Name>'
                  '<tt:VideoSourceConfiguration token="VideoSourceToken"><tt:Name>VideoSource_1'
                  "</tt:Name><tt:UseCount>2</tt:UseCount><tt:SourceToken>VideoSource_1"
                  '</tt:SourceToken><tt:Bounds x="0" y="0" width="1920" height="1080"/>'
                  f'</tt:VideoSourceConfiguration><tt:VideoEncoderConfiguration '
                  f'token="VideoEncoderToken_{number}"><tt:Name>VideoEncoder_{number}</tt:Name>'
                  "<tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding><tt:Resolution>"
                  f"<tt:Width>{width}</tt:Width><tt:Height>{height}</tt:Height></tt:Resolution>"
                  "<tt:Quality>3</tt:Quality><tt:RateControl><tt:FrameRateLimit>25"
                  "</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>"
                  f"<tt:BitrateLimit>{bitrate}</tt:BitrateLimit></tt:RateControl><tt:H264>"
                  "<tt:GovLength>50</tt:GovLength><tt:H264Profile>Main</tt:H264Profile>"
                  "</tt:H264><tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>"
                  "0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>0</tt:Port><tt:TTL>0</tt:TTL>"
                  "<tt:AutoStart>false</tt:AutoStart></tt:Multicast><tt:SessionTimeout>PT60S"
                  "</tt:SessionTimeout></tt:VideoEncoderConfiguration></trt:Profiles>")
    return f"<trt:GetProfilesResponse>{inner}</trt:GetProfilesResponse>"


_BUILDERS = {"GetSystemDateAndTime": _date_and_time, "GetCapabilities": _capabilities,
             "GetServices": _services, "GetDeviceInformation": _information,
             "GetNetworkInterfaces": _interfaces, "GetProfiles": _profiles}
