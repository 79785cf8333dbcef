"""Docs are checked by tests: the CLI reference is generated, every command teaches by example."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import click

from camaudit.cli import cli

ROOT = Path(__file__).parent.parent


def _load_generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("cli_docs", ROOT / "scripts" / "cli_docs.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_cli_reference_is_up_to_date() -> None:
    expected = _load_generator().render()
    actual = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/cli.md is stale: run python scripts/cli_docs.py"


def test_every_command_has_help() -> None:
    def walk(cmd: click.Command, name: str) -> None:
        assert cmd.help and len(cmd.help.strip()) > 20, f"{name} has no real help"
        for p in cmd.params:
            if isinstance(p, click.Option) and not p.hidden and p.name not in ("help", "version"):
                assert p.help, f"{name} {p.opts} has no help"
        if isinstance(cmd, click.Group):
            for sub, c in cmd.commands.items():
                walk(c, f"{name} {sub}")

    walk(cli, "camaudit")


def test_readme_starts_with_the_two_setup_commands_and_links_existing_docs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```sh", 1)[1].split("```", 1)[0]
    assert "make demo" in first_block and "make test" in first_block
    for link in re.findall(r"\]\((docs/[^)]+)\)", readme):
        assert (ROOT / link).exists(), link
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def _snippet_runs(page: str) -> list[tuple[list[str], list[str]]]:
    """Run every ```python block of ``docs/<page>`` as is; per block, what it printed and what
    the comments after its print() calls promise."""
    import os
    import subprocess
    import sys

    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    runs = []
    for block in re.findall(r"```python\n(.*?)```", text, re.DOTALL):
        done = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True,
                              cwd=ROOT, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        promised = [line.split("# ", 1)[1].strip() for line in block.splitlines()
                    if line.lstrip().startswith("print(") and "# " in line]
        runs.append(([line.strip() for line in done.stdout.splitlines()], promised))
    return runs


def test_extending_walkthroughs_run_and_print_what_they_promise() -> None:
    """docs/extending.md: a fingerprint rule, a protocol and a policy, each end to end."""
    runs = _snippet_runs("extending.md")
    assert len(runs) == 3
    for printed, promised in runs:
        assert printed == promised, (printed, promised)


def test_fingerprint_format_snippets_run_and_print_what_they_promise() -> None:
    """docs/fingerprints.md says every snippet runs as is; each print's comment is in what it
    prints ("..." stands for any text)."""
    runs = _snippet_runs("fingerprints.md")
    assert len(runs) >= 8
    for printed, promised in runs:
        assert len(printed) >= len(promised), (printed, promised)
        for got, want in zip(printed, promised, strict=False):
            pattern = ".*".join(re.escape(part) for part in want.split("..."))
            assert re.search(pattern, got), (got, want)
