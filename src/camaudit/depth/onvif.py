"""ONVIF device calls for depth, sans-I/O: the SOAP envelopes and what their replies say.

Read-only ``Get*`` operations only. ``envelope(call)`` without a credential is the
pre-authentication form (the ONVIF core specification lets ``GetSystemDateAndTime`` and
``GetServices`` be asked by anyone; a device that also answers ``GetDeviceInformation`` so is
an exposure); with a credential it carries a WS-Security UsernameToken with a password digest.
"""

from __future__ import annotations

import base64
import os
import time
from xml.sax.saxutils import escape

from camaudit.credentials import Credential
from camaudit.model import Observation
from camaudit.screening.onvif import (
    BASE64_BINARY,
    NS_DEVICE,
    NS_MEDIA,
    NS_SOAP,
    NS_WSSE,
    NS_WSU,
    PASSWORD_DIGEST,
    parse_reply,
    password_digest,
    service_paths,
)
from camaudit.wire.mac import normalize_mac
from camaudit.wire.xmldoc import find_all, local, text_of

DEVICE_PATH = "/onvif/device_service"
CALLS = {"GetSystemDateAndTime": NS_DEVICE, "GetServices": NS_DEVICE,
         "GetDeviceInformation": NS_DEVICE, "GetNetworkInterfaces": NS_DEVICE,
         "GetProfiles": NS_MEDIA}
_INFO = {"Manufacturer": "onvif.manufacturer", "Model": "onvif.model",
         "FirmwareVersion": "onvif.firmware", "SerialNumber": "onvif.serial",
         "HardwareId": "onvif.hardware"}
UNAUTHENTICATED = "onvif.unauthenticated"
MAX_FIELD = 200

__all__ = ["CALLS", "DEVICE_PATH", "UNAUTHENTICATED", "envelope", "headers", "info_observations",
           "interface_observations", "parse_reply", "profile_count", "service_paths"]


def _security(credential: Credential, nonce: bytes, created: str) -> str:
    digest = password_digest(nonce, created, credential.password)
    return (f'<s:Header><wsse:Security xmlns:wsse="{NS_WSSE}" xmlns:wsu="{NS_WSU}" '
            's:mustUnderstand="1"><wsse:UsernameToken>'
            f"<wsse:Username>{escape(credential.user)}</wsse:Username>"
            f'<wsse:Password Type="{PASSWORD_DIGEST}">{digest}</wsse:Password>'
            f'<wsse:Nonce EncodingType="{BASE64_BINARY}">'
            f"{base64.b64encode(nonce).decode('ascii')}</wsse:Nonce>"
            f"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"
            "</s:Header>")


def envelope(call: str, credential: Credential | None = None, *, nonce: bytes | None = None,
             created: str | None = None) -> bytes:
    """The SOAP 1.2 request for ``call`` (one of ``CALLS``), signed when given a credential."""
    if call not in CALLS:
        raise ValueError(f"not a read-only ONVIF call: {call!r}")
    inner = ("<m:IncludeCapability>false</m:IncludeCapability>" if call == "GetServices"
             else "")
    header = ""
    if credential is not None:
        header = _security(credential, os.urandom(16) if nonce is None else nonce,
                           created or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<s:Envelope xmlns:s="{NS_SOAP}" xmlns:m="{CALLS[call]}">{header}'
            f"<s:Body><m:{call}>{inner}</m:{call}></s:Body></s:Envelope>").encode()


def headers(call: str) -> tuple[tuple[str, str], ...]:
    return (("Content-Type",
             f'application/soap+xml; charset=utf-8; action="{CALLS[call]}/{call}"'),)


def info_observations(body: bytes, source: str) -> list[Observation]:
    """``onvif.*`` observations of a GetDeviceInformation reply ([] for anything else)."""
    reply = parse_reply(body)
    if reply.root is None:
        return []
    out: list[Observation] = []
    for resp in find_all(reply.root, "GetDeviceInformationResponse"):
        for child in resp:
            key = _INFO.get(local(child.tag))
            value = " ".join(text_of(child).split())[:MAX_FIELD]
            if key is not None and value:
                out.append(Observation(key, value, source))
    return out


def interface_observations(body: bytes, source: str) -> list[Observation]:
    """The MAC address of each interface in a GetNetworkInterfaces reply."""
    reply = parse_reply(body)
    if reply.root is None:
        return []
    out: list[Observation] = []
    for hw in find_all(reply.root, "HwAddress"):
        mac = normalize_mac(text_of(hw))
        if mac:
            out.append(Observation("mac.address", mac, source))
    return out


def profile_count(body: bytes) -> int | None:
    """How many media profiles a GetProfiles reply lists (None if it is not one)."""
    reply = parse_reply(body)
    if reply.root is None or not find_all(reply.root, "GetProfilesResponse"):
        return None
    return len(find_all(reply.root, "Profiles"))
