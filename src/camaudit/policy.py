"""Device -> Verdicts under the policies in ``rules/policies/`` (or a user's own policy files).

The decision, per policy (docs/policies.md explains it to users):

1. **Which maker, on what evidence.** The maker is ``Device.maker``, decided by technical evidence.
   Each evidence entry's rule is looked up in the fingerprint rules to learn the maker it names
   and its grade (protocol > firmware > onvif > oui > model > port). When ``maker`` is null but
   the evidence names exactly one maker, that maker is used with the rules' combined confidence.
2. **Enough evidence?** The maker counts only when the device's confidence reaches the policy's
   ``min_confidence`` (default 0.5) **and** at least one evidence entry for that maker has grade
   ``min_grade`` (default onvif) or stronger. Otherwise, and when no maker is known at all, the
   verdict is ``unknown``: too little evidence is never a guess either way. A brand alone never
   decides: what the attribution data says about it is quoted in the reason, with its grade.
3. **Covered?** ``covered`` when the maker stands for a covered entity (from the entity's
   ``since`` date) **and** the evidence holds a trait unique to that maker's firmware or two
   independent traits (``fingerprints.strength``); with less, ``possible``, saying what is
   missing. ``unknown`` when the maker is in the policy's ``review`` list, or when a
   non-covered maker's device also carries evidence that alone names a covered maker; else
   ``not-covered``.

A policy of kind ``exposure`` (``hygiene``) judges ``Device.exposures`` instead (``exposure``):
``exposed`` when the device has an exposure the policy lists, ``not-exposed`` when it has none
of them, ``unknown`` when no port was probed and nothing was found.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from camaudit.attribution import explain, verify_attribution
from camaudit.errors import RuleError
from camaudit.fingerprints.matcher import apply
from camaudit.fingerprints.schema import Rule, load_rules
from camaudit.fingerprints.strength import Trait, combine, missing, names_alone, strength
from camaudit.model import GRADES, Device, Verdict
from camaudit.policy_schema import (
    Covered,
    Policy,
    parse_policy_file,
    policies_dir,
    policy_names,
    read_policy,
)

DEFAULT_POLICIES = ("fcc-covered-list", "ndaa-889")
_RANK = {g: i for i, g in enumerate(GRADES)}

__all__ = ["DEFAULT_POLICIES", "Policy", "covered_makers", "evaluate", "load_policies",
           "policy_names", "verify_policies", "verify_policy_files", "with_verdicts"]


@dataclass(frozen=True)
class MakerEvidence:
    maker: str
    grade: str
    rule: str
    confidence: float
    key: str = ""
    shared: bool = False

    @property
    def trait(self) -> Trait:
        return Trait(self.key, self.grade, self.shared, self.rule, self.confidence)


@lru_cache(maxsize=1)
def _shipped_rules() -> dict[str, Rule]:
    return {r.id: r for r in load_rules()}


def maker_evidence(device: Device, rules: dict[str, Rule] | None = None) -> list[MakerEvidence]:
    """The evidence entries of ``device`` whose fingerprint rule names a maker, with its grade.
    Entries whose rule this camaudit does not know cannot be graded and are left out."""
    index = _shipped_rules() if rules is None else rules
    out: list[MakerEvidence] = []
    for e in device.evidence:
        rule = index.get(e.rule)
        if rule is None:
            continue
        fields = (apply(rule, e.value) if e.value else None) or rule.set
        maker = fields.get("hw.maker")
        if maker is not None:
            out.append(MakerEvidence(maker, rule.grade, rule.id, rule.confidence, e.key,
                                     bool(rule.shared)))
    return out


def _summary(ev: Sequence[MakerEvidence]) -> str:
    by_grade: dict[str, list[str]] = {}
    for e in sorted(ev, key=lambda e: _RANK[e.grade]):
        by_grade.setdefault(e.grade, [])
        if e.rule not in by_grade[e.grade]:
            by_grade[e.grade].append(e.rule)
    return "; ".join(f"{g}: {', '.join(rs)}" for g, rs in by_grade.items()) or "none graded"


def _brand_note(device: Device, maker: str | None) -> str:
    notes = explain(device.brand, maker)
    return f"; {'; '.join(notes)}" if notes else ""


def _unknown(policy: Policy, why: str, device: Device, maker: str | None = None) -> Verdict:
    return Verdict(policy.id, "unknown", why + _brand_note(device, maker), policy.references)


def covered_makers(policy: Policy, on: dt.date | None = None) -> frozenset[str]:
    """The makers ``policy`` covers as of ``on`` (default today)."""
    day = on or dt.date.today()
    return frozenset(m for c in policy.covers if c.since is None or c.since <= day
                     for m in c.makers)


def _covering(policy: Policy, maker: str, on: dt.date) -> Covered | None:
    for c in policy.covers:
        if maker in c.makers and (c.since is None or c.since <= on):
            return c
    return None


def evaluate(device: Device, policies: Sequence[Policy], *, on: dt.date | None = None,
             rules: dict[str, Rule] | None = None) -> tuple[Verdict, ...]:
    """One verdict per policy for ``device`` as of ``on`` (default today). ``rules`` maps rule
    ids to fingerprint rules (default: the shipped rules)."""
    day = on or dt.date.today()
    ev = maker_evidence(device, rules)
    maker, confidence = device.maker, device.confidence
    if maker is None:
        named = {e.maker for e in ev}
        if len(named) == 1:
            maker = named.pop()
            confidence = round(combine(e.confidence for e in ev), 2)
    return tuple(_judge_exposures(device, p) if p.kind == "exposure"
                 else _judge(device, p, maker, confidence, ev, day) for p in policies)


def _judge_exposures(device: Device, policy: Policy) -> Verdict:
    judged = [x for x in device.exposures if x.id in policy.exposures]
    if judged:
        found = "; ".join(f"{x.id} ({x.severity}): {x.basis}" for x in judged)
        return Verdict(policy.id, "exposed", f"{len(judged)} exposure(s): {found}",
                       policy.references)
    if not device.ports and not device.exposures:
        return Verdict(policy.id, "unknown", "no open port was probed, so exposures cannot be "
                                             "judged", policy.references)
    others = sorted({f"{x.id} ({x.severity})" for x in device.exposures})
    also = f"; also seen, not failed by this policy: {', '.join(others)}" if others else ""
    return Verdict(policy.id, "not-exposed", "none of the exposures this policy fails was seen "
                   "(camaudit sees what answers without a password, nothing more)" + also,
                   policy.references)


def _judge(device: Device, policy: Policy, maker: str | None, confidence: float,
           ev: Sequence[MakerEvidence], day: dt.date) -> Verdict:
    if maker is None:
        named = sorted({e.maker for e in ev})
        why = (f"the evidence names several makers ({', '.join(named)}) and the record none"
               if named else "no technical evidence names the maker")
        return _unknown(policy, why, device)
    mine = [e for e in ev if e.maker == maker]
    best = min((e.grade for e in mine), key=lambda g: _RANK[g], default=None)
    basis = f"maker {maker} ({_summary(mine)}; confidence {confidence:.2f})"
    if best is None:
        return _unknown(policy, f"{basis}: no evidence rule known to camaudit names {maker}, "
                                "so the maker cannot be graded", device, maker)
    if confidence < policy.min_confidence or _RANK[best] > _RANK[policy.min_grade]:
        return _unknown(policy, f"{basis} rests on weak evidence: this policy needs grade "
                                f"{policy.min_grade} or stronger and confidence at least "
                                f"{policy.min_confidence:.2f}", device, maker)
    hit = _covering(policy, maker, day)
    if hit is not None:
        traits = [e.trait for e in mine]
        if strength(traits) in ("unique", "corroborated"):
            return _covered_verdict(device, policy, hit, basis, maker)
        return Verdict(policy.id, "possible",
                       f"{basis} would be covered ({hit.entity}), but {missing(traits)}"
                       + _brand_note(device, maker), policy.references + hit.references)
    for review in policy.review:
        if review.maker == maker:
            return _unknown(policy, f"{basis}: {review.why}", device, maker)
    rivals = sorted({e.maker for e in ev if e.maker != maker and names_alone(e.grade, e.shared)
                     and _covering(policy, e.maker, day)})
    if rivals:
        return _unknown(policy, f"{basis}, but other evidence names covered maker(s) "
                                f"{', '.join(rivals)}", device, maker)
    later = [c for c in policy.covers if maker in c.makers and c.since is not None]
    when = f" (listed only from {later[0].since.isoformat()})" if later and later[0].since else ""
    return Verdict(policy.id, "not-covered",
                   f"{basis}: {maker} is not covered by {policy.title}{when}"
                   + _brand_note(device, maker), policy.references)


def _covered_verdict(device: Device, policy: Policy, hit: Covered, basis: str,
                     maker: str) -> Verdict:
    parts = [f"{basis} is covered: {hit.entity} (grade {hit.grade})"]
    if hit.scope:
        parts.append(f"covered {hit.scope}")
    notes = explain(device.brand, maker)
    if notes:
        parts += notes
        if hit.affiliates:
            parts.append("the policy extends to subsidiaries and affiliates")
        parts.append(f"the firmware is {maker}'s, so the label does not change the verdict")
    return Verdict(policy.id, "covered", "; ".join(parts), policy.references + hit.references)


def with_verdicts(devices: Sequence[Device], policies: Sequence[Policy], *,
                  on: dt.date | None = None) -> list[Device]:
    """``devices`` with their ``verdicts`` replaced by the verdicts under ``policies``."""
    return [dataclasses.replace(d, verdicts=evaluate(d, policies, on=on)) for d in devices]


def load_policies(names: Sequence[str] | None = None, files: Iterable[Path] = ()
                  ) -> list[Policy]:
    """The shipped policies called ``names`` (default: ``DEFAULT_POLICIES``; ``[]`` for none)
    followed by the user's policy ``files``. Raises ``RuleError`` naming file:line and field."""
    wanted = list(DEFAULT_POLICIES if names is None else names)
    shipped = policy_names()
    out: list[Policy] = []
    for name in wanted:
        if name not in shipped:
            raise RuleError(f"unknown policy '{name}' (shipped: {', '.join(shipped)})")
        path = policies_dir() / f"{name}.yaml"
        out.append(parse_policy_file(path.read_text(encoding="utf-8"), path.name))
    out += [read_policy(Path(f)) for f in files]
    seen: set[str] = set()
    for p in out:
        if p.id in seen:
            raise RuleError(f"{p.where}: policy '{p.id}' is given twice")
        seen.add(p.id)
    return out


