"""Discovery responders of the namespace lab: one emulated device answering per its profile.

``Responder(profile, device)`` is sans-I/O: ``answer(proto, data)`` gives the reply bytes to a
probe (or None), ``announcements()`` the unsolicited messages (WS-Discovery Hello, SSDP
NOTIFY). Replies are templates of real samples from the facts: SADP ProbeMatch element order
of the DS-7804HQH-K1 capture (§1.3), DHIP ``client.notifyDevInfo`` of the AMP-Research reply
(§2.1), Dahua's legacy UDP 5050 reply in the layout of §2.2, Xiongmai 1531
``NetWork.NetCommon`` of python-dvr's SearchXM (§4.3), WS-Discovery ProbeMatch/Hello of
cogini/onvif's test data (§3.2). Field values come from the profile's ``discovery:`` section
(templates: ``{model}``, ``{serial}``, ``{mac}``, ``{ip}`` ...).

``python -m camaudit.lab.responders --iface IF`` reads one ``LabDevice`` JSON on stdin,
binds the sockets inside the current (namespace's) network, prints ``READY <pid>`` and
serves until SIGTERM; ``lab/netns.py`` starts one per device namespace.
"""

from __future__ import annotations

import argparse
import json
import os
import selectors
import signal
import socket
import struct
import sys
import time
import uuid
from xml.sax.saxutils import escape

from camaudit.discovery.messages import ONVIF_CALLS, ONVIF_PATH, parse_wsd_probe
from camaudit.lab.plan import LabDevice
from camaudit.lab.profiles import Profile, load_profiles
from camaudit.lab.render import build_reply, parse_head, render, request_values
from camaudit.net.multicast import interface, udp_socket
from camaudit.wire import dahua_legacy, dhip, dvrip, sadp, ssdp, wsd
from camaudit.wire.xmldoc import local, parse_xml

ANNOUNCE_EVERY = 1.0
_SADP_ORDER = ("Uuid", "Types", "DeviceType", "DeviceDescription", "DeviceSN", "CommandPort",
               "HttpPort", "MAC", "IPv4Address", "IPv4SubnetMask", "IPv4Gateway", "DHCP",
               "AnalogChannelNum", "DigitalChannelNum", "SoftwareVersion", "DSPVersion",
               "OEMInfo", "Activated")
_SADP_DEFAULTS = {"Types": "inquiry", "DeviceDescription": "{model}", "DeviceSN": "{serial}",
                  "CommandPort": "8000", "HttpPort": "80", "MAC": "{mac_dash}",
                  "IPv4Address": "{ip}", "IPv4SubnetMask": "255.255.255.0", "DHCP": "false",
                  "Activated": "true"}
_DHIP_DEFAULTS = {"DeviceType": "{model}", "SerialNo": "{serial}", "MachineName": "{serial}",
                  "HttpPort": "80", "Port": "37777"}
# Legacy reply: section 2 model, 16-byte device type, section 3 lines (facts §2.2); the Name
# default follows DHIP's MachineName (= serial in the AMP-Research sample).
_DHLEGACY_DEFAULTS = {"Model": "{model}", "DeviceType": "", "Name": "{serial}", "Device": "",
                      "SerialNo": "{serial}", "Port": "37777"}
_WSD_ENVELOPE = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<s:Envelope '
                 'xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
                 'xmlns:dn="http://www.onvif.org/ver10/network/wsdl" '
                 'xmlns:tds="http://www.onvif.org/ver10/device/wsdl" '
                 'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" '
                 'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing">\n  <s:Header>\n'
                 "    <a:MessageID>uuid:{mid}</a:MessageID>\n"
                 "    <a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>\n"
                 "    <a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/{action}"
                 "</a:Action>\n{relates}  </s:Header>\n  <s:Body>\n{body}  </s:Body>\n"
                 "</s:Envelope>\n")


def _int_or_text(value: str) -> int | str:
    return int(value) if value.isdigit() and len(value) < 10 else value


