"""PostgreSQL backend: several sites writing at once into one real server; errors; redaction."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from camaudit.inventory import DeviceFilter, InventoryError, open_store
from camaudit.inventory.postgres import PostgresStore, redact

SRC = Path(__file__).resolve().parents[2] / "src"

WRITER = """
import sys
from camaudit.inventory import ScanMeta, open_store
from camaudit.model import Device, Port
store = open_store(sys.argv[1])
site = sys.argv[2]
for i in range(10):
    devices = [Device(ip=f"10.0.0.{k}", maker="Dahua" if site == "north" else "Hikvision",
                      ports=(Port(80),) if i < 9 else (Port(80), Port(554)))
               for k in range(1, 21 + (i == 9))]
    print(store.save_scan(ScanMeta(f"2025-01-01T00:00:{i:02d}Z", (site,), {}, site), devices),
          flush=True)
store.close()
"""


def test_sites_write_at_once_and_reports_filter_by_site(pg_url: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, pg_url, site],
                              stdout=subprocess.PIPE, text=True, env=env)
             for site in ("north", "south", "east")]
    outs = [p.communicate(timeout=60)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0]
    ids = [{int(x) for x in out.split()} for out in outs]
    assert [len(i) for i in ids] == [10, 10, 10]
    store = open_store(pg_url)
    try:
        assert {s.id for s in store.scans()} == ids[0] | ids[1] | ids[2]
        assert {s.id for s in store.scans("south")} == ids[1]
        north = store.devices(DeviceFilter(site="north"))
        assert len(north) == 21 and {s.device.maker for s in north} == {"Dahua"}
        assert len(store.devices(DeviceFilter(maker="Hikvision"))) == 42
        diff = store.diff(site="east")
        assert (diff.scan_a, diff.scan_b) == tuple(sorted(ids[2])[-2:])
        assert [d.ip for d in diff.appeared] == ["10.0.0.21"]
        assert len(diff.changed) == 20 and diff.vanished == ()
    finally:
        store.close()


def test_bad_server_is_one_clear_error() -> None:
    with pytest.raises(InventoryError, match=r"cannot connect to postgresql://u:\*\*\*@127"):
        PostgresStore("postgresql://u:secret@127.0.0.1:1/none", connect_timeout=2)


def test_redact_hides_only_the_password() -> None:
    assert redact("postgresql://audit:pw@db:5432/inv") == "postgresql://audit:***@db:5432/inv"
    assert redact("postgresql://audit@db/inv") == "postgresql://audit@db/inv"


STREAM_WRITER = """
import sys
from camaudit.inventory.stream import ScanRecorder
from camaudit.model import Device, Port
url, site, hosts = sys.argv[1], sys.argv[2], int(sys.argv[3])
ips = [f"10.0.{k // 250}.{k % 250 + 1}" for k in range(hosts)]
rec = ScanRecorder(url, "2026-12-02T00:00:00Z", ["10.0.0.0/16"], {"ports": [80]}, site,
                   batch=16, every=3600)
rec.start(ips)
for ip in ips:  # the same addresses at every site, each device naming its own site
    rec.add([Device(ip=ip, maker="Axis", brand=site, serial=f"{site}/{ip}",
                    ports=(Port(80),))])
    rec.done(ip)
print(rec.finish(), flush=True)
rec.close()
"""


def test_twenty_site_scanners_stream_into_one_server_without_loss_or_mixing(
        pg_url: str) -> None:
    sites, hosts = [f"site-{i:02d}" for i in range(20)], 120
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    procs = [subprocess.Popen([sys.executable, "-c", STREAM_WRITER, pg_url, site, str(hosts)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env) for site in sites]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0] * 20, [err for _, err in outs if err][:1]
    store = open_store(pg_url)
    try:
        for site, (out, _) in zip(sites, outs, strict=True):
            (info,) = store.scans(site)
            assert info.id == int(out) and info.finished and info.device_count == hosts
            found = store.devices(DeviceFilter(site=site))
            assert len(found) == hosts
            # nothing of another site: every record names this site and its own address
            assert {s.device.brand for s in found} == {site}
            assert all(s.device.serial == f"{site}/{s.device.ip}" for s in found)
        assert len(store.devices()) == hosts * 20
    finally:
        store.close()