def _check_policy(p: Policy, rules: dict[str, Rule]) -> list[str]:
    problems: list[str] = []
    statuses = {ex.expect for ex in p.examples}
    needs = ("exposed", "not-exposed") if p.kind == "exposure" else ("covered", "not-covered")
    for need in needs:
        if need not in statuses:
            problems.append(f"{p.where}: policy {p.id}: needs an example device that is {need}")
    for ex in p.examples:
        at = f"{p.file}:{ex.line}"
        for e in ex.device.evidence:
            if e.rule not in rules:
                problems.append(f"{at}: example {ex.name!r}: evidence rule '{e.rule}' is not "
                                "a fingerprint rule")
        got = evaluate(ex.device, [p], on=ex.on, rules=rules)[0]
        if got.status != ex.expect:
            problems.append(f"{at}: example {ex.name!r} is {got.status}, expected {ex.expect}: "
                            f"{got.reason}")
        for text in ex.reason_contains:
            if text not in got.reason:
                problems.append(f"{at}: example {ex.name!r}: reason lacks {text!r}: {got.reason}")
    return problems


def verify_policies(files: Iterable[Path] = (), *, shipped: bool = True,
                    rules: dict[str, Rule] | None = None) -> list[str]:
    """Every problem in the shipped policies (unless ``shipped`` is false), the user's policy
    ``files`` and the attribution data, as ``file:line: message`` strings; empty means verified
    (``camaudit check --verify-policies``; ``rules verify`` runs the two verifiers separately,
    each once, from ``rulefiles.registry``)."""
    problems = verify_attribution() if shipped else []
    return problems + verify_policy_files(files, shipped=shipped, rules=rules)


def verify_policy_files(files: Iterable[Path] = (), *, shipped: bool = True,
                        rules: dict[str, Rule] | None = None,
                        directory: Path | None = None) -> list[str]:
    """Every problem in the policies of ``directory`` (default: the shipped ones; none unless
    ``shipped``) and the user's policy ``files``, as ``file:line: message`` strings. Each
    policy's examples are evaluated and must give their expected status."""
    rules = _shipped_rules() if rules is None else rules
    folder = policies_dir() if directory is None else directory
    paths = sorted(folder.glob("*.yaml"), key=lambda p: p.stem) if shipped else []
    problems: list[str] = []
    for path in [*paths, *(Path(f) for f in files)]:
        try:
            policy = (parse_policy_file(path.read_text(encoding="utf-8"), path.name)
                      if path.parent == folder else read_policy(path))
        except RuleError as e:
            problems.append(str(e))
            continue
        problems += _check_policy(policy, rules)
    return problems
