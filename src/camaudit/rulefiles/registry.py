"""Every rule family's verifier, listed once, and ``verify_all``, which runs each exactly once.

``camaudit rules verify`` and the test suite call the same code::

    from camaudit.rulefiles.registry import verify_all
    problems = verify_all()                                   # the shipped rules
    problems = verify_all(negatives=Path("tests/data/negatives"))
    problems = verify_all(Path("my-rules"))                   # a tree laid out like rules/

Each problem is one ``file:line: message`` string; a file that cannot be parsed at all is one
problem (its ``RuleError``), not an exception. With ``rule_dir``, each family reads its folder
in that tree (``fingerprints/``, ``attribution/``, ``policies/``, ``egress/``, ``screening/``,
``risks/``, ``lab-profiles/``) and a family whose folder is absent is not verified; the
vocabularies are always the shipped ones. ``verify_family`` runs one family on one folder
(``camaudit rules verify --dir`` verifies fingerprint rules only).

To add a family: write its verifier beside its loader (``directory -> list[str]``) and add one
``Verifier`` line to ``VERIFIERS``. Verifiers are imported when they run, so the families can
use the rest of this package without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from camaudit.errors import RuleError
from camaudit.rulefiles.where import rule_error


@dataclass(frozen=True)
class Verifier:
    """One family: its name, its folder in a rules tree, and its verifier, which takes that
    folder (None: the shipped data) and the negatives folder (fingerprints only)."""

    name: str
    folder: str
    run: Callable[[Path | None, Path | None], list[str]]


def _fingerprints(directory: Path | None, negatives: Path | None) -> list[str]:
    from camaudit.fingerprints.schema import load_rules
    from camaudit.fingerprints.verify import load_negatives, verify

    return verify(load_rules(directory), load_negatives(negatives) if negatives else None)


def _attribution(directory: Path | None, negatives: Path | None) -> list[str]:
    from camaudit import attribution

    return attribution.verify_attribution() if directory is None else \
        attribution.verify_attribution(directory)


def _policies(directory: Path | None, negatives: Path | None) -> list[str]:
    from camaudit import policy

    if directory is None:
        return policy.verify_policy_files()
    rules = None
    fingerprints = directory.parent / "fingerprints"
    if fingerprints.is_dir():  # the examples' evidence names the tree's own fingerprint rules
        from camaudit.fingerprints.schema import load_rules

        try:
            rules = {r.id: r for r in load_rules(fingerprints)}
        except RuleError:
            rules = None  # reported by the fingerprint verifier; judge with the shipped rules
    return policy.verify_policy_files(directory=directory, rules=rules)


def _egress(directory: Path | None, negatives: Path | None) -> list[str]:
    from camaudit.egress import rules

    return rules.verify() if directory is None else rules.verify(rules.load_destinations(directory))


def _screening(directory: Path | None, negatives: Path | None) -> list[str]:
    from camaudit.screening import rules, verify

    return verify.verify() if directory is None else verify.verify(rules.load_ruleset(directory))


def _risks(directory: Path | None, negatives: Path | None) -> list[str]:
    from camaudit import risks

    return risks.verify_risks() if directory is None else risks.verify_risks(directory)


def _firmware(directory: Path | None, negatives: Path | None) -> list[str]:
    from camaudit import currency

    return currency.verify_firmware_data(directory)


def _exposure(directory: Path | None, negatives: Path | None) -> list[str]:
    from camaudit import exposure

    return exposure.verify(directory)


def _lab_profiles(directory: Path | None, negatives: Path | None) -> list[str]:
    """Profiles have no semantic checks of their own: every file must parse (all of them are
    tried, so each broken file is one problem)."""
    from camaudit.lab import profiles

    folder = profiles.profiles_dir() if directory is None else directory
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        return [str(rule_error(str(folder), 0, "no lab profiles found"))]
    problems: list[str] = []
    for path in paths:
        try:
            profiles.parse_profile(path.read_text(encoding="utf-8"), path.name)
        except (OSError, UnicodeDecodeError) as e:
            problems.append(str(rule_error(path.name, 0, f"cannot read lab profile: {e}")))
        except RuleError as e:
            problems.append(str(e))
    return problems


# The order of ``camaudit rules verify``'s output.
VERIFIERS: tuple[Verifier, ...] = (
    Verifier("fingerprints", "fingerprints", _fingerprints),
    Verifier("attribution", "attribution", _attribution),
    Verifier("policies", "policies", _policies),
    Verifier("egress", "egress", _egress),
    Verifier("screening", "screening", _screening),
    Verifier("risks", "risks", _risks),
    Verifier("firmware", "firmware", _firmware),
    Verifier("exposure", "exposure", _exposure),
    Verifier("lab-profiles", "lab-profiles", _lab_profiles),
)


def family(name: str) -> Verifier:
    """The verifier of family ``name`` (``KeyError`` naming the families otherwise)."""
    for v in VERIFIERS:
        if v.name == name:
            return v
    raise KeyError(f"no rule family '{name}' (families: {', '.join(names())})")


def names() -> list[str]:
    return [v.name for v in VERIFIERS]


def _run(verifier: Verifier, directory: Path | None, negatives: Path | None) -> list[str]:
    try:
        return verifier.run(directory, negatives)
    except RuleError as e:  # a file that does not parse: one problem, the others still run
        return [str(e)]


def verify_family(name: str, directory: Path | None = None,
                  negatives: Path | None = None) -> list[str]:
    """The problems of one family, in ``directory`` (its own folder; default: the shipped
    data). ``negatives`` (a folder of generic replies) is read by the fingerprint verifier."""
    return _run(family(name), directory, negatives)


def verify_all(rule_dir: Path | None = None, negatives: Path | None = None) -> list[str]:
    """The problems of every family, each verifier run exactly once, in ``VERIFIERS`` order.

    ``rule_dir``: a tree laid out like ``src/camaudit/rules`` (default: the shipped rules and
    lab profiles); ``negatives``: a folder of generic replies no maker rule may match."""
    if rule_dir is None:
        return [p for v in VERIFIERS for p in _run(v, None, negatives)]
    present = [v for v in VERIFIERS if (rule_dir / v.folder).is_dir()]
    if not present:
        folders = ", ".join(f"{v.folder}/" for v in VERIFIERS)
        return [str(rule_error(str(rule_dir), 0, f"no rule folders ({folders})"))]
    return [p for v in present for p in _run(v, rule_dir / v.folder, negatives)]

