from __future__ import annotations

from pathlib import Path

import pytest

from camaudit.errors import UsageError
from camaudit.targets import DEFAULT_PORTS, expand, in_scope, parse_port_spec


def fake_resolve(name: str) -> str:
    """Test resolver: a fixed table, so no test depends on DNS."""
    table = {"cam1.lan": "192.168.1.50", "public.example": "8.8.4.4"}
    if name not in table:
        raise UsageError(f"cannot resolve target '{name}'")
    return table[name]


def run(*specs: str, excludes: tuple[str, ...] = (), allow_public: bool = False,
        max_hosts: int = 65536) -> list[str]:
    return expand(list(specs), [], list(excludes), allow_public, max_hosts,
                  resolve=fake_resolve)


@pytest.mark.parametrize(("specs", "expected"), [
    (["192.168.1.10"], ["192.168.1.10"]),
    (["10.0.0.0/30"], ["10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3"]),
    (["10.0.0.5/31"], ["10.0.0.4", "10.0.0.5"]),  # host bits set, as nmap allows
    (["192.168.1.1-3"], ["192.168.1.1", "192.168.1.2", "192.168.1.3"]),
    (["10.0-1.0.1-2"], ["10.0.0.1", "10.0.0.2", "10.1.0.1", "10.1.0.2"]),
    (["10.0.0.1,3,7-8"], ["10.0.0.1", "10.0.0.3", "10.0.0.7", "10.0.0.8"]),
    (["10.0.0.253-"], ["10.0.0.253", "10.0.0.254", "10.0.0.255"]),
    (["10.0.0.-1"], ["10.0.0.0", "10.0.0.1"]),
    (["10.0.0.1,10.0.0.9"], ["10.0.0.1", "10.0.0.9"]),  # not an octet range: a list
    (["fd00::1"], ["fd00::1"]),
    (["[fe80::1]"], ["fe80::1"]),
    (["fd00::/127"], ["fd00::", "fd00::1"]),
    (["::1", "127.0.0.1"], ["::1", "127.0.0.1"]),
    (["169.254.3.4"], ["169.254.3.4"]),
    (["cam1.lan"], ["192.168.1.50"]),
    # ordered and unique: first occurrence wins
    (["10.0.0.2", "10.0.0.1-3", "10.0.0.2"], ["10.0.0.2", "10.0.0.1", "10.0.0.3"]),
])
def test_expand_good(specs: list[str], expected: list[str]) -> None:
    assert run(*specs) == expected


@pytest.mark.parametrize(("spec", "message"), [
    ("10.0.0.300", "bad target '10.0.0.300'"),
    ("10.0.0", "bad target '10.0.0'"),
    ("10.0.0.1.5", "bad target '10.0.0.1.5'"),
    ("10.0.0.9-3", "bad target '10.0.0.9-3'"),
    ("10.0.0.1-256", "bad target '10.0.0.1-256'"),
    ("10.0.0.0/33", "bad target '10.0.0.0/33'"),
    ("10.0.0.0/x", "bad target '10.0.0.0/x'"),
    ("fd00::zz", "bad target 'fd00::zz'"),
    ("bad_name!", "bad target 'bad_name!'"),
    ("-rf", "bad target '-rf'"),
    ("nosuch.lan", "cannot resolve target 'nosuch.lan'"),
    ("10.0.0.1,,10.0.0.2", "empty target in list"),
    ("8.8.8.8", "target 8.8.8.8 is public; pass --allow-public to scan it"),
    ("100.64.0.1", "target 100.64.0.1 is public; pass --allow-public to scan it"),
    ("public.example", "target 8.8.4.4 is public; pass --allow-public to scan it"),
    ("2001:db8::1", "target 2001:db8::1 is public; pass --allow-public to scan it"),
    ("224.0.0.251", "target 224.0.0.251 is not a unicast address"),
    ("10.0.0.0/8", "target '10.0.0.0/8' has 16777216 addresses, more than the limit of 65536"),
])
def test_expand_bad(spec: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        run(spec)
    assert str(info.value) == message
    assert "\n" not in str(info.value)


def test_allow_public_lets_public_addresses_through() -> None:
    assert run("8.8.8.8", "public.example", allow_public=True) == ["8.8.8.8", "8.8.4.4"]


def test_excludes_remove_addresses_in_every_form() -> None:
    got = run("10.0.0.0/28", excludes=("10.0.0.0-3,10.0.0.8/30", "10.0.0.15"))
    assert got == [f"10.0.0.{i}" for i in (4, 5, 6, 7, 12, 13, 14)]


def test_exclude_can_remove_a_public_address_before_the_scope_check() -> None:
    assert run("10.0.0.1", "8.8.8.8", excludes=("8.8.8.8",)) == ["10.0.0.1"]


def test_excluding_everything_gives_an_empty_list() -> None:
    assert run("10.0.0.1", excludes=("10.0.0.0/24",)) == []


def test_bad_exclude_is_named() -> None:
    with pytest.raises(UsageError, match=r"^bad target '10\.0\.0\.999' in --exclude$"):
        run("10.0.0.1", excludes=("10.0.0.999",))


def test_max_hosts_counts_the_union() -> None:
    assert len(run("10.0.0.0/24", max_hosts=256)) == 256
    with pytest.raises(UsageError, match="more than 300 targets"):
        run("10.0.0.0/24", "10.0.1.0/24", max_hosts=300)
    with pytest.raises(UsageError, match="'10.0.0-1.0-255' has 512 addresses"):
        run("10.0.0-1.0-255", max_hosts=300)


def test_no_targets_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="^no targets given$"):
        expand([], [], [], False)


