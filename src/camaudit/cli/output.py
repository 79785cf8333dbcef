"""Command-line conventions shared by every command module: where machine output goes (stdout,
or the file given with ``-o``, with a note on stderr), how help is asked for (-h, --help), how
verifier problems end a run, and the options several commands share (``--db`` above all,
declared here once)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

import click

from camaudit.errors import InventoryError, UsageError

# Given to every top-level command and group, so -h works (and --help reads the same) whether a
# command runs under ``camaudit`` or on its own in a test.
HELP_SETTINGS = {"help_option_names": ["-h", "--help"]}

DEFAULT_DB = "$CAMAUDIT_DB, else ~/.local/share/camaudit/inventory.db"

F = TypeVar("F", bound=Callable[..., object])


def db_option(f: F) -> F:
    """``--db PATH|URL`` (parameter ``db``), the same for every command that reads or records
    the inventory. Left out it is None, and ``inventory.resolve`` takes ``$CAMAUDIT_DB`` or the
    default file: so a command can tell a --db given from one taken from the environment."""
    return click.option("--db", metavar="PATH|URL",
                        help="Inventory: a SQLite file or postgresql://user@host/dbname "
                             f"(default: {DEFAULT_DB}).")(f)


def record_options(what: str) -> Callable[[F], F]:
    """``--db``, ``--no-db`` and ``--site`` for a command that records ``what`` it found in the
    inventory (parameters ``db``, ``no_db``, ``site``)."""
    def decorate(f: F) -> F:
        f = click.option("--site", default="", help=f"Site name recorded with {what}.")(f)
        f = click.option("--no-db", is_flag=True,
                         help=f"Do not record {what} in the inventory.")(f)
        return db_option(f)
    return decorate


def exit_with_problems(problems: list[str], checked: str = "") -> NoReturn:
    """Print each verifier problem (``FILE:LINE: message``) on stdout, a count on stderr, and
    exit 1 when there is any, else 0. ``checked`` names what was verified, e.g. "144 rules"."""
    for line in problems:
        click.echo(line)
    click.echo(f"{checked + ', ' if checked else ''}{len(problems)} problem(s)", err=True)
    sys.exit(1 if problems else 0)


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


def not_recorded(error: InventoryError, output: Path | None) -> InventoryError:
    """The error for results written but not recorded: the inventory's reason and where the
    results are (the run's work is never lost to an inventory that failed mid-way)."""
    place = f"in {output}" if output is not None else "on stdout above"
    return InventoryError(f"{error}; the results were not recorded in the inventory, they are "
                          f"{place}")
