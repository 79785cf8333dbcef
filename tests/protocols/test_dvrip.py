from __future__ import annotations

from camaudit.protocols import dvrip


def test_discovery_reads_search_replies_only_identify_reads_any_message() -> None:
    login = b'{ "DeviceType " : "IPC", "Ret" : 100, "SessionID" : "0x0000000F" }'
    assert ("dvrip.present", "true") in {(o.key, o.value) for o in dvrip.identify(login)}
    assert dvrip.decode(dvrip.PROTOCOL.probes()[0], "s") == []