def test_target_file_lines_whitespace_and_comments(tmp_path: Path) -> None:
    f = tmp_path / "targets.txt"
    f.write_text("# office cameras\n192.168.1.10 192.168.1.11\n\n10.0.0.1-2  # NVRs\n"
                 "\tcam1.lan\n", encoding="utf-8")
    got = expand(["192.168.1.11"], [f], [], False, resolve=fake_resolve)
    assert got == ["192.168.1.11", "192.168.1.10", "10.0.0.1", "10.0.0.2", "192.168.1.50"]


def test_target_file_bad_item_names_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "t.txt"
    f.write_text("10.0.0.1\n10.0.0.1 10.0.0.300\n", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        expand([], [f], [], False, resolve=fake_resolve)
    assert str(info.value) == f"bad target '10.0.0.300' in {f} line 2"


def test_missing_target_file(tmp_path: Path) -> None:
    missing = tmp_path / "x.txt"
    with pytest.raises(UsageError) as info:
        expand([], [missing], [], False)
    assert str(info.value) == f"cannot read target file '{missing}': No such file or directory"


def test_binary_target_file(tmp_path: Path) -> None:
    f = tmp_path / "bin.txt"
    f.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(UsageError, match="not UTF-8 text"):
        expand([], [f], [], False)


def test_localhost_resolves_with_the_real_resolver() -> None:
    assert expand(["localhost"], [], [], False) in (["127.0.0.1"], ["::1"])


@pytest.mark.parametrize(("ip", "inside"), [
    ("10.1.2.3", True), ("172.31.255.255", True), ("172.32.0.1", False),
    ("192.168.0.1", True), ("127.8.8.8", True), ("169.254.1.1", True), ("fc00::1", True),
    ("fdff::1", True), ("fe80::1", True), ("::1", True), ("::ffff:10.0.0.1", True),
    ("1.1.1.1", False), ("2001:4860::8888", False), ("::ffff:8.8.8.8", False),
])
def test_in_scope(ip: str, inside: bool) -> None:
    import ipaddress

    assert in_scope(ipaddress.ip_address(ip)) is inside


@pytest.mark.parametrize(("text", "expected"), [
    ("80", [80]),
    ("80,443,8000-8003", [80, 443, 8000, 8001, 8002, 8003]),
    ("443, 80 ,80", [80, 443]),
    ("1-3,65535", [1, 2, 3, 65535]),
])
def test_parse_port_spec_good(text: str, expected: list[int]) -> None:
    assert parse_port_spec(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("70000", "bad port '70000': ports are 1-65535"),
    ("0", "bad port '0': ports are 1-65535"),
    ("80,http", "bad port 'http'"),
    ("9000-8000", "bad port range '9000-8000': start is above end"),
    ("80-", "bad port '80-'"),
    ("-5", "bad port '-5'"),
    ("80,,443", "bad port list '80,,443': empty item"),
    ("", "bad port list '': empty item"),
])
def test_parse_port_spec_bad(text: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_port_spec(text)
    assert str(info.value) == message


def test_default_ports_are_the_camera_set() -> None:
    assert DEFAULT_PORTS == (23, 80, 81, 88, 443, 554, 8000, 8080, 8443, 8554, 8899, 10554,
                             34567, 37777)


def test_superscript_digits_are_a_usage_error_not_a_crash() -> None:
    from camaudit.errors import UsageError
    from camaudit.targets import parse_port_spec

    with pytest.raises(UsageError):
        parse_port_spec("\u00b2")
