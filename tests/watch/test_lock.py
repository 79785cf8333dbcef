"""One watcher per inventory and site: flock beside SQLite, an advisory lock in PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from camaudit.errors import UsageError
from camaudit.watch.lock import WatchLock, advisory_key
from camaudit.watch.state import site_slug


def test_a_second_lock_on_the_same_inventory_and_site_is_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "inv.db")
    with WatchLock(db, "hq") as first:
        assert first.name == f"lock file {tmp_path}/inv.db.watch/{site_slug('hq')}.lock"
        with pytest.raises(UsageError) as e:
            WatchLock(db, "hq").acquire()
        message = str(e.value)
        assert f"(pid {os.getpid()})" in message and first.name in message
        assert "one watcher per inventory and site" in message and "\n" not in message
        with WatchLock(db, "branch"):  # another site: its own lock
            pass
    with WatchLock(db, "hq"):  # released: free again
        pass


def test_the_lock_is_released_when_its_process_dies(tmp_path: Path) -> None:
    db = str(tmp_path / "inv.db")
    code = ("import time; from camaudit.watch.lock import WatchLock; "
            f"WatchLock({db!r}, 'hq').acquire(); "
            "print('locked', flush=True); time.sleep(60)")
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                          text=True) as child:
        try:
            assert child.stdout is not None and child.stdout.readline().strip() == "locked"
            with pytest.raises(UsageError, match=f"pid {child.pid}"):
                WatchLock(db, "hq").acquire()
        finally:
            child.kill()
    with WatchLock(db, "hq"):
        pass


def test_advisory_keys_are_signed_64_bit_and_per_site() -> None:
    keys = {advisory_key(s) for s in ("", "hq", "branch")}
    assert len(keys) == 3 and all(-(2 ** 63) <= k < 2 ** 63 for k in keys)


@pytest.mark.skipif(not os.environ.get("CAMAUDIT_TEST_POSTGRES"),
                    reason="needs CAMAUDIT_TEST_POSTGRES (scripts/ci-services.sh)")
def test_postgres_watchers_exclude_each_other_per_site() -> None:
    url = os.environ["CAMAUDIT_TEST_POSTGRES"]
    with WatchLock(url, "hq") as first:
        assert first.name.startswith("PostgreSQL advisory lock")
        with pytest.raises(UsageError, match="another camaudit watch holds the PostgreSQL"):
            WatchLock(url, "hq").acquire()
        with WatchLock(url, "branch"):
            pass
    with WatchLock(url, "hq"):
        pass
