from __future__ import annotations

import random

from camaudit.wire import ssdp

REPLY = (b"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\n"
         b"LOCATION: http://127.0.0.9:49152/rootDesc.xml\r\nSERVER: Linux/2.6 UPnP/1.0 x/1.0\r\n"
         b"ST: upnp:rootdevice\r\nUSN: uuid:abc::upnp:rootdevice\r\n\r\n")
NOTIFY = (b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: urn:schemas-upnp-org:device:"
          b"Basic:1\r\nNTS: ssdp:alive\r\nUSN: uuid:abc\r\nLocation: http://127.0.0.9/d.xml\r\n\r\n")


def pairs(data: bytes) -> list[tuple[str, str]]:
    return [(o.key, o.value) for o in ssdp.observations(ssdp.parse(data), "udp/1900")]


def test_reply() -> None:
    assert pairs(REPLY) == [
        ("ssdp.server", "Linux/2.6 UPnP/1.0 x/1.0"), ("ssdp.st", "upnp:rootdevice"),
        ("ssdp.usn", "uuid:abc::upnp:rootdevice"),
        ("ssdp.location", "http://127.0.0.9:49152/rootDesc.xml")]


def test_notify_uses_nt_case_insensitively() -> None:
    assert pairs(NOTIFY) == [("ssdp.st", "urn:schemas-upnp-org:device:Basic:1"),
                             ("ssdp.usn", "uuid:abc"), ("ssdp.location", "http://127.0.0.9/d.xml")]
    assert ssdp.parse(NOTIFY).kind == "notify"


def test_msearch_is_not_a_reply() -> None:
    msearch = ssdp.build_msearch()
    assert msearch.startswith(b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n")
    assert b'MAN: "ssdp:discover"' in msearch and msearch.endswith(b"\r\n\r\n")
    assert not ssdp.parse(msearch).valid


def test_never_raises() -> None:
    rng = random.Random(8)
    for data in [REPLY[:i] for i in range(len(REPLY))] + [rng.randbytes(200) for _ in range(300)]:
        ssdp.observations(ssdp.parse(data), "s")
