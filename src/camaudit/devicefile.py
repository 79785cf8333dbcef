"""Device records to work on: read from a scan file (``scan --format json`` or ``jsonl``), or
taken from the inventory's latest full scan. What ``check``, ``report`` and ``egress`` judge.

Errors in the input raise ``UsageError`` naming file, line and field (one line, exit status 2
at the command line).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from camaudit.errors import UsageError
from camaudit.model import Device


def _record(raw: Any, where: str) -> Device:
    from camaudit.records import device_from_record

    try:
        return device_from_record(raw)
    except KeyError as e:
        raise UsageError(f"{where}: device record lacks field {e}") from e
    except (TypeError, ValueError, ArithmeticError) as e:
        raise UsageError(f"{where}: not a device record: {e}") from e


def read_devices(path: Path) -> list[Device]:
    """Device records from a scan JSON document, a JSON list, or JSONL (one record per line),
    read and checked by ``jsonfile`` (size, depth, numbers, text: one-line errors)."""
    from camaudit.jsonfile import parse
    from camaudit.jsonfile import read_text as read_json_text

    text = read_json_text(path, "scan file")
    stripped = text.lstrip()
    if not stripped:
        raise UsageError(f"{path}:1: empty input: expected scan JSON or JSONL device records")
    try:
        doc = parse(text, str(path))
    except json.JSONDecodeError as e:
        if e.msg == "Extra data" and stripped.startswith("{"):
            return _read_lines(path, text)
        raise UsageError(f"{path}:{e.lineno}: invalid JSON: {e.msg}") from e
    if isinstance(doc, dict) and "devices" in doc:
        records = doc["devices"]
        if not isinstance(records, list):
            raise UsageError(f"{path}:1: field 'devices' must be a list of device records")
        return [_record(r, f"{path}: devices[{i}]") for i, r in enumerate(records)]
    if isinstance(doc, list):
        return [_record(r, f"{path}: [{i}]") for i, r in enumerate(doc)]
    if isinstance(doc, dict):
        return [_record(doc, f"{path}:1")]
    raise UsageError(f"{path}:1: expected a scan document with 'devices', or device records")


def _read_lines(path: Path, text: str) -> list[Device]:
    from camaudit.jsonfile import parse

    out: list[Device] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = parse(line, f"{path}:{n}")
        except json.JSONDecodeError as e:
            raise UsageError(f"{path}:{n}: invalid JSON line: {e.msg}") from e
        out.append(_record(raw, f"{path}:{n}"))
    return out


def load_devices(input_path: Path | None, db: str | None, site: str | None,
                 scan_id: int | None, all_sites: bool = False
                 ) -> tuple[list[Device], dict[str, Any]]:
    """Devices from a scan file, else from the inventory's latest full scan (of ``site``, or
    scan ``scan_id``, or with ``all_sites`` the latest of every site), with the meta."""
    if input_path is not None:
        return read_devices(input_path), {"input": str(input_path)}
    from contextlib import closing

    from camaudit.inventory import open_store
    from camaudit.inventory.store import rollup_report, scan_report

    with closing(open_store(db, create=False)) as store:
        if all_sites:
            return rollup_report(store)
        return scan_report(store, scan_id, site)
