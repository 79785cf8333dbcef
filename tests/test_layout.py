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


def test_every_data_file_is_package_data() -> None:
    """A file under src/ that no package-data glob names is missing from installed wheels."""
    import tomllib
    from fnmatch import fnmatch

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["camaudit"]
    missing = []
    for path in sorted(SRC.rglob("*")):
        if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(SRC).as_posix()
        if not any(fnmatch(rel, g) or fnmatch(rel, g.replace("**/", "")) for g in globs):
            missing.append(rel)
    assert missing == []
