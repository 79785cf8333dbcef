from __future__ import annotations

import errno
import socket
from unittest import mock

import pytest

from camaudit.errors import UsageError
from camaudit.net import multicast
from camaudit.net.multicast import Interface, add_multicast_member, bind_to_device

EXPECTED = [errno.EADDRINUSE, errno.ENOBUFS, errno.EADDRNOTAVAIL, errno.EINVAL,
            errno.ENOPROTOOPT, errno.ENODEV]


@pytest.mark.parametrize("code", EXPECTED)
def test_expected_errnos_return_false(code: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s, \
            mock.patch("socket.socket.setsockopt", side_effect=OSError(code, "x")):
        assert add_multicast_member(s, "239.255.255.250", "127.0.0.1") is False


def test_unexpected_errno_is_raised() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s, \
            mock.patch("socket.socket.setsockopt", side_effect=OSError(errno.EACCES, "x")), \
            pytest.raises(OSError):
        add_multicast_member(s, "239.255.255.250", "127.0.0.1")


def test_join_succeeds_returns_true() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s, \
            mock.patch("socket.socket.setsockopt") as setsockopt:
        assert add_multicast_member(s, "239.255.255.251", "127.0.0.1") is True
    mreq = setsockopt.call_args.args[2]
    assert mreq == socket.inet_aton("239.255.255.251") + socket.inet_aton("127.0.0.1")


def test_bind_to_device_without_privilege_is_false() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s, \
            mock.patch("socket.socket.setsockopt", side_effect=OSError(errno.EPERM, "x")):
        assert bind_to_device(s, "lo") is False


def test_bind_to_missing_device_is_a_usage_error() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s, \
            mock.patch("socket.socket.setsockopt", side_effect=OSError(errno.ENODEV, "x")), \
            pytest.raises(UsageError):
        bind_to_device(s, "nope0")


def test_interface_reads_loopback() -> None:
    lo = multicast.interface("lo")
    assert lo.address == "127.0.0.1"
    assert lo.netmask == "255.0.0.0"


@pytest.mark.parametrize("name", ["", "x" * 16, "a/b", "no-such-if9"])
def test_bad_interfaces_are_usage_errors(name: str) -> None:
    with pytest.raises(UsageError):
        multicast.interface(name)


def test_broadcast_and_on_link() -> None:
    nic = Interface("lab0", "10.213.0.2", "255.255.255.0")
    assert nic.broadcast == "10.213.0.255"
    assert nic.on_link("10.213.0.17")
    assert not nic.on_link("10.213.1.18")
    assert not nic.on_link("not an ip")


def test_udp_socket_on_loopback_is_nonblocking_and_bound() -> None:
    lo = Interface("lo", "127.0.0.1", "255.0.0.0")
    with multicast.udp_socket(lo, 0) as s:
        assert s.getsockname()[0] == "127.0.0.1"
        assert s.getblocking() is False
        assert s.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL) == 1
        assert s.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP) == 0
