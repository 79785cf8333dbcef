from __future__ import annotations

import socket
import threading

from camaudit.discovery.collect import _destinations, collect, onvif_calls
from camaudit.lab.plan import LabDevice
from camaudit.lab.profiles import load_profiles
from camaudit.lab.responders import Responder
from camaudit.net.multicast import Interface

LO = Interface("lo", "127.0.0.1", "255.0.0.0")


def dahua(ip: str) -> Responder:
    p = load_profiles()["dahua-ipc"]
    return Responder(p, LabDevice(ip, "4c:11:bf:00:00:01", p.id, p.maker, p.brand,
                                  "IPC-HDW5421S", "SER1", p.ports))


def test_unicast_only_without_active() -> None:
    assert _destinations(LO, "dhip", ["10.0.0.9"], active=False) == [("10.0.0.9", 37810)]
    assert _destinations(LO, "ssdp", ["10.0.0.9"], active=False) == []
    active = _destinations(LO, "dhip", [], active=True)
    assert ("239.255.255.251", 37810) in active and ("255.255.255.255", 37810) in active


def test_collect_gets_unicast_wsd_replies_on_loopback() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.2", 3702))
    server.settimeout(5)
    r = dahua("127.0.0.2")

    def answer() -> None:
        for _ in range(6):  # three probes, sent twice
            try:
                data, src = server.recvfrom(65535)
            except OSError:
                return
            reply = r.answer("wsd", data)
            if reply:
                server.sendto(reply, src)

    t = threading.Thread(target=answer)
    t.start()
    try:
        replies = collect(LO, 1.0, 0.0, ["127.0.0.2"], active=False, protocols=["wsd"])
    finally:
        t.join()
        server.close()
    assert replies and {x.ip for x in replies} == {"127.0.0.2"}
    assert all(x.proto == "wsd" and b"ProbeMatches" in x.data for x in replies)


def test_onvif_calls_against_a_loopback_device_service() -> None:
    listener = socket.create_server(("127.0.0.3", 0))
    port = listener.getsockname()[1]
    r = dahua("127.0.0.3")

    def serve() -> None:
        for _ in range(2):
            conn, _ = listener.accept()
            with conn:
                conn.sendall(r.onvif_reply(conn.recv(65536)))

    t = threading.Thread(target=serve)
    t.start()
    try:
        assert onvif_calls("127.0.0.3", port, 2.0) == ["GetSystemDateAndTime", "GetServices"]
    finally:
        t.join()
        listener.close()
    assert onvif_calls("127.0.0.3", port, 0.5) == []  # nothing listens any more
