"""UDP sockets tied to one interface: multicast membership, broadcast, ``SO_BINDTODEVICE``.

Discovery must only ever leave by the interface the user named. Every socket made here is
bound to that device (``SO_BINDTODEVICE``, root or CAP_NET_RAW), sends multicast out of that
interface's address (``IP_MULTICAST_IF``) with TTL 1 so no router forwards it, and does not
loop its own probes back. ``add_multicast_member`` follows python-zeroconf's
``_utils/net.py``: each expected errno returns False with a log line saying why, anything else
is raised.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import socket
import struct
from dataclasses import dataclass

from camaudit.errors import UsageError

log = logging.getLogger(__name__)

SO_BINDTODEVICE = getattr(socket, "SO_BINDTODEVICE", 25)
_SIOCGIFADDR = 0x8915
_SIOCGIFNETMASK = 0x891B
_IFNAMSIZ = 16


@dataclass(frozen=True, slots=True)
class Interface:
    """An interface's name and IPv4 configuration."""

    name: str
    address: str
    netmask: str

    @property
    def broadcast(self) -> str:
        addr = struct.unpack("!I", socket.inet_aton(self.address))[0]
        mask = struct.unpack("!I", socket.inet_aton(self.netmask))[0]
        return socket.inet_ntoa(struct.pack("!I", (addr & mask) | (~mask & 0xFFFFFFFF)))

    def on_link(self, ip: str) -> bool:
        """True when ``ip`` lies in this interface's subnet (so its MAC is the device's)."""
        try:
            target = struct.unpack("!I", socket.inet_aton(ip))[0]
        except OSError:
            return False
        addr = struct.unpack("!I", socket.inet_aton(self.address))[0]
        mask = struct.unpack("!I", socket.inet_aton(self.netmask))[0]
        return bool((target & mask) == (addr & mask))


def _ioctl_addr(sock: socket.socket, request: int, name: str) -> str:
    packed = struct.pack("256s", name.encode()[: _IFNAMSIZ - 1])
    return socket.inet_ntoa(fcntl.ioctl(sock.fileno(), request, packed)[20:24])


def interface(name: str) -> Interface:
    """IPv4 address and netmask of interface ``name``; ``UsageError`` when it has none."""
    if not name or len(name) >= _IFNAMSIZ or "/" in name or "\x00" in name:
        raise UsageError(f"bad interface name {name!r}")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            return Interface(name, _ioctl_addr(s, _SIOCGIFADDR, name),
                             _ioctl_addr(s, _SIOCGIFNETMASK, name))
        except OSError as e:
            reason = "no such interface" if e.errno == errno.ENODEV else \
                "no IPv4 address" if e.errno == errno.EADDRNOTAVAIL else (e.strerror or str(e))
            raise UsageError(f"interface {name}: {reason}") from e


def add_multicast_member(sock: socket.socket, group: str, iface_address: str) -> bool:
    """Join ``group`` on the interface with ``iface_address``; False when it cannot (logged)."""
    mreq = socket.inet_aton(group) + socket.inet_aton(iface_address)
    try:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            log.info("already a member of %s on %s: nothing to do", group, iface_address)
            return False
        if e.errno == errno.ENOBUFS:
            log.warning("cannot join %s on %s: the kernel's group limit is reached; raise "
                        "net.ipv4.igmp_max_memberships", group, iface_address)
            return False
        if e.errno == errno.EADDRNOTAVAIL:
            log.warning("cannot join %s: %s is not an address of an interface that is up",
                        group, iface_address)
            return False
        if e.errno == errno.EINVAL:
            log.warning("cannot join %s on %s: the kernel refused the request (EINVAL; seen on "
                        "WSL and on interfaces without multicast)", group, iface_address)
            return False
        if e.errno == errno.ENOPROTOOPT:
            log.warning("cannot join %s: this system has no IPv4 multicast support", group)
            return False
        if e.errno == errno.ENODEV:
            log.warning("cannot join %s on %s: the interface has no multicast route",
                        group, iface_address)
            return False
        raise
    return True


def bind_to_device(sock: socket.socket, name: str) -> bool:
    """Restrict ``sock`` to interface ``name``; False (logged) without the privilege."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, name.encode() + b"\x00")
    except OSError as e:
        if e.errno == errno.EPERM:
            log.warning("SO_BINDTODEVICE on %s needs root or CAP_NET_RAW; relying on "
                        "IP_MULTICAST_IF and the interface address instead", name)
            return False
        if e.errno == errno.ENODEV:
            raise UsageError(f"interface {name}: no such interface") from e
        raise
    return True


def udp_socket(iface: Interface, port: int = 0, *, groups: tuple[str, ...] = (),
               broadcast: bool = False, reuse: bool = True) -> socket.socket:
    """A non-blocking UDP socket on ``iface``: bound to ``port`` (0: any), joined to ``groups``.

    Multicast leaves by ``iface`` with TTL 1 and without loopback. ``broadcast`` allows sending
    to the broadcast addresses. Raises ``OSError`` when the port cannot be bound.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    try:
        if reuse:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if hasattr(socket, "SO_REUSEPORT"):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        bind_to_device(sock, iface.name)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                        socket.inet_aton(iface.address))
        if broadcast:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        # Multicast and broadcast datagrams only reach a socket bound to the wildcard address.
        sock.bind(("0.0.0.0" if groups or broadcast else iface.address, port))  # noqa: S104
        for group in groups:
            add_multicast_member(sock, group, iface.address)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock
