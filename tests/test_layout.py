"""Tests mirror src/ (mitmproxy's filename_matching): every module has its test file."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).parent.parent
SRC = ROOT / "src" / "camaudit"
TESTS = ROOT / "tests"

# Modules without behaviour of their own to test, and why.
EXEMPT = {
    "__init__.py": "package markers and registries, exercised through their users",
    "__main__.py": "one line calling cli.main",
    "errors.py": "exception classes only; messages are tested where they are raised",
}


def test_every_module_has_a_mirrored_test_file() -> None:
    missing = []
    for module in sorted(SRC.rglob("*.py")):
        if module.name in EXEMPT:
            continue
        rel = module.relative_to(SRC)
        expected = TESTS / rel.parent / f"test_{module.name}"
        if not expected.exists():
            missing.append(f"{rel} -> {expected.relative_to(ROOT)}")
    assert missing == [], "modules without tests:\n" + "\n".join(missing)


def test_no_module_is_a_grab_bag() -> None:
    too_long = [f"{p.relative_to(SRC)}: {n} lines" for p in SRC.rglob("*.py")
                if (n := len(p.read_text(encoding="utf-8").splitlines())) > 450]
    assert too_long == []
