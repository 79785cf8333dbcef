from __future__ import annotations

import random

from camaudit.wire import banner

# Recog telnet_banners.xml: Hikvision firmware default IP in the prompt (facts §4.1).
IAC_NEGOTIATION = bytes([255, 251, 1, 255, 251, 3, 255, 253, 24, 255, 250, 24, 1, 255, 240])


def test_telnet_prompt_with_iac() -> None:
    data = IAC_NEGOTIATION + b"\r\n192.0.0.64 login: "
    obs = banner.observations(23, data, "tcp/23")
    assert obs[0].key == "banner.hex" and obs[0].value == "23:" + data[:64].hex()
    assert (obs[1].key, obs[1].value) == ("telnet.banner", "192.0.0.64 login:")


def test_hex_is_first_64_bytes_lower_case() -> None:
    data = bytes([0, 0, 0, 0x10, 0, 0, 0, 0x1E]) * 10  # nmap 1821 shape, repeated
    (obs,) = banner.observations(8000, data, "tcp/8000")
    assert obs.value == "8000:" + data[:64].hex() and len(obs.value) == 5 + 128


def test_prompt_on_other_port_and_no_prompt() -> None:
    assert [o.key for o in banner.observations(2323, b"DVR login: ", "s")] == [
        "banner.hex", "telnet.banner"]
    assert [o.key for o in banner.observations(21, b"220 FTP ready\r\n", "s")] == ["banner.hex"]
    assert banner.observations(23, b"", "s") == []


def test_strip_telnet() -> None:
    assert banner.strip_telnet(b"a\xff\xffb\xff\xfb\x01c") == (b"a\xffbc", True)
    assert banner.strip_telnet(b"plain") == (b"plain", False)
    assert banner.strip_telnet(b"x\xff\xfa\x18unterminated") == (b"x", True)
    assert banner.strip_telnet(b"x\xff") == (b"x", True)


def test_never_raises() -> None:
    rng = random.Random(9)
    for _ in range(300):
        data = rng.randbytes(rng.randrange(0, 300))
        banner.observations(rng.choice([23, 8000]), data, "s")
