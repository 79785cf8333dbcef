"""Command-line conventions shared by every command module: where machine output goes (stdout,
or the file given with ``-o``, with a note on stderr) and how help is asked for (-h, --help)."""

from __future__ import annotations

from pathlib import Path

import click

from camaudit.errors import UsageError

# Given to every top-level command and group, so -h works (and --help reads the same) whether a
# command runs under ``camaudit`` or on its own in a test.
HELP_SETTINGS = {"help_option_names": ["-h", "--help"]}


def write_output(text: str, output: Path | None) -> None:
    """Print ``text`` to stdout, or write it to ``output`` and say so on stderr."""
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as e:
        raise UsageError(f"cannot write '{output}': {e.strerror or e}") from e
    click.echo(f"wrote {output}", err=True)
