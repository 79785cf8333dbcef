"""The verifier registry: every family once, the shipped rules clean, injected problems once."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from camaudit.lab.profiles import profiles_dir
from camaudit.rulefiles import registry
from camaudit.rulefiles.registry import VERIFIERS, family, names, verify_all, verify_family

ROOT = Path(__file__).parent.parent.parent
RULES = ROOT / "src" / "camaudit" / "rules"
NEGATIVES = ROOT / "tests" / "data" / "negatives"
FAILING_POLICY = ROOT / "tests" / "data" / "policies" / "failing-examples.yaml"


def test_every_family_is_registered_once() -> None:
    assert names() == ["fingerprints", "attribution", "policies", "egress", "screening", "risks",
                       "firmware", "exposure", "lab-profiles"]
    assert len({v.folder for v in VERIFIERS}) == len(VERIFIERS)
    assert family("policies").folder == "policies"
    with pytest.raises(KeyError, match="no rule family 'nope'"):
        family("nope")


def test_shipped_rules_verify_clean() -> None:
    problems = verify_all(negatives=NEGATIVES)
    assert problems == [], "\n".join(problems)


def test_verify_all_runs_each_verifier_exactly_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: Counter[str] = Counter()

    def counting(v: registry.Verifier) -> registry.Verifier:
        def run(directory: Path | None, negatives: Path | None) -> list[str]:
            calls[v.name] += 1
            return [f"{v.name}.yaml:1: problem"]
        return registry.Verifier(v.name, v.folder, run)

    monkeypatch.setattr(registry, "VERIFIERS", tuple(counting(v) for v in VERIFIERS))
    assert verify_all() == [f"{n}.yaml:1: problem" for n in names()]
    assert calls == Counter({n: 1 for n in names()})


def _tree(tmp_path: Path) -> Path:
    """A copy of the shipped rules, laid out as ``verify_all`` reads a tree."""
    tree = tmp_path / "rules"
    shutil.copytree(RULES, tree, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(profiles_dir(), tree / "lab-profiles")
    return tree


def test_a_copy_of_the_shipped_tree_verifies_clean(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    assert verify_all(tree, NEGATIVES) == []


def test_injected_attribution_and_policy_problems_are_each_reported_once(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    (tree / "attribution" / "zz-broken.yaml").write_text(
        "links:\n"
        "  - {brand: Foo, maker: Acme, relation: relabel, grade: C, source: test}\n"
        "examples:\n"
        "  - {brand: foo, expect: [Dahua]}\n", encoding="utf-8")
    shutil.copy(FAILING_POLICY, tree / "policies" / FAILING_POLICY.name)
    problems = verify_all(tree)
    counts = Counter(problems)
    assert "zz-broken.yaml:2: maker 'Acme' not in vocab/makers.txt" in counts
    assert "zz-broken.yaml:4: example brand 'foo' gives ['Acme'], expected ['Dahua']" in counts
    assert ("failing-examples.yaml:2: policy failing-examples: needs an example device that is "
            "not-covered") in counts
    assert any(p.startswith("failing-examples.yaml:11: example 'Axis said to be covered'")
               for p in counts)
    assert set(counts.values()) == {1}, counts


def test_a_file_that_does_not_parse_is_one_problem_and_the_rest_still_run(
        tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    (tree / "egress" / "broken.yaml").write_text("destinations: [\n", encoding="utf-8")
    (tree / "risks" / "zz.yaml").write_text("risks:\n  - {id: nope}\n", encoding="utf-8")
    (tree / "lab-profiles" / "bad.yaml").write_text("id: bad\n", encoding="utf-8")
    (tree / "lab-profiles" / "worse.yaml").write_text("id: [\n", encoding="utf-8")
    problems = verify_all(tree)
    assert [p.split(":")[0] for p in problems] == ["broken.yaml", "zz.yaml", "bad.yaml",
                                                   "worse.yaml"], problems
    assert problems[0].startswith("broken.yaml:2: invalid YAML")
    assert problems[1].startswith("zz.yaml:2: risk rule: field 'id' 'nope' is not a CVE id")


def test_a_family_folder_missing_from_the_tree_is_not_verified(tmp_path: Path) -> None:
    tree = tmp_path / "rules"
    shutil.copytree(RULES / "attribution", tree / "attribution")
    (tree / "attribution" / "x.yaml").write_text(
        "links:\n  - {brand: Foo, maker: Acme, relation: relabel, grade: C, source: t}\n"
        "examples:\n  - {brand: foo, expect: [Acme]}\n", encoding="utf-8")
    assert verify_all(tree) == ["x.yaml:2: maker 'Acme' not in vocab/makers.txt"]
    assert verify_all(tmp_path) == [
        f"{tmp_path}:0: no rule folders (fingerprints/, attribution/, policies/, egress/, "
        "screening/, risks/, firmware/, exposure/, lab-profiles/)"]


def test_verify_family_runs_one_family_on_one_folder(tmp_path: Path) -> None:
    (tmp_path / "http.header.server.yaml").write_text(
        "matches: http.header.server\nrules:\n  - id: Bad_Id\n    pattern: '^x$'\n"
        "    grade: firmware\n    source: t\n    examples: [{value: x}]\n", encoding="utf-8")
    assert verify_family("fingerprints", tmp_path) == [
        "http.header.server.yaml:3: id 'Bad_Id' must be lower-case words joined by -"]
    assert verify_family("attribution") == []
    bad = tmp_path / "negatives"
    bad.mkdir()
    (bad / "n.yaml").write_text("- {key: http.title}\n", encoding="utf-8")
    assert verify_family("fingerprints", None, bad) == [
        "n.yaml:1: negative #1: field 'value' is missing"]
