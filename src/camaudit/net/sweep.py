"""The connect sweep: which ports of many hosts accept a TCP connection, fast.

``asyncio.open_connection`` costs a stream reader, writer and transport per attempt: about 10k
attempts a second on one core, so a /16 on the camera port set (65,536 x 14 = 917,504 attempts)
would take 95 s before any probe. Here non-blocking sockets are started straight from a thread
and their completion read from one ``epoll`` (``select.poll`` elsewhere): 45k attempts a second
on the same core (measured in bench/scan_scale.py). Only the open ports then get the probes,
through the transport.

``sweep(hosts, ports, on_host, ...)`` calls ``on_host(ip, open_ports)`` once per host, as soon as
all of that host's ports have answered, refused or timed out, in roughly the order given, with at
most ``in_flight`` sockets open at once. ``stop`` (a ``threading.Event``) ends it early. Errors
other than a refusal or a timeout (no route, network unreachable) count as closed.
"""

from __future__ import annotations

import errno
import resource
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence

OnHost = Callable[[str, tuple[int, ...]], None]
RESERVED_FDS = 64  # left for the probes' own connections, the inventory, logs
_POLL_OUT = getattr(select, "EPOLLOUT", 4)
_POLL_ERR = getattr(select, "EPOLLERR", 8) | getattr(select, "EPOLLHUP", 16)


def fd_budget(wanted: int) -> tuple[int, str | None]:
    """How many sockets may be open at once: ``wanted``, or less when the process may not open
    that many files (the soft limit is raised to the hard one first). The second value says why
    it was lowered, for a one-line notice."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted + RESERVED_FDS:
        target = hard if hard == resource.RLIM_INFINITY else min(hard, wanted + RESERVED_FDS)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY or soft >= wanted + RESERVED_FDS:
        return wanted, None
    allowed = max(1, soft - RESERVED_FDS)
    return allowed, (f"open-file limit is {soft} (ulimit -n): {allowed} connections at once "
                     f"instead of {wanted}")


class _Poller:
    """epoll where there is one, poll elsewhere; the same two calls."""

    def __init__(self) -> None:
        self._epoll = select.epoll() if hasattr(select, "epoll") else None
        self._poll = None if self._epoll is not None else select.poll()

    def add(self, fd: int) -> None:
        if self._epoll is not None:
            self._epoll.register(fd, _POLL_OUT | _POLL_ERR)
        else:
            assert self._poll is not None
            self._poll.register(fd, select.POLLOUT | select.POLLERR | select.POLLHUP)

    def remove(self, fd: int) -> None:
        if self._epoll is not None:
            self._epoll.unregister(fd)
        else:
            assert self._poll is not None
            self._poll.unregister(fd)

    def wait(self, seconds: float) -> list[int]:
        if self._epoll is not None:
            return [fd for fd, _ in self._epoll.poll(seconds)]
        assert self._poll is not None
        return [fd for fd, _ in self._poll.poll(int(seconds * 1000))]

    def close(self) -> None:
        if self._epoll is not None:
            self._epoll.close()


def sweep(hosts: Iterable[str], ports: Sequence[int], on_host: OnHost, *,
          timeout: float = 2.0, in_flight: int = 1024,
          stop: threading.Event | None = None) -> None:
    """Connect to every (host, port); ``on_host`` per host with its open ports (see module)."""
    ports = tuple(dict.fromkeys(ports))
    poller = _Poller()
    waiting: dict[int, tuple[socket.socket, str, int, float, int]] = {}
    started: deque[tuple[int, int]] = deque()  # (fd, sequence) in start order, for timeouts
    sequence = 0
    left: dict[str, int] = {}  # host -> ports not yet resolved
    found: dict[str, list[int]] = {}
    order: deque[str] = deque()  # hosts in the order given, to report in that order
    pairs = ((ip, p) for ip in hosts for p in ports)
    exhausted = False

    def resolve(ip: str, port: int, is_open: bool) -> None:
        if is_open:
            found[ip].append(port)
        left[ip] -= 1

    def flush() -> None:
        while order and left[order[0]] == 0:
            ip = order.popleft()
            del left[ip]
            on_host(ip, tuple(sorted(found.pop(ip))))

    try:
        while True:
            if stop is not None and stop.is_set():
                return
            while not exhausted and len(waiting) < in_flight:
                pair = next(pairs, None)
                if pair is None:
                    exhausted = True
                    break
                ip, port = pair
                if ip not in left:
                    left[ip] = len(ports)
                    found[ip] = []
                    order.append(ip)
                family = socket.AF_INET6 if ":" in ip else socket.AF_INET
                try:
                    sock = socket.socket(family, socket.SOCK_STREAM)
                except OSError:
                    resolve(ip, port, False)
                    continue
                sock.setblocking(False)
                rc = sock.connect_ex((ip, port))
                if rc == errno.EINPROGRESS:
                    sequence += 1
                    waiting[sock.fileno()] = (sock, ip, port, time.monotonic() + timeout,
                                              sequence)
                    started.append((sock.fileno(), sequence))
                    poller.add(sock.fileno())
                    continue
                sock.close()
                resolve(ip, port, rc == 0)
            flush()
            if exhausted and not waiting:
                return
            for fd in poller.wait(0.05):
                entry = waiting.pop(fd, None)
                if entry is None:
                    continue
                sock, ip, port, _, _ = entry
                poller.remove(fd)
                is_open = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
                sock.close()
                resolve(ip, port, is_open)
            now = time.monotonic()
            while started:
                fd, seq = started[0]
                entry = waiting.get(fd)
                if entry is None or entry[4] != seq:
                    started.popleft()  # answered already (its fd may be another socket's now)
                    continue
                if entry[3] > now:
                    break
                started.popleft()
                del waiting[fd]
                poller.remove(fd)
                entry[0].close()
                resolve(entry[1], entry[2], False)
    finally:
        for entry in waiting.values():
            entry[0].close()
        poller.close()
