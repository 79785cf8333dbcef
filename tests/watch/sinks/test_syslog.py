"""Syslog: the RFC 5424 message byte for byte, then Debian's rsyslogd, started by the test on
127.0.0.1, receiving events over UDP, TCP (octet counting) and TLS (a CA made here).

rsyslogd writes every message it parsed as one JSON line (its own parse of MSGID, structured
data and MSG), so a framing or format mistake shows as a field that does not match.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from camaudit.watch.config import Retry, SyslogConfig
from camaudit.watch.events import Event, encode
from camaudit.watch.sinks.build import syslog_sink
from camaudit.watch.sinks.syslog import format_message, octet_counted

RSYSLOGD = shutil.which("rsyslogd") or shutil.which("rsyslogd", path="/usr/sbin:/sbin")
DRIVER = next((d for d in ("gtls", "ossl")
               if any(Path("/usr/lib").glob(f"**/rsyslog/lmnsd_{d}.so"))), None)
needs_rsyslog = pytest.mark.skipif(
    RSYSLOGD is None or DRIVER is None,
    reason="rsyslogd with a TLS driver is not installed (apt-get install rsyslog "
           "rsyslog-gnutls; CI installs them in scripts/ci-services.sh)")


def event(n: int, kind: str = "new", ip: str = "10.0.0.1") -> Event:
    return Event(kind, f"{n:032x}", "2025-01-31T12:00:00Z", 'h"q]', ip, 12, 11,
                 {"maker": "Hikvision"}, {"ports": ["80/tcp"]})


def test_the_message_is_rfc_5424_with_structured_data_and_the_json() -> None:
    e = event(1, "covered")
    body = encode(e)
    message = format_message(e.to_json(), body, facility="local3", hostname="cam host",
                             app_name="camaudit", procid="42")
    assert message == (
        b'<156>1 2025-01-31T12:00:00Z camhost camaudit 42 covered [camaudit@32473 id="'
        + e.id.encode() + b'" event="covered" site="h\\"q\\]" ip="10.0.0.1" scan_id="12"] '
        + body)
    notice = format_message(event(2).to_json(), encode(event(2)), facility="daemon")
    assert notice.startswith(b"<29>1 ")  # daemon (3) * 8 + notice (5)
    assert octet_counted(b"abc") == b"3 abc"


@dataclass
class Rsyslog:
    """A running rsyslogd and what it wrote."""

    out: Path
    udp: int
    tcp: int
    tls: int
    process: subprocess.Popen[bytes] | None = None

    def lines(self) -> list[dict[str, Any]]:
        if not self.out.exists():
            return []
        return [json.loads(line) for line in self.out.read_text().splitlines()]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(got := self.lines()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return got

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


CONFIG = """
global(workDirectory="{dir}"
       defaultNetstreamDriverCAFile="{ca}" defaultNetstreamDriverCertFile="{cert}"
       defaultNetstreamDriverKeyFile="{key}")
module(load="imudp")
module(load="imtcp")
template(name="event" type="list") {{
  constant(value="{{")
  property(outname="input" name="inputname" format="jsonf") constant(value=",")
  property(outname="pri" name="pri" format="jsonf") constant(value=",")
  property(outname="version" name="protocol-version" format="jsonf") constant(value=",")
  property(outname="hostname" name="hostname" format="jsonf") constant(value=",")
  property(outname="app" name="app-name" format="jsonf") constant(value=",")
  property(outname="msgid" name="msgid" format="jsonf") constant(value=",")
  property(outname="sd" name="structured-data" format="jsonf") constant(value=",")
  property(outname="msg" name="msg" format="jsonf")
  constant(value="}}\\n")
}}
input(type="imudp" address="127.0.0.1" port="{udp}" name="udp")
input(type="imtcp" address="127.0.0.1" port="{tcp}" name="tcp")
input(type="imtcp" address="127.0.0.1" port="{tls}" name="tls" streamDriver.name="{driver}"
      streamDriver.mode="1" streamDriver.authMode="anon")
