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


def _imported_modules(source: str, package: str) -> set[str]:
    """Every module ``source`` imports, at any depth (absolute, or relative resolved against
    ``package``, the dotted package the source lives in); ``from a import b`` counts as both
    ``a`` and ``a.b``."""
    import ast

    parts = package.split(".")
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = parts[:len(parts) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found |= {f"{module}.{a.name}" for a in node.names}
    return found


def test_no_library_module_imports_the_command_line() -> None:
    """The command line is argument parsing and exit codes only: nothing outside camaudit/cli
    (but ``python -m camaudit``) imports it, so the library never depends on a command."""
    cli = SRC / "cli"
    offenders = []
    for module in sorted(SRC.rglob("*.py")):
        if module.is_relative_to(cli) or module == SRC / "__main__.py":
            continue
        package = ".".join(["camaudit", *module.relative_to(SRC).parent.parts])
        names = _imported_modules(module.read_text(encoding="utf-8"), package)
        if any(n == "camaudit.cli" or n.startswith("camaudit.cli.") for n in names):
            offenders.append(str(module.relative_to(SRC)))
    assert offenders == []


def test_the_import_check_sees_every_form() -> None:
    forms = {"import camaudit.cli": "camaudit.cli",
             "from camaudit.cli.output import write_output": "camaudit.cli.output",
             "from camaudit import cli": "camaudit.cli",
             "from ..cli import check": "camaudit.cli",
             "from . import output": "camaudit.cli.output"}
    for line, expected in forms.items():
        package = "camaudit.cli" if line.startswith("from . ") else "camaudit.reports"
        assert expected in _imported_modules(f"def f():\n    {line}\n", package), line


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
