"""Discovery responders of the namespace lab: one emulated device answering per its profile.

``Responder(profile, device)`` is sans-I/O: ``answer(proto, data)`` gives the reply bytes to a
probe (or None), ``announcements()`` the unsolicited messages (WS-Discovery Hello, SSDP
NOTIFY). What each protocol answers is declared with the protocol (``camaudit.protocols``:
templates of real samples from the facts); field values come from the profile's
``discovery:`` section (templates: ``{model}``, ``{serial}``, ``{mac}``, ``{ip}``,
``{firmware_version}`` ...). The ONVIF device and media services (lab/onvif.py: the
pre-authentication calls for any ``discovery.onvif`` profile, the credentialed ones too when the
profile has an ``onvif:`` section) and mDNS are answered here.

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
import sys
import time

from camaudit.lab import onvif
from camaudit.lab.plan import LabDevice
from camaudit.lab.profiles import Profile, load_profiles
from camaudit.lab.render import build_reply, parse_head, render
from camaudit.net.multicast import interface, udp_socket
from camaudit.protocols import REGISTRY
from camaudit.protocols import wsd as wsd_protocol

ANNOUNCE_EVERY = 1.0


class _Device:
    """A responder's device as one protocol's responder reads it (``protocols.base.LabDevice``)."""

    def __init__(self, responder: Responder, proto: str) -> None:
        self.ip = responder.device.ip
        self.mac = responder.device.mac
        self._responder = responder
        self._proto = proto

    def field(self, name: str, default: str = "") -> str:
        return self._responder.field(self._proto, name, default)

    def spec(self) -> dict[str, str]:
        return dict(self._responder.specs.get(self._proto, {}))

    def render(self, template: str) -> str:
        return render(template, self._responder.values)


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

    def field(self, kind: str, name: str, default: str = "") -> str:
        return render(self.specs.get(kind, {}).get(name, default), self.values)

    def answer(self, proto: str, data: bytes) -> bytes | None:
        """The reply to datagram ``data`` received on ``proto``'s port, None to stay silent."""
        p = REGISTRY.get(proto)
        if proto not in self.specs or p is None:
            return None
        return p.respond(_Device(self, proto), data)

    def endpoint(self) -> str:
        """The WS-Discovery endpoint reference this device announces."""
        return wsd_protocol.endpoint(_Device(self, "wsd"))

    def announcements(self) -> list[tuple[str, bytes, tuple[str, int]]]:
        """(protocol, bytes, destination) of each unsolicited announcement the profile makes."""
        out: list[tuple[str, bytes, tuple[str, int]]] = []
        for name, p in REGISTRY.items():
            if p.announce is None or p.announces_on is None or name not in self.specs:
                continue
            data = p.announce(_Device(self, name))
            if data is not None:
                port, group = p.announces_on
                out.append((name, data, (group, port)))
        return out

    def onvif_reply(self, request: bytes) -> bytes:
        """HTTP reply to a POST (head and body in ``request``) to the ONVIF services."""
        head = parse_head(request)
        if head.method != "POST" or head.path not in onvif.PATHS:
            return build_reply(400, "Bad Request", "HTTP/1.1", ("Content-Length: 0",
                                                                 "Connection: close"), b"", {})
        body = request.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in request else b""
        answer = onvif.answer(self.profile.onvif, head.path, body, self.values)
        return build_reply(answer.status, answer.reason, "HTTP/1.1",
                           ("Content-Type: application/soap+xml; charset=utf-8",
                            "Content-Length: {content_length}", "Connection: close"),
                           answer.body, {}, template_body=False)


def _read_request(conn: socket.socket) -> bytes:
    """A request's head and its Content-Length body (at most 64 KiB in all, 2 s)."""
    data = b""
    while len(data) < onvif.MAX_BODY:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            length = (parse_head(head + sep).header("Content-Length") or "0").strip()
            if not length.isdigit() or len(body) >= int(length):
                break
    return data[:onvif.MAX_BODY + 16384]


def _register_mdns(responder: Responder, address: str) -> object:
    from zeroconf import ServiceInfo, Zeroconf

    name = responder.field("mdns", "name", "{profile}-{mac_hex}")
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
        p = REGISTRY.get(proto)
        if p is not None:
            sock = udp_socket(nic, p.port, groups=(p.group,) if p.group else (),
                              broadcast=p.broadcast)
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
                        conn.sendall(responder.onvif_reply(_read_request(conn)))
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