if $app-name == "camaudit" then {{
  action(type="omfile" file="{out}" template="event")
}}
"""


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


def _start(directory: Path, pki: Any, ports: tuple[int, int, int]) -> Rsyslog:
    directory.mkdir(exist_ok=True)
    r = Rsyslog(directory / "received.jsonl", *ports)
    conf = directory / "rsyslog.conf"
    conf.write_text(CONFIG.format(dir=directory, ca=pki.ca, cert=pki.cert, key=pki.key,
                                  driver=DRIVER, udp=r.udp, tcp=r.tcp, tls=r.tls, out=r.out))
    assert RSYSLOGD is not None
    r.process = subprocess.Popen([RSYSLOGD, "-n", "-f", str(conf), "-i",
                                  str(directory / "rsyslogd.pid")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while not (_accepts(r.tcp) and _accepts(r.tls)):
        assert r.process.poll() is None, "rsyslogd exited at start"
        assert time.monotonic() < deadline, "rsyslogd did not listen"
        time.sleep(0.05)
    return r


@pytest.fixture(scope="module")
def rsyslog(tmp_path_factory: pytest.TempPathFactory, pki: Any) -> Iterator[Rsyslog]:
    from socket import SOCK_DGRAM

    from camaudit.watch.sinks.syslog import UdpSyslog

    if RSYSLOGD is None or DRIVER is None:
        pytest.skip("rsyslogd with a TLS driver is not installed")
    ports = (_free(SOCK_DGRAM), _free(), _free())
    r = _start(tmp_path_factory.mktemp("rsyslog"), pki, ports)
    try:
        # UDP tells no sender whether anyone listens: send until one arrives
        udp = UdpSyslog("127.0.0.1", r.udp)
        deadline = time.monotonic() + 10
        while not r.lines() and time.monotonic() < deadline:
            udp.emit([event(0)])
            time.sleep(0.1)
        udp.close()
        assert r.lines(), "rsyslogd took no UDP message"
        yield r
    finally:
        r.stop()


def _free(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def config(transport: str, port: int, pki: Any, tmp_path: Path, **kw: Any) -> SyslogConfig:
    return SyslogConfig(transport, "127.0.0.1", port, ca_file=kw.pop("ca_file", pki.ca),
                        facility="local3", hostname="watcher-1",
                        retry=Retry(queue=tmp_path / f"{transport}.db", backoff=0.05,
                                    max_backoff=0.2, timeout=2.0), **kw)


@needs_rsyslog
@pytest.mark.parametrize("transport", ["udp", "tcp", "tls"])
def test_rsyslog_receives_each_event_whole(rsyslog: Rsyslog, pki: Any, tmp_path: Path,
                                           transport: str) -> None:
    before = len(rsyslog.lines())
    events = [event(1, "new", "10.0.0.1"), event(2, "exposure", "10.0.0.2/ch1"),
              event(3, "vanished", "10.0.0.3")]
    port = getattr(rsyslog, transport)
    sink = syslog_sink(config(transport, port, pki, tmp_path), tmp_path, "hq")
    sink.emit(events)
    assert sink.pending() == 0
    sink.close()
    got = rsyslog.wait_for(before + 3)[before:]
    assert [g["input"] for g in got] == [transport] * 3
    assert [json.loads(g["msg"]) for g in got] == [e.to_json() for e in events]
    assert [g["msgid"] for g in got] == ["new", "exposure", "vanished"]
    assert [g["pri"] for g in got] == ["157", "156", "157"]  # local3: notice, warning, notice
    assert {(g["version"], g["hostname"], g["app"]) for g in got} == {("1", "watcher-1",
                                                                       "camaudit")}
    assert got[1]["sd"] == (f'[camaudit@32473 id="{events[1].id}" event="exposure" '
                            'site="h\\"q\\]" ip="10.0.0.2/ch1" scan_id="12"]')


@needs_rsyslog
def test_tls_refuses_a_collector_whose_certificate_the_ca_did_not_sign(
        rsyslog: Rsyslog, pki: Any, tmp_path: Path) -> None:
    before = len(rsyslog.lines())
    sink = syslog_sink(config("tls", rsyslog.tls, pki, tmp_path, ca_file=pki.other_ca),
                       tmp_path, "hq")
    sink.emit([event(9)])
    assert sink.pending() == 1  # kept, not lost
    sink.close()
    time.sleep(0.2)
    assert len(rsyslog.lines()) == before


@needs_rsyslog
@pytest.mark.parametrize("transport", ["tcp", "tls"])
def test_events_wait_for_a_collector_that_is_down_and_survive_its_restart(
        pki: Any, tmp_path: Path, transport: str) -> None:
    from socket import SOCK_DGRAM

    ports = (_free(SOCK_DGRAM), _free(), _free())
    port = ports[1] if transport == "tcp" else ports[2]
    sink = syslog_sink(config(transport, port, pki, tmp_path), tmp_path, "hq")
    sink.emit([event(1), event(2)])  # nothing listens yet
    assert sink.pending() == 2
    r = _start(tmp_path / "rsyslog", pki, ports)
    try:
        _pump_until(sink, lambda: sink.pending() == 0)
        assert [json.loads(g["msg"])["id"] for g in r.wait_for(2)] == [event(1).id,
                                                                       event(2).id]
        r.stop()  # the kept-open connection dies with it
        r = _start(tmp_path / "rsyslog", pki, ports)
        sink.emit([event(3)])
        _pump_until(sink, lambda: sink.pending() == 0)
        assert json.loads(r.wait_for(3)[-1]["msg"])["id"] == event(3).id
    finally:
        sink.close()
        r.stop()


def _pump_until(sink: Any, done: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline
        sink.pump(time.monotonic())
        time.sleep(0.02)
