from __future__ import annotations

from camaudit.protocols import dhip


def test_identify_reads_other_dahua_json_messages() -> None:
    got = {(o.key, o.value) for o in dhip.identify(
        b'{"result":false,"error":{"code":268632079},"id":0,"params":null,"session":1}')}
    assert ("json.field", "error.code=268632079") in got
    assert dhip.identify(b"no json here") == []


def test_search_is_not_a_reply() -> None:
    assert dhip.decode(dhip.PROTOCOL.probes()[0], "s") == []
    assert dhip.PROTOCOL.broadcast and dhip.PROTOCOL.group == "239.255.255.251"
