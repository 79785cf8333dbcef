from __future__ import annotations

import pytest

from camaudit.model import Port
from camaudit.wire import ports


def test_parse_and_canonical() -> None:
    parsed = ports.parse_ports("8000, 554/tcp,80/TCP 37810/udp,80")
    assert parsed == [Port(80, "tcp"), Port(554, "tcp"), Port(8000, "tcp"), Port(37810, "udp")]
    assert [(o.key, o.value) for o in ports.observations(parsed, "s")] == [
        ("ports.open", "80/tcp,554/tcp,8000/tcp,37810/udp")]


@pytest.mark.parametrize("text,bad", [("80,http", "'http'"), ("80/sctp", "'80/sctp'"),
                                      ("0", "'0'"), ("70000/tcp", "'70000/tcp'"), ("", "no ports")])
def test_errors_name_the_item(text: str, bad: str) -> None:
    with pytest.raises(ValueError, match=bad):
        ports.parse_ports(text)


def test_empty_observations() -> None:
    assert ports.observations([], "s") == []


def test_a_paste_of_blank_lines_is_linear() -> None:
    """Found by the property tests: ``^\\s*`` in the nmap-line pattern spans line ends, so 1 MiB
    of newlines (``identify --as open-ports``) took quadratic time: minutes."""
    import time

    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="no ports given"):
        ports.parse_ports("\n" * (1 << 20))
    assert time.perf_counter() - t0 < 2.0
