"""Depth for one host after its probes: what it says of itself, before and after login.

``deepen(host, transport, ...)`` runs inside the host's scan task (same deadline, byte budget
and connection limit) and returns the host with more observations, errors and, for a recorder,
the cameras on its channels:

1. **Without credentials**, on every host with an HTTP port: the ONVIF ``GetDeviceInformation``
   call unsigned. A device that answers it tells its maker, model, firmware and serial to
   anyone (``onvif.unauthenticated``, an exposure). Then the vendors' discovery searches
   (SADP, DHIP, DVRIP), unicast and at once, to a host that shows a maker's port or is a
   camera of unknown maker (it spoke ONVIF).
2. **With the operator's credential** for the host (``credentials.CredentialSet``: by address,
   network or the maker the probes found), through one ``Session``: a DVRIP login and
   SystemInfo, the maker's own read-only API (Hikvision ISAPI, Dahua CGI; a recorder's channel
   list only from a recorder), then ONVIF device information, interfaces and profiles. The
   first refusal ends every request to the host (``credentials refused``, a device error).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass

from camaudit.credentials import Credential, CredentialSet
from camaudit.depth import channels as chans
from camaudit.depth import onvif, xiongmai
from camaudit.depth.session import PLAIN_BASIC, REFUSED, Reply, Session
from camaudit.fingerprints.matcher import Matcher
from camaudit.model import Observation, Port, ProbeError
from camaudit.net.transport import Transport
from camaudit.protocols import REGISTRY, source_label
from camaudit.protocols.base import MAX_DATAGRAM
from camaudit.wire import bodyfmt
from camaudit.wire import dvrip as wire_dvrip
from camaudit.wire import isapi as wire_isapi
from camaudit.wire.mac import normalize_mac
from camaudit.wire.xmldoc import find_all, local, parse_xml, text_of

HTTP_SERVICES = ("http", "https", "onvif")
TLS_PORTS = frozenset({443, 8443})

HIK_INFO = "/ISAPI/System/deviceInfo"
HIK_INTERFACES = "/ISAPI/System/Network/interfaces"
HIK_CHANNELS = "/ISAPI/ContentMgmt/InputProxy/channels"
HIK_CHANNEL_STATUS = "/ISAPI/ContentMgmt/InputProxy/channels/status"
HIK_EZVIZ = "/ISAPI/System/Network/EZVIZ"
DAHUA_INFO = ("/cgi-bin/magicBox.cgi?action=getSystemInfo",
              "/cgi-bin/magicBox.cgi?action=getDeviceType",
              "/cgi-bin/magicBox.cgi?action=getSoftwareVersion")
DAHUA_CAMERAS = "/cgi-bin/LogicDeviceManager.cgi?action=getCameraAll"
DAHUA_P2P = "/cgi-bin/configManager.cgi?action=getConfig&name=T2UServer"
# A vendor's discovery search sent to one host (it answers the sender, facts §1.1, §2.1):
# protocol -> (the TCP ports that suggest the maker, the maker).
UNICAST = {"sadp": (frozenset({8000}), "Hikvision"), "dhip": (frozenset({37777}), "Dahua"),
           "dvrip": (frozenset({34567}), "Xiongmai")}
DATAGRAM_WAIT = 1.0


@dataclass(frozen=True, slots=True)
class Depth:
    """What depth added to a host."""

    observations: tuple[Observation, ...] = ()
    channels: tuple[chans.Channel, ...] = ()
    errors: tuple[ProbeError, ...] = ()
    logins: int = 0
    refused: bool = False


def http_ports(ports: Sequence[Port]) -> list[tuple[int, bool]]:
    """(port, tls) of each HTTP-speaking port: plain ones first, then TLS; within each, the
    ONVIF port first, then by number."""
    onvif_ports = {p.port for p in ports if p.service == "onvif"}
    out = [(p.port, p.service == "https" or p.port in TLS_PORTS) for p in ports
           if p.service in HTTP_SERVICES or p.port in (80, 443, 8080, 8443, 8899)]
    return sorted(dict.fromkeys(out), key=lambda pt: (pt[1], pt[0] not in onvif_ports, pt[0]))


def _source(port: int, tls: bool, what: str, signed: bool) -> str:
    return f"tcp/{port} {'https' if tls else 'http'} {what}" + (" (credentials)" if signed
                                                                 else "")


# A device type that says "recorder": only recorders are asked for their channel lists.
_RECORDER = re.compile(r"(?i)(?:^|[^a-z])(?:[nhxd]vr|hcvr|recorder)")


class _Collector:
    def __init__(self, session: Session, tls_port: int | None = None) -> None:
        self.session = session
        self.obs: list[Observation] = []
        self.channels: list[list[chans.Channel]] = []
        self.errors: list[ProbeError] = []
        self.tls_port = tls_port  # where to go when plain http offers only Basic
        self.moved = False  # went there: later requests go there straight
        self.onvif = False  # the host answered a SOAP envelope (a reply or a fault): a camera

    def recorder(self, *keys: str) -> bool:
        """True when what the device said of its type (``keys``) names a recorder."""
        for o in self.obs:
            value = o.value.split("=", 1)[1] if o.key == "cgi.field" and "=" in o.value \
                else o.value
            name = o.value.split("=", 1)[0] if o.key == "cgi.field" else o.key
            if name in keys and _RECORDER.search(value):
                return True
        return False

    def note(self, port: int, what: str, reply: Reply) -> None:
        if reply.problem and reply.problem not in [e.message for e in self.errors]:
            if reply.problem == REFUSED or not reply.problem.startswith("not sent"):
                self.errors.append(ProbeError(f"tcp/{port} {what}", reply.problem))

    async def get(self, port: int, tls: bool, path: str) -> bytes | None:
        if self.moved and self.tls_port is not None:
            port, tls = self.tls_port, True
        reply = await self.session.request(port, path, tls=tls)
        if reply.problem == PLAIN_BASIC and self.tls_port is not None and not tls:
            # Basic only over plain http: the same request over the device's TLS port
            port, tls, self.moved = self.tls_port, True, True
            reply = await self.session.request(port, path, tls=True)
        self.note(port, f"GET {path}", reply)
        return reply.response.body if reply.ok and reply.response is not None else None

    async def soap(self, port: int, tls: bool, path: str, call: str,
                   credential: Credential | None) -> bytes | None:
        reply = await self.session.request(port, path, tls=tls, method="POST",
                                           body=onvif.envelope(call, credential),
                                           headers=onvif.headers(call))
        if reply.problem == REFUSED:
            self.note(port, f"ONVIF {call}", reply)
        resp = reply.response
        if resp is None:
            return None
        parsed = onvif.parse_reply(resp.body)
        self.onvif = self.onvif or parsed.root is not None or bool(parsed.fault)
        if credential is not None and parsed.fault == "NotAuthorized":
            self.session.refused = True  # the WS-Security token was refused: stop here too
            self.note(port, f"ONVIF {call}", Reply(resp, REFUSED))
            return None
        return resp.body if resp.status == 200 else None


async def _unauthenticated_onvif(c: _Collector, port: int, tls: bool) -> bool:
    body = await c.soap(port, tls, onvif.DEVICE_PATH, "GetDeviceInformation", None)
    if body is None:
        return False
    got = onvif.info_observations(body, _source(port, tls, "ONVIF GetDeviceInformation", False))
    if got:
        c.obs.extend(got)
        c.obs.append(Observation(onvif.UNAUTHENTICATED, "GetDeviceInformation", got[0].source))
    return bool(got)


async def _hikvision(c: _Collector, port: int, tls: bool) -> None:
    info = await c.get(port, tls, HIK_INFO)
    if info is not None:
        c.obs.extend(wire_isapi.observations(wire_isapi.parse(info),
                                             _source(port, tls, f"GET {HIK_INFO}", True)))
    if c.session.refused:
        return
    interfaces = await c.get(port, tls, HIK_INTERFACES)
    if interfaces is not None:
        root, _ = parse_xml(interfaces)
        for elem in [] if root is None else root.iter():
            if local(elem.tag) == "MACAddress" and (mac := normalize_mac(text_of(elem))):
                c.obs.append(Observation("mac.address", mac,
                                         _source(port, tls, f"GET {HIK_INTERFACES}", True)))
    for path in (HIK_CHANNELS, HIK_CHANNEL_STATUS):
        if c.session.refused or not c.recorder("isapi.device_type"):
            break
        body = await c.get(port, tls, path)
        if body is not None:
            c.channels.append(chans.isapi_channels(body))
    if not c.session.refused and (body := await c.get(port, tls, HIK_EZVIZ)) is not None:
        root, _ = parse_xml(body)
        enabled = [text_of(e).strip().lower() for e in find_all(root, "enabled")] if root else []
        if enabled and enabled[0] in ("true", "false"):
            c.obs.append(Observation("p2p.enabled", enabled[0],
                                     _source(port, tls, f"GET {HIK_EZVIZ}", True)))


async def _dahua(c: _Collector, port: int, tls: bool) -> None:
    for path in DAHUA_INFO:
        if c.session.refused:
            return
        body = await c.get(port, tls, path)
        if body is not None:
            c.obs.extend(bodyfmt.kv_observations(body.decode("utf-8", "replace"),
                                                 _source(port, tls, f"GET {path}", True)))
    if (not c.session.refused and c.recorder("deviceType", "type")
            and (body := await c.get(port, tls, DAHUA_CAMERAS)) is not None):
        c.channels.append(chans.dahua_cameras(body.decode("utf-8", "replace")))
    if not c.session.refused and (body := await c.get(port, tls, DAHUA_P2P)) is not None:
        for line in body.decode("utf-8", "replace").splitlines()[:64]:
            name, _, value = line.strip().partition("=")
            if name.endswith("T2UServer.Enable") and value.lower() in ("true", "false"):
                c.obs.append(Observation("p2p.enabled", value.lower(),
                                         _source(port, tls, f"GET {DAHUA_P2P}", True)))
                break


async def _onvif(c: _Collector, port: int, tls: bool, credential: Credential,
                 answered: bool) -> None:
    if not answered:
        body = await c.soap(port, tls, onvif.DEVICE_PATH, "GetDeviceInformation", credential)
        if body is None:
            return
        c.obs.extend(onvif.info_observations(
            body, _source(port, tls, "ONVIF GetDeviceInformation", True)))
    if c.session.refused:
        return
    body = await c.soap(port, tls, onvif.DEVICE_PATH, "GetNetworkInterfaces", credential)
    if body is not None:
        c.obs.extend(onvif.interface_observations(
            body, _source(port, tls, "ONVIF GetNetworkInterfaces", True)))
    if c.session.refused:
        return
    services = await c.soap(port, tls, onvif.DEVICE_PATH, "GetServices", None)
    root = onvif.parse_reply(services).root if services is not None else None
    media = onvif.service_paths(root).get(onvif.CALLS["GetProfiles"]) if root is not None else None
    body = await c.soap(port, tls, media or "/onvif/media_service", "GetProfiles", credential)
    count = onvif.profile_count(body) if body is not None else None
    if count is not None:
        c.obs.append(Observation("onvif.profiles", str(count),
                                 _source(port, tls, "ONVIF GetProfiles", True)))


async def _searches(c: _Collector, ip: str, transport: Transport, open_ports: set[int],
                    maker: str | None, timeout: float) -> None:
    """The vendors' discovery searches, unicast and at once, to a host that shows the maker's
    ports or is a camera of unknown maker (it answered ONVIF)."""

    async def one(name: str) -> None:
        proto = REGISTRY[name]
        ex = await transport.datagram(ip, proto.port, proto.probes()[0], timeout=timeout,
                                      max_bytes=MAX_DATAGRAM)
        if ex.data:
            c.obs.extend(proto.decode(ex.data, source_label(name, proto.port)))

    names = [name for name, (ports, owner) in UNICAST.items()
             if open_ports & ports or maker == owner or (maker is None and c.onvif)]
    await asyncio.gather(*(one(name) for name in names))


async def _dvrip(c: _Collector, ip: str, transport: Transport, credential: Credential,
                 timeout: float) -> None:
    """Log in over DVRIP once and ask for SystemInfo in the login's session."""
    port = wire_dvrip.TCP_PORT

    turns: list[bytes] = []

    def answer(reply: bytes) -> bytes | None:
        turns.append(reply)
        if len(turns) > 1:  # SystemInfo came back: done
            return None
        accepted, session = xiongmai.login_result(reply)
        return xiongmai.info_request(session) if accepted else None

    c.session.logins += 1
    ex = await transport.converse(ip, port, xiongmai.login_request(credential), answer,
                                  timeout=timeout, max_bytes=xiongmai.MAX_REPLY,
                                  complete=xiongmai.complete)
    first, rest = xiongmai.split(ex.data)
    accepted, _ = xiongmai.login_result(first)
    if accepted is False:
        c.session.refused = True
        c.errors.append(ProbeError(f"tcp/{port} DVRIP login", REFUSED))
        return
    if accepted is None:
        c.errors.append(ProbeError(f"tcp/{port} DVRIP login",
                                   ex.error or "no DVRIP login reply"))
        return
    if rest:
        c.obs.extend(wire_dvrip.observations(
            wire_dvrip.parse(rest), f"tcp/{port} DVRIP SystemInfo (credentials)"))


