"""Store fixtures: the same tests run on SQLite (a temp file) and on a real PostgreSQL server.

PostgreSQL tests read the server URL from $CAMAUDIT_TEST_POSTGRES (scripts/start-postgres.sh
prints one) and are skipped when it is unset. Each test gets its own schema, dropped after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from camaudit.model import Device, Evidence, Port, Verdict

PG_ENV = "CAMAUDIT_TEST_POSTGRES"


def pg_url_with_schema(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose tables land in a fresh schema of the test server."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set (scripts/start-postgres.sh starts a server)")
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield pg_url_with_schema(base, schema)
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "inventory.db")
    return str(request.getfixturevalue("pg_url"))


def device(ip: str, maker: str | None = None, brand: str | None = None, *,
           ports: tuple[int, ...] = (80,), firmware: str | None = None,
           covered: bool = False, value: str = "App-webs/") -> Device:
    status = "covered" if covered else "not-covered"
    return Device(
        ip=ip, maker=maker, brand=brand, relabeled=bool(maker and brand and maker != brand),
        ports=tuple(Port(p) for p in ports), firmware=firmware, confidence=0.85,
        evidence=(Evidence("tcp/80 GET /", "http.header.server", value, "rule-1"),),
        verdicts=(Verdict("ndaa-889", status, "because"),),
    )


@pytest.fixture
def mkdev() -> object:
    """``device(ip, maker, brand, ports=..., firmware=..., covered=..., value=...)``."""
    return device
