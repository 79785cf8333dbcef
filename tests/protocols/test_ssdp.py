from __future__ import annotations

from camaudit.protocols import ssdp


def test_identify_accepts_lf_line_ends() -> None:
    reply = (b"HTTP/1.1 200 OK\nSERVER: Linux UPnP/1.0 Sonos/74.0-43110 (ZPS15)\n"
             b"ST: upnp:rootdevice\n\n")
    got = {(o.key, o.value) for o in ssdp.identify(reply)}
    assert ("ssdp.server", "Linux UPnP/1.0 Sonos/74.0-43110 (ZPS15)") in got


def test_search_only_multicast() -> None:
    p = ssdp.PROTOCOL
    assert not p.unicast and p.announces_on == (1900, "239.255.255.250")
    assert p.probes()[0].startswith(b"M-SEARCH")
