"""Device records (docs/records.md) back into ``Device`` values: scan files, the inventory,
policy examples. The inverse of ``Device.to_json``; a record of the wrong shape raises
TypeError, ValueError or KeyError for the caller to name the file or row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from camaudit.model import (
    Currency,
    Device,
    EgressFinding,
    Evidence,
    Exposure,
    Observation,
    Port,
    ProbeError,
    Risk,
    ScreeningFinding,
    Verdict,
)


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


def _evidence(raw: Any) -> Evidence:
    if isinstance(raw, str):  # example shorthand: just the rule id
        return Evidence(source="example", key="", value="", rule=raw)
    if not isinstance(raw, dict):
        raise TypeError(f"evidence entry must be a mapping, not {type(raw).__name__}")
    return Evidence(source=str(raw.get("source", "")), key=str(raw.get("key", "")),
                    value=str(raw.get("value", "")), rule=str(raw.get("rule", "")))


def _observation(raw: Any) -> Observation:
    if not isinstance(raw, dict):
        raise TypeError("observation entry must be a mapping")
    return Observation(key=str(raw.get("key", "")), value=str(raw.get("value", "")),
                       source=str(raw.get("source", "")))


def _error(raw: Any) -> ProbeError:
    if not isinstance(raw, dict):
        raise TypeError("error entry must be a mapping")
    return ProbeError(source=str(raw.get("source", "")), message=str(raw.get("message", "")))


def _port(raw: Any) -> Port:
    if isinstance(raw, dict):
        return Port(port=int(raw["port"]), proto=str(raw.get("proto", "tcp")),
                    service=str(raw.get("service", "")))
    return Port(port=int(raw))


def _verdict(raw: Any) -> Verdict:
    if not isinstance(raw, dict):
        raise TypeError("verdict entry must be a mapping")
    return Verdict(policy=str(raw["policy"]), status=str(raw["status"]),
                   reason=str(raw.get("reason", "")),
                   references=tuple(str(r) for r in raw.get("references", ())))


def _seq(raw: dict[str, Any], name: str) -> Sequence[Any]:
    value = raw.get(name) or ()
    if not isinstance(value, list | tuple):
        raise TypeError(f"'{name}' must be a list")
    return value


def device_from_record(raw: dict[str, Any], example: bool = False) -> Device:
    """The ``Device`` for one device record (docs/records.md). Raises TypeError/ValueError/KeyError
    on a record of the wrong shape. ``example`` allows a missing ``ip`` (policy examples)."""
    if not isinstance(raw, dict):
        raise TypeError("a device record must be a JSON object")
    if "ip" not in raw and not example:
        raise KeyError("ip")
    confidence = raw.get("confidence", 0.0)
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise TypeError(f"'confidence' must be a number, not {confidence!r}")
    return Device(
        ip=str(raw.get("ip", "example")), mac=_opt(raw.get("mac")),
        hostnames=tuple(str(h) for h in _seq(raw, "hostnames")),
        ports=tuple(_port(p) for p in _seq(raw, "ports")),
        maker=_opt(raw.get("maker")), brand=_opt(raw.get("brand")),
        relabeled=bool(raw.get("relabeled", False)), model=_opt(raw.get("model")),
        firmware=_opt(raw.get("firmware")), serial=_opt(raw.get("serial")),
        device_type=_opt(raw.get("device_type")), confidence=float(confidence),
        evidence=tuple(_evidence(e) for e in _seq(raw, "evidence")),
        errors=tuple(_error(e) for e in _seq(raw, "errors")),
        verdicts=tuple(_verdict(v) for v in _seq(raw, "verdicts")),
        first_seen=_opt(raw.get("first_seen")), last_seen=_opt(raw.get("last_seen")),
        risks=tuple(Risk.from_json(r) for r in _seq(raw, "risks")),
        egress=tuple(EgressFinding.from_json(e, device=str(raw.get("ip", "")))
                     for e in _seq(raw, "egress")),
        screening=tuple(ScreeningFinding.from_json(f) for f in _seq(raw, "screening")),
        observations=tuple(_observation(o) for o in _seq(raw, "observations")),
        exposures=tuple(Exposure.from_json(x) for x in _seq(raw, "exposures")),
        currency=(None if raw.get("currency") is None
                  else Currency.from_json(raw.get("currency"))),
        recorder=_opt(raw.get("recorder")), channel=_channel(raw.get("channel")),
        segment_ip=_opt(raw.get("segment_ip")),
    )


def _channel(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"'channel' must be a whole number or null, not {value!r}")
    return value
