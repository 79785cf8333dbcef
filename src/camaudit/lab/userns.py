"""Ports below 1024 without root: the lab inside a private user and network namespace.

The lab's devices listen where real cameras do (23, 80, 443, 554 ...), and an ordinary user may
not bind those ports. On Linux, a user may create a user namespace in which it is root, with a
network namespace of its own (``unshare --user --map-root-user --net``). There it may bind any
port, on a loopback interface that only its own processes see. Nothing outside changes: the
host's interfaces, addresses and routes are untouched, and nothing leaves the namespace.

``camaudit demo`` run by a normal user re-runs itself that way (``reexec``). This module's
``main`` is what runs inside: it brings the namespace's loopback up (a new network namespace
starts with ``lo`` down) and then runs the camaudit command. The lab and the scan are the same
as under root; only the namespace differs.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import struct
import sys
from typing import NoReturn

ENV = "CAMAUDIT_USERNS"  # set inside, so that a command never re-runs itself twice
LOWEST_LAB_PORT = 23
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1


def low_ports_allowed() -> bool:
    """True when this process may bind the lab's lowest port: tried on a loopback address
    (root, a capability, or a lowered ``net.ipv4.ip_unprivileged_port_start`` all allow it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.254.254.254", LOWEST_LAB_PORT))
        except PermissionError:
            return False
        except OSError:
            return True  # in use or unavailable: not a question of permission
    return True


def possible() -> bool:
    """True when a private user and network namespace can be made here (Linux, ``unshare``,
    not already inside one of ours)."""
    return (sys.platform == "linux" and shutil.which("unshare") is not None
            and os.environ.get(ENV) != "1")


def reexec(argv: list[str]) -> NoReturn:
    """Run ``camaudit ARGV`` again, inside a new user and network namespace."""
    os.environ[ENV] = "1"
    os.execvp("unshare", ["unshare", "--user", "--map-root-user", "--net", "--",  # noqa: S606
                          sys.executable, "-m", "camaudit.lab.userns", *argv])


def loopback_up() -> None:
    """Set ``lo`` up in this (new) network namespace, as ``ip link set lo up`` does."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        req = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, _SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | _IFF_UP))


def main(argv: list[str] | None = None) -> None:
    """Inside the namespace: loopback up, then ``python -m camaudit ARGV`` in its place."""
    loopback_up()
    args = list(sys.argv[1:] if argv is None else argv)
    os.execv(sys.executable, [sys.executable, "-m", "camaudit", *args])  # noqa: S606


if __name__ == "__main__":
    main()
