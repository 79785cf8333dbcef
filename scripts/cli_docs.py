"""Write docs/cli.md from the commands' own --help (run: python scripts/cli_docs.py).

tests/test_docs.py fails when docs/cli.md differs from what this prints, so the reference
cannot drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from camaudit.cli import cli

DOC = Path(__file__).parent.parent / "docs" / "cli.md"


def _walk(cmd: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    out = [(path, cmd)]
    if isinstance(cmd, click.Group):
        for name in sorted(cmd.commands):
            out += _walk(cmd.commands[name], [*path, name])
    return out


def render() -> str:
    parts = ["# camaudit command line\n",
             "Generated from the commands' `--help` by `scripts/cli_docs.py`; "
             "do not edit by hand.\n"]
    for path, cmd in _walk(cli, ["camaudit"]):
        ctx = click.Context(cmd, info_name=" ".join(path), terminal_width=100)
        parts.append(f"## `{' '.join(path)}`\n\n```\n{cmd.get_help(ctx)}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC}\n")
