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
    sources = _extension_sources()
    missing = []
    for path in sorted(SRC.rglob("*")):
        if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        if path.suffix == ".so" or path.relative_to(ROOT).as_posix() in sources:
            continue  # extension modules: built from their sources at install time
        rel = path.relative_to(SRC).as_posix()
        if not any(fnmatch(rel, g) or fnmatch(rel, g.replace("**/", "")) for g in globs):
            missing.append(rel)
    assert missing == []


def _extension_sources() -> set[str]:
    """The C sources that setup.py builds, each into an optional extension."""
    import ast

    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Extension":
            kw = {k.arg: k.value for k in node.keywords}
            optional = kw.get("optional")
            assert isinstance(optional, ast.Constant) and optional.value is True, \
                "an install without a compiler must still work"
            sources = node.args[1]
            assert isinstance(sources, ast.List)
            out |= {str(ast.literal_eval(e)) for e in sources.elts}
    return out


def test_c_sources_are_extension_modules_with_tests() -> None:
    """A C file under src/ is built only if setup.py names it; its tests are those of the
    Python module that wraps it (named in the C file's first line)."""
    named = _extension_sources()
    on_disk = {p.relative_to(ROOT).as_posix() for p in SRC.rglob("*.c")}
    assert named and on_disk == named
    for src in named:
        first = (ROOT / src).read_text(encoding="utf-8").splitlines()[0]
        wrapper = first.split("(see ")[1].split(",")[0].split(")")[0]
        assert (TESTS / Path(src).relative_to("src/camaudit").parent
                / f"test_{wrapper}").exists(), src
