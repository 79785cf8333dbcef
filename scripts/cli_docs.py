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


def _walk(ctx: click.Context) -> list[click.Context]:
    out = [ctx]
    cmd = ctx.command
    if isinstance(cmd, click.Group):
        for name in sorted(cmd.commands):
            out += _walk(click.Context(cmd.commands[name], parent=ctx, info_name=name))
    return out


def render() -> str:
    parts = ["# camaudit command line\n",
             "Generated from the commands' `--help` by `scripts/cli_docs.py`; "
             "do not edit by hand.\n"]
    # The same settings the real entry point uses, so -h shows as it does in a terminal.
    root = click.Context(cli, info_name="camaudit", terminal_width=100,
                         **(cli.context_settings or {}))
    for ctx in _walk(root):
        parts.append(f"## `{ctx.command_path}`\n\n```\n{ctx.command.get_help(ctx)}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC}\n")
