from __future__ import annotations

from camaudit.protocols import sadp

REPLY = (b"\xef\xbb\xbf  <?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<ProbeMatch><Types>inquiry"
         b"</Types><DeviceDescription>DS-7804HQH-K1</DeviceDescription></ProbeMatch>")


def test_decode_and_identify() -> None:
    assert ("sadp.model", "DS-7804HQH-K1") in {(o.key, o.value) for o in sadp.identify(REPLY)}
    assert sadp.decode(b"not xml", "s") == []


def test_probe_goes_to_the_sadp_group() -> None:
    p = sadp.PROTOCOL
    assert (p.port, p.group, p.listen_port, p.kind) == (37020, "239.255.255.250", 37020, "sadp")
    assert b"<Types>inquiry</Types>" in p.probes()[0]
