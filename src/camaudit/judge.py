"""The one place a device is judged: its verdicts under policies, its known vulnerabilities and
whether its firmware is current (``currency``).

Every command that produces or reads device records (``scan``, ``discover``, ``check``,
``report``) passes them through ``judge``, so a record is always judged by the rules of the
camaudit reading it, never by those of the one that wrote it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from camaudit.currency import assess
from camaudit.model import Device
from camaudit.policy import Policy, load_policies, with_verdicts
from camaudit.risk_schema import RiskRule
from camaudit.risks import with_risks


def judge(devices: Sequence[Device], policies: Sequence[Policy] | None = None, *,
          on: dt.date | None = None, risk_rules: Sequence[RiskRule] | None = None
          ) -> list[Device]:
    """``devices`` with verdicts under ``policies`` (default: the US federal ones) as of ``on``
    (default today), known vulnerabilities under ``risk_rules`` (default: shipped) and
    firmware currency under the shipped firmware data."""
    chosen = load_policies() if policies is None else policies
    judged = with_risks(with_verdicts(devices, chosen, on=on), risk_rules)
    return [dataclasses.replace(d, currency=assess(d, on)) for d in judged]


def any_covered(devices: Sequence[Device]) -> bool:
    """True when some device is covered by some policy (the commands' exit status 1)."""
    return any(v.status == "covered" for d in devices for v in d.verdicts)