class Responder:
    """What one emulated device answers on the discovery protocols of its profile."""

    def __init__(self, profile: Profile, device: LabDevice) -> None:
        self.profile = profile
        self.device = device
        self.values = device.values(profile)
        self.values.setdefault("profile", profile.id)
        self.specs = {kind: dict(fields) for kind, fields in profile.discovery}

    @property
    def protocols(self) -> tuple[str, ...]:
        return tuple(self.specs)

    def _field(self, kind: str, name: str, default: str = "") -> str:
        return render(self.specs.get(kind, {}).get(name, default), self.values)

    def answer(self, proto: str, data: bytes) -> bytes | None:
        """The reply to datagram ``data`` received on ``proto``'s port, None to stay silent."""
        if proto not in self.specs:
            return None
        if proto == "sadp":
            return self._sadp(data)
        if proto == "dhip":
            return self._dhip(data)
        if proto == "dhlegacy":
            return self._dhlegacy(data)
        if proto == "dvrip":
            return self._dvrip(data)
        if proto == "wsd":
            return self._wsd_match(data)
        if proto == "ssdp":
            return self._ssdp_response(data)
        return None

    def _sadp(self, data: bytes) -> bytes | None:
        root, _ = parse_xml(data[:8192])
        if root is None or local(root.tag) != "Probe":
            return None
        fields = {e_name: (e.text or "").strip() for e in root if (e_name := local(e.tag))}
        if fields.get("Types") != "inquiry":
            return None
        spec = {**_SADP_DEFAULTS, **self.specs["sadp"], "Uuid": fields.get("Uuid", "")[:64]}
        names = list(_SADP_ORDER) + [n for n in spec if n not in _SADP_ORDER]
        lines = [f"    <{n}>{escape(render(spec[n], self.values))}</{n}>" for n in names
                 if render(spec.get(n, ""), self.values)]
        return ('<?xml version="1.0" encoding="UTF-8" ?>\n<ProbeMatch>\n' + "\n".join(lines)
                + "\n</ProbeMatch>\n").encode("utf-8")

    def _dhip(self, data: bytes) -> bytes | None:
        if dhip.parse(data).method != "DHDiscover.search":
            return None
        spec = {**_DHIP_DEFAULTS, **self.specs["dhip"]}
        info: dict[str, object] = {}
        for name, template in sorted(spec.items()):
            value = render(template, self.values)
            if value:
                info[name] = _int_or_text(value)
        info["IPv4Address"] = {"DefaultGateway": "", "DhcpEnable": False,
                               "IPAddress": self.device.ip, "SubnetMask": "255.255.255.0"}
        body = {"mac": self.device.mac, "method": "client.notifyDevInfo",
                "params": {"deviceInfo": info}}
        return dhip.frame(json.dumps(body).encode("utf-8") + b"\n")

    def _link_local(self) -> str:
        """EUI-64 link-local address of the device's MAC, as in the DHIP sample (§2.1)."""
        octets = bytes.fromhex(self.device.mac.replace(":", ""))
        eui = bytes([octets[0] ^ 0x02]) + octets[1:3] + b"\xff\xfe" + octets[3:]
        groups = [f"{int.from_bytes(eui[i: i + 2], 'big'):x}" for i in range(0, 8, 2)]
        return "fe80::" + ":".join(groups) + "/64"

    def _dhlegacy(self, data: bytes) -> bytes | None:
        if not dahua_legacy.is_search(data):
            return None
        spec = {**_DHLEGACY_DEFAULTS, **self.specs["dhlegacy"]}

        def field(name: str) -> str:
            return render(spec.get(name, ""), self.values)

        info = tuple((name, value) for name, value in
                     (("Name", field("Name")), ("Device", field("Device")),
                      ("IPv6Addr", self._link_local()), ("SerialNo", field("SerialNo")))
                     if value)
        port = field("Port")
        return dahua_legacy.build_reply(
            mac=self.device.mac, model=field("Model"), device_type=field("DeviceType"),
            ip=self.device.ip, tcp_port=int(port) if port.isdigit() and len(port) < 6 else 0,
            info=info)

    def _dvrip(self, data: bytes) -> bytes | None:
        if len(data) < dvrip.HEADER.size or data[0] != 0xFF:
            return None
        if dvrip.HEADER.unpack_from(data)[6] != dvrip.SEARCH:
            return None
        packed = socket.inet_aton(self.device.ip)
        common: dict[str, object] = {"HostIP": f"0x{struct.unpack('<I', packed)[0]:08X}",
                                     "MAC": self.device.mac, "TCPPort": dvrip.TCP_PORT,
                                     "HttpPort": 80}
        for name, template in self.specs["dvrip"].items():
            value = render(template, self.values)
            if value:
                common[name] = _int_or_text(value)
        payload = json.dumps({"NetWork.NetCommon": common}).encode("utf-8") + b"\n"
        return dvrip.HEADER.pack(0xFF, 0, 0, 0, 0, 0, dvrip.SEARCH_REPLY, len(payload)) \
            + payload

    def endpoint(self) -> str:
        """Hikvision-style time-based UUID whose node is the MAC (facts §3.2) or a random one
        derived from the MAC (Dahua's are v4)."""
        mac = int(self.device.mac.replace(":", ""), 16)
        if self._field("wsd", "endpoint") == "mac":
            return f"urn:uuid:{uuid.UUID(fields=(0xAA85C000, 0x6324, 0x11B3, 0x81, 0x9E, mac))}"
        return f"uuid:{uuid.UUID(int=(mac << 64) | 0x4000_8000_0000_0000, version=4)}"

    def _wsd_body(self, element: str) -> str:
        scopes = " ".join(s.replace(" ", "%20") for s in
                          render(self.specs["wsd"].get("scopes", ""), self.values).split("\n") if s)
        types = self._field("wsd", "types", "dn:NetworkVideoTransmitter tds:Device")
        xaddrs = self._field("wsd", "xaddrs", "http://{ip}/onvif/device_service")
        inner = (f"      <a:EndpointReference>\n        <a:Address>{escape(self.endpoint())}"
                 f"</a:Address>\n      </a:EndpointReference>\n"
                 f"      <d:Types>{escape(types)}</d:Types>\n"
                 f"      <d:Scopes>{escape(scopes)}</d:Scopes>\n"
                 f"      <d:XAddrs>{escape(xaddrs)}</d:XAddrs>\n"
                 f"      <d:MetadataVersion>{escape(self._field('wsd', 'metadata', '1'))}"
                 "</d:MetadataVersion>\n")
        if element == "ProbeMatch":
            return f"    <d:ProbeMatches>\n      <d:ProbeMatch>\n{inner}      </d:ProbeMatch>\n" \
                   "    </d:ProbeMatches>\n"
        return f"    <d:Hello>\n{inner}    </d:Hello>\n"

    def _wsd_match(self, data: bytes) -> bytes | None:
        probe = parse_wsd_probe(data)
        if not probe.valid:
            return None
        mine = {t.rsplit(":", 1)[-1] for t in
                self._field("wsd", "types", "dn:NetworkVideoTransmitter tds:Device").split()}
        wanted = {t.rsplit(":", 1)[-1] for t in probe.types.split()}
        if wanted and not wanted & mine:
            return None
        relates = f"    <a:RelatesTo>{escape(probe.message_id)}</a:RelatesTo>\n"
        return _WSD_ENVELOPE.format(mid=uuid.uuid4(), action="ProbeMatches", relates=relates,
                                    body=self._wsd_body("ProbeMatch")).encode("utf-8")

    def _ssdp_lines(self) -> list[str]:
        usn = f"uuid:{uuid.UUID(int=int(self.device.mac.replace(':', ''), 16))}"
        return ["CACHE-CONTROL: max-age=1800",
                f"LOCATION: {self._field('ssdp', 'location', 'http://{ip}/rootdesc.xml')}",
                f"SERVER: {self._field('ssdp', 'server')}",
                f"USN: {usn}::upnp:rootdevice"]

    def _ssdp_response(self, data: bytes) -> bytes | None:
        msg = ssdp.parse(data[:ssdp.LIMIT])
        if msg.kind != "search":
            return None
        lines = ["HTTP/1.1 200 OK", *self._ssdp_lines(), "ST: upnp:rootdevice", "EXT:"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")

    def announcements(self) -> list[tuple[str, bytes, tuple[str, int]]]:
        """(protocol, bytes, destination) of each unsolicited announcement the profile makes."""
        out: list[tuple[str, bytes, tuple[str, int]]] = []
        if self._field("wsd", "hello") == "true":
            hello = _WSD_ENVELOPE.format(mid=uuid.uuid4(), action="Hello", relates="",
                                         body=self._wsd_body("Hello"))
            out.append(("wsd", hello.encode("utf-8"), (wsd.GROUP, wsd.PORT)))
        if self._field("ssdp", "notify") == "true":
            lines = ["NOTIFY * HTTP/1.1", f"HOST: {ssdp.GROUP}:{ssdp.PORT}", *self._ssdp_lines(),
                     "NT: upnp:rootdevice", "NTS: ssdp:alive"]
            out.append(("ssdp", ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"),
                        (ssdp.GROUP, ssdp.PORT)))
        return out

    def onvif_reply(self, request: bytes) -> bytes:
        """HTTP reply to a POST to the ONVIF device service (the two pre-auth calls only)."""
        head = parse_head(request)
        call = next((c for c in ONVIF_CALLS if c.encode() in request[:65536]), None)
        if head.method != "POST" or head.path != ONVIF_PATH or call is None:
            return build_reply(400, "Bad Request", "HTTP/1.1", ("Content-Length: 0",
                                                                 "Connection: close"), b"", {})
        if call == "GetServices":
            inner = ("<tds:Service><tds:Namespace>http://www.onvif.org/ver10/device/wsdl"
                     f"</tds:Namespace><tds:XAddr>http://{self.device.ip}{ONVIF_PATH}"
                     "</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>0</tt:Minor>"
                     "</tds:Version></tds:Service>")
        else:
            t = time.gmtime()
            inner = (f"<tds:SystemDateAndTime><tt:UTCDateTime><tt:Time><tt:Hour>{t.tm_hour}"
                     f"</tt:Hour></tt:Time></tt:UTCDateTime></tds:SystemDateAndTime>")
        body = ('<?xml version="1.0" encoding="UTF-8"?><s:Envelope '
                'xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
                'xmlns:tt="http://www.onvif.org/ver10/schema" '
                'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><s:Body>'
                f"<tds:{call}Response>{inner}</tds:{call}Response></s:Body></s:Envelope>")
        return build_reply(200, "OK", "HTTP/1.1",
                           ("Content-Type: application/soap+xml; charset=utf-8",
                            "Content-Length: {content_length}", "Connection: close"),
                           body.encode("utf-8"), request_values(), template_body=False)


_PORTS = {"sadp": (sadp.PORT, sadp.GROUP, False), "dhip": (dhip.PORT, dhip.GROUP, True),
          "dhlegacy": (dahua_legacy.PORT, None, True),
          "dvrip": (dvrip.DISCOVERY_PORT, None, True), "wsd": (wsd.PORT, wsd.GROUP, False),
          "ssdp": (ssdp.PORT, ssdp.GROUP, False)}


def _register_mdns(responder: Responder, address: str) -> object:
    from zeroconf import ServiceInfo, Zeroconf

    name = responder._field("mdns", "name", "{profile}-{mac_hex}")
    zc = Zeroconf(interfaces=[address])
    info = ServiceInfo("_http._tcp.local.", f"{name}._http._tcp.local.", port=80,
                       addresses=[socket.inet_aton(address)], server=f"{name}.local.")
    zc.register_service(info, cooperating_responders=True)
    return zc


def serve(responder: Responder, iface_name: str, announce_every: float) -> None:
    """Answer probes and announce until SIGTERM/SIGINT."""
    nic = interface(iface_name)
    sel = selectors.DefaultSelector()
    for proto in responder.protocols:
        if proto in _PORTS:
            port, group, broadcast = _PORTS[proto]
            sock = udp_socket(nic, port, groups=(group,) if group else (), broadcast=broadcast)
            sel.register(sock, selectors.EVENT_READ, ("udp", proto))
    if "onvif" in responder.protocols:
        listener = socket.create_server((nic.address, 80), reuse_port=True)
        listener.setblocking(False)
        sel.register(listener, selectors.EVENT_READ, ("tcp", "onvif"))
    zc = _register_mdns(responder, nic.address) if "mdns" in responder.protocols else None
    stop = [False]

    def on_signal(signum: int, frame: object) -> None:
        stop[0] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"READY {os.getpid()}", flush=True)
    sender = udp_socket(nic, 0)
    next_announce = time.monotonic()
    while not stop[0]:
        if time.monotonic() >= next_announce:
            for _, data, dest in responder.announcements():
                sender.sendto(data, dest)
            next_announce = time.monotonic() + announce_every
        for key, _ in sel.select(min(announce_every, 0.5)):
            kind, proto = key.data
            try:
                if kind == "tcp":
                    conn, _ = key.fileobj.accept()  # type: ignore[union-attr]
                    with conn:
                        conn.settimeout(2.0)
                        conn.sendall(responder.onvif_reply(conn.recv(65536)))
                    continue
                data, src = key.fileobj.recvfrom(65535)  # type: ignore[union-attr]
                reply = responder.answer(proto, data)
                if reply is not None:
                    key.fileobj.sendto(reply, src)  # type: ignore[union-attr]
            except OSError:
                continue
    if zc is not None:
        zc.close()  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m camaudit.lab.responders")
    parser.add_argument("--iface", required=True)
    parser.add_argument("--announce", type=float, default=ANNOUNCE_EVERY)
    args = parser.parse_args(argv)
    try:
        device = LabDevice.from_json(json.loads(sys.stdin.read(1 << 20)))
        responder = Responder(load_profiles()[device.profile], device)
        serve(responder, args.iface, args.announce)
    except Exception as e:  # noqa: BLE001 - report any startup failure to the caller
        print(f"ERROR {type(e).__name__}: {e}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
