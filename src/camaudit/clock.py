"""The one clock read for records: now as ISO 8601 UTC text to the second."""

from __future__ import annotations

from datetime import UTC, datetime


def now_iso() -> str:
    """Now as ``2025-01-31T12:00:00Z``: the form every record, scan and inventory row stores."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
