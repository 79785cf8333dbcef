"""``camaudit identify --as KIND``: identify one observation pasted from elsewhere."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from camaudit.cli.output import HELP_SETTINGS
from camaudit.errors import UsageError


def _kinds_help() -> str:
    from camaudit.kinds import KIND_HELP

    return "\n".join(f"  {k:<26} {v}" for k, v in KIND_HELP.items())


class _IdentifyCommand(click.Command):
    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write("\nKinds:\n" + _kinds_help() + "\n")


@click.command(cls=_IdentifyCommand, context_settings=HELP_SETTINGS)
@click.option("--as", "kind", required=True, metavar="KIND", help="What the input is (see Kinds).")
@click.argument("source", default="-", metavar="[FILE|-]")
def identify(kind: str, source: str) -> None:
    """Identify one observation pasted from elsewhere and print the verdict as JSON.

    \b
    Examples:
      echo 'Server: DNVRS-Webs' | camaudit identify --as http-server
      camaudit identify --as tls-cert device.pem
      camaudit identify --as mac 68-6d-bc-ee-f8-f0
    The mac and open-ports kinds also take the value itself instead of a file.
    """
    from camaudit.identify import MAX_INPUT, identify_bytes
    from camaudit.kinds import KINDS

    if kind not in KINDS:
        raise UsageError(f"unknown kind '{kind}' (one of: {', '.join(sorted(KINDS))})")
    # read one byte past the cap, never more: /dev/zero or an endless pipe is an error, not a
    # memory blow-up
    if source == "-":
        data = sys.stdin.buffer.read(MAX_INPUT + 1)
    elif kind in ("mac", "open-ports") and not Path(source).exists():
        data = source.encode()
    else:
        try:
            with Path(source).open("rb") as f:
                data = f.read(MAX_INPUT + 1)
        except OSError as e:
            raise UsageError(f"cannot read '{source}': {e.strerror or e}") from e
    if len(data) > MAX_INPUT:
        raise UsageError(f"'{source}' holds more than {MAX_INPUT} bytes; identify reads one "
                         "observation of at most that")
    result = identify_bytes(kind, data)
    click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
