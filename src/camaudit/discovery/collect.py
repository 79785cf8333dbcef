"""Socket side of discovery: send the probes on one interface, gather every datagram.

``collect(iface, wait, listen, targets)`` opens one socket per protocol (``net.multicast``:
bound to the interface, TTL 1), sends each probe to its multicast group and/or the broadcast
addresses (unless ``active`` is False) and unicast to each routed target, then records every
datagram until the window closes: ``wait`` seconds for replies, ``listen`` seconds for
unsolicited announcements (WS-Discovery Hello on 3702, SSDP NOTIFY on 1900). ``onvif_calls``
makes the two pre-auth ONVIF POSTs to a target's device service.
"""

from __future__ import annotations

import logging
import selectors
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from camaudit.discovery.messages import (
    ANNOUNCE,
    BROADCAST,
    MAX_DATAGRAM,
    ONVIF_CALLS,
    PROTOCOLS,
    build_onvif_request,
    onvif_answered,
)
from camaudit.net.multicast import Interface, udp_socket
from camaudit.wire.framing import Framer
from camaudit.wire.http import BODY_LIMIT, parse_response

log = logging.getLogger(__name__)

MAX_REPLIES = 4096
RESEND_AFTER = 0.3  # one repeat of every probe: UDP drops packets


@dataclass(frozen=True, slots=True)
class Reply:
    """One datagram received: who sent it, for which protocol, and the bytes."""

    ip: str
    proto: str
    data: bytes
    passive: bool = False  # arrived on an announcement socket


@dataclass(slots=True)
class _Endpoint:
    proto: str
    sock: socket.socket
    passive: bool


def _open(iface: Interface, proto: str, port: int, group: str | None, broadcast: bool,
          passive: bool) -> _Endpoint | None:
    groups = (group,) if group and port else ()
    try:
        return _Endpoint(proto, udp_socket(iface, port, groups=groups, broadcast=broadcast),
                         passive)
    except OSError as e:
        if passive or port == 0:
            log.warning("%s: cannot listen on udp/%d: %s", proto, port, e.strerror or e)
            return None
    # The well-known port is taken (another tool runs): replies to our own port still come.
    log.info("%s: udp/%d busy, using an ephemeral port", proto, port)
    try:
        return _Endpoint(proto, udp_socket(iface, 0, broadcast=broadcast), passive)
    except OSError as e:
        log.warning("%s: cannot open a socket: %s", proto, e.strerror or e)
        return None


def _send(ep: _Endpoint, payloads: list[bytes], dests: list[tuple[str, int]]) -> None:
    for payload in payloads:
        for dest in dests:
            try:
                ep.sock.sendto(payload, dest)
            except OSError as e:
                log.info("%s: cannot send to %s:%d: %s", ep.proto, dest[0], dest[1],
                         e.strerror or e)


def _destinations(iface: Interface, proto: str, targets: Sequence[str],
                  active: bool) -> list[tuple[str, int]]:
    p = PROTOCOLS[proto]
    dests: list[tuple[str, int]] = []
    if active:
        if p.group:
            dests.append((p.group, p.port))
        if p.broadcast:
            dests.extend([(iface.broadcast, p.port), (BROADCAST, p.port)])
    if p.unicast:
        dests.extend((t, p.port) for t in targets)
    return dests


def collect(iface: Interface, wait: float, listen: float = 0.0, targets: Sequence[str] = (),
            *, active: bool = True, protocols: Sequence[str] | None = None,
            clock: Callable[[], float] = time.monotonic) -> list[Reply]:
    """Probe on ``iface`` and return every datagram received within the window."""
    names = list(protocols) if protocols is not None else list(PROTOCOLS)
    endpoints: list[_Endpoint] = []
    sel = selectors.DefaultSelector()
    replies: list[Reply] = []
    try:
        if active or targets:
            for name in names:
                p = PROTOCOLS[name]
                ep = _open(iface, name, p.listen_port, p.group, p.broadcast, False)
                if ep is not None:
                    endpoints.append(ep)
        if listen > 0:
            for name, (port, group) in ANNOUNCE.items():
                if name in names:
                    ep = _open(iface, name, port, group, False, True)
                    if ep is not None:
                        endpoints.append(ep)
        for ep in endpoints:
            sel.register(ep.sock, selectors.EVENT_READ, ep)
        sending = [(ep, PROTOCOLS[ep.proto].probes(),
                    _destinations(iface, ep.proto, targets, active))
                   for ep in endpoints if not ep.passive]
        start = clock()
        deadline = start + max(wait if sending else 0.0, listen)
        resend: float | None = start + RESEND_AFTER
        for ep, payloads, dests in sending:
            _send(ep, payloads, dests)
        while len(replies) < MAX_REPLIES:
            now = clock()
            if now >= deadline:
                break
            if resend is not None and now >= resend:
                resend = None
                for ep, payloads, dests in sending:
                    _send(ep, payloads, dests)
            timeout = deadline - now if resend is None else min(deadline, resend) - now
            for key, _ in sel.select(max(timeout, 0.0)):
                ep = key.data
                try:
                    data, (ip, _port) = ep.sock.recvfrom(MAX_DATAGRAM)
                except OSError:
                    continue
                if ip != iface.address:
                    replies.append(Reply(ip, ep.proto, data, ep.passive))
    finally:
        sel.close()
        for ep in endpoints:
            ep.sock.close()
    return replies


def onvif_calls(ip: str, port: int = 80, timeout: float = 2.0) -> list[str]:
    """The pre-auth ONVIF calls (GetSystemDateAndTime, GetServices) ``ip:port`` answered."""
    answered = []
    for call in ONVIF_CALLS:
        try:
            with socket.create_connection((ip, port), timeout=timeout) as s:
                s.sendall(build_onvif_request(call, ip, port))
                buf = bytearray()
                complete = Framer("http")
                while len(buf) < BODY_LIMIT and not (buf and complete(bytes(buf))):
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    buf += chunk
        except OSError as e:
            log.debug("onvif %s on %s:%d: %s", call, ip, port, e)
            continue
        resp = parse_response(bytes(buf))
        if resp.valid and onvif_answered(resp.body, call):
            answered.append(call)
    return answered
