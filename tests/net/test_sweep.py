"""The connect sweep on loopback: open ports per host, hosts in order, stop, fd budget."""

from __future__ import annotations

import resource
import socket
import threading

from camaudit.net.sweep import RESERVED_FDS, sweep

PORTS = [23, 80, 554, 8000]


def test_open_ports_per_host_in_the_order_given() -> None:
    servers = [socket.create_server(("127.93.0.5", p)) for p in (80, 554)]
    servers.append(socket.create_server(("127.93.0.9", 8000)))
    try:
        hosts = [f"127.93.0.{i}" for i in range(1, 12)]
        got: list[tuple[str, tuple[int, ...]]] = []
        sweep(hosts, PORTS + [80], lambda ip, ports: got.append((ip, ports)), in_flight=7)
    finally:
        for s in servers:
            s.close()
    assert [ip for ip, _ in got] == hosts  # every host once, in order
    assert {ip: ports for ip, ports in got if ports} == {"127.93.0.5": (80, 554),
                                                         "127.93.0.9": (8000,)}


def test_stop_ends_the_sweep_early() -> None:
    stop = threading.Event()
    seen: list[str] = []

    def on_host(ip: str, ports: tuple[int, ...]) -> None:
        seen.append(ip)
        if len(seen) == 3:
            stop.set()

    sweep([f"127.93.1.{i}" for i in range(1, 200)], PORTS, on_host, stop=stop, in_flight=4)
    assert 3 <= len(seen) < 199


def test_fd_budget_raises_the_soft_limit_or_lowers_concurrency() -> None:
    import subprocess
    import sys

    code = ("from camaudit.net.sweep import fd_budget; import resource; "
            "print(fd_budget(1024)); print(resource.getrlimit(resource.RLIMIT_NOFILE)[0])")

    def limit(soft: int, hard: int) -> list[str]:
        def pre() -> None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        out = subprocess.run([sys.executable, "-c", code], preexec_fn=pre,  # noqa: PLW1509
                             capture_output=True, text=True, check=True, timeout=60)
        return out.stdout.splitlines()

    small = RESERVED_FDS + 100
    budget, soft_after = limit(small, small)  # a hard limit it may not pass
    assert budget.startswith("(100, 'open-file limit is ") and "ulimit -n" in budget
    assert soft_after == str(small)
    budget, soft_after = limit(256, 4096)  # room under the hard limit: raised, not lowered
    assert budget == "(1024, None)" and soft_after == str(1024 + RESERVED_FDS)