def _maker_guess(observations: Sequence[Observation], matcher: Matcher) -> str | None:
    from camaudit.devices import identity_of

    return identity_of(matcher.match_all(observations)).maker


async def deepen(ip: str, ports: Sequence[Port], observations: Sequence[Observation],
                 transport: Transport, matcher: Matcher, credentials: CredentialSet | None = None,
                 *, timeout: float = 5.0, allow_plain_basic: bool = False) -> Depth:
    """Depth for host ``ip`` (see module doc); ``transport`` is the host's scan transport."""
    web = http_ports(ports)
    open_ports = {p.port for p in ports}
    maker = _maker_guess(observations, matcher)
    session = Session(ip, transport, None, timeout, allow_plain_basic)
    c = _Collector(session, next((p for p, tls in web if tls), None))
    answered = await _unauthenticated_onvif(c, *web[0]) if web else False
    await _searches(c, ip, transport, open_ports, maker, min(timeout, DATAGRAM_WAIT))
    if maker is None and c.obs:  # what it said before login may name the maker
        maker = _maker_guess([*observations, *c.obs], matcher)
    credential = credentials.for_device(ip, maker) if credentials else None
    if credential is not None:
        session.credential = credential
        if wire_dvrip.TCP_PORT in open_ports:
            await _dvrip(c, ip, transport, credential, timeout)
        if web and not session.refused:
            port, tls = web[0]
            if maker == "Hikvision" or 8000 in open_ports:
                await _hikvision(c, port, tls)
            if (maker == "Dahua" or 37777 in open_ports) and not session.refused:
                await _dahua(c, port, tls)
            if not session.refused:
                await _onvif(c, port, tls, credential, answered)
    return Depth(tuple(c.obs), tuple(chans.merge(*c.channels)), tuple(c.errors),
                 session.logins, session.refused)


__all__ = ["Depth", "deepen", "http_ports"]
