"""Where machine output goes: stdout, or the file given with ``-o`` (the note goes to stderr)."""

from __future__ import annotations

from pathlib import Path

import click

from camaudit.errors import UsageError


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
