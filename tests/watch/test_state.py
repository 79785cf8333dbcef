"""The state directory and the cursor."""

from __future__ import annotations

from pathlib import Path

import pytest

from camaudit.errors import UsageError
from camaudit.watch.state import Cursor, Mark, ensure_dir, site_slug, state_dir


def test_the_state_directory_sits_beside_a_sqlite_inventory(tmp_path: Path) -> None:
    assert state_dir(str(tmp_path / "inv.db")) == tmp_path / "inv.db.watch"
    assert state_dir(str(tmp_path / "inv.db"), tmp_path / "elsewhere") == tmp_path / "elsewhere"


def test_postgres_state_goes_under_xdg_state_home_without_the_password(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    one = state_dir("postgresql://u:pw1@db.example/camaudit")
    assert one.parent == tmp_path / "camaudit" / "watch"
    assert one == state_dir("postgresql://u:pw2@db.example/camaudit")  # same database
    assert one != state_dir("postgresql://u@db.example/other")


def test_site_slugs_are_safe_file_names_and_unique_per_site() -> None:
    names = {site_slug(s) for s in ("", "hq", "HQ", "../etc", "a b", "a_b", "ünïcode")}
    assert len(names) == 7
    assert all("/" not in n and not n.startswith(".") for n in names)
    assert site_slug("hq").startswith("hq-")


def test_the_cursor_round_trips_and_ignores_a_damaged_file(tmp_path: Path) -> None:
    cursor = Cursor(tmp_path / "c.json")
    assert cursor.read() is None
    cursor.write(Mark(7, "2025-01-31T12:00:00Z"), "hq")
    assert cursor.read() == Mark(7, "2025-01-31T12:00:00Z")
    assert not (tmp_path / "c.json.tmp").exists()
    (tmp_path / "c.json").write_text("{not json")
    assert cursor.read() is None


def test_unwritable_places_are_one_line_errors(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(UsageError, match="cannot create watch state directory"):
        ensure_dir(blocker / "sub")
    with pytest.raises(UsageError, match="cannot write watch cursor"):
        Cursor(blocker / "sub" / "c.json").write(Mark(1, "t"), "")
