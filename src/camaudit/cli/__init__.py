"""Command line: argument parsing, output routing and exit codes. The work happens elsewhere.

Exit codes: 0 done, 1 findings, 2 usage or input error (one line on stderr naming the problem),
3 internal error (a bug: one line saying how to report it; ``CAMAUDIT_DEBUG=1`` shows the
traceback). An unexpected exception never exits 1, which would read as "findings".
Machine output goes to stdout or ``-o FILE``; progress and logs go to stderr.

One module per command (``scan``, ``identify``, ``rules``, ``check`` with ``report``,
``discover``, ``egress``, ``inventory``, ``lab`` with ``demo``, ``screen``), the conventions
they share in ``output``, progress in ``console``. Nothing outside this package imports it.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

import click

from camaudit import __version__
from camaudit.cli.check import check, report
from camaudit.cli.discover import discover
from camaudit.cli.egress import egress
from camaudit.cli.identify import identify
from camaudit.cli.importer import import_
from camaudit.cli.inventory import inventory
from camaudit.cli.lab import demo, lab
from camaudit.cli.output import HELP_SETTINGS
from camaudit.cli.rules import rules
from camaudit.cli.scan import scan
from camaudit.cli.screen import screen
from camaudit.cli.watch import watch
from camaudit.errors import CamauditError


def _fail(message: str) -> NoReturn:
    from camaudit.redact import redact

    click.echo(f"camaudit: error: {redact(message)}", err=True)
    sys.exit(2)


INTERNAL_ERROR = 3
REPORT_HINT = ("please report it with the command line you ran and this message "
               "(CAMAUDIT_DEBUG=1 shows the traceback)")


def _internal_error(e: BaseException) -> NoReturn:
    """An exception nothing expected: a bug. One line and exit 3, never 1 (findings)."""
    if os.environ.get("CAMAUDIT_DEBUG", "") not in ("", "0"):
        import traceback

        traceback.print_exception(e, file=sys.stderr)
    from camaudit.redact import redact

    text = " ".join(redact(str(e)).split())[:200]
    click.echo(f"camaudit: internal error: {type(e).__name__}: {text}; {REPORT_HINT}",
               err=True)
    sys.exit(INTERNAL_ERROR)


class _Group(click.Group):
    """Turns CamauditError into one line on stderr and exit status 2, any other exception into
    one line and exit status 3, and Ctrl-C into exit status 130."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CamauditError as e:
            _fail(str(e))
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort,
                BrokenPipeError):
            raise
        except KeyboardInterrupt:
            click.echo("camaudit: interrupted", err=True)
            sys.exit(130)
        except Exception as e:  # noqa: BLE001 - the one place every unexpected error ends
            _internal_error(e)


@click.group(cls=_Group, context_settings=HELP_SETTINGS)
@click.version_option(__version__, prog_name="camaudit")
def cli() -> None:
    """Audit the surveillance equipment on a network.

    camaudit finds cameras, NVRs and DVRs with read-only probes, names the maker behind the
    label (Hikvision, Dahua and Xiongmai firmware sold under other brands), and shows the
    evidence for every verdict.

    \b
    Try it on the built-in lab of emulated devices (loopback only):
      camaudit demo
    Identify one pasted observation:
      echo 'Server: DNVRS-Webs' | camaudit identify --as http-server

    Exit status: 0 done and nothing found, 1 findings (a device covered, analytics advertised),
    2 bad input or usage (one line naming the problem), 3 internal error (a bug: the one line
    says how to report it; CAMAUDIT_DEBUG=1 prints the traceback).
    """


for command in (scan, identify, rules, discover, check, egress, inventory, report, screen, lab,
                demo):
    cli.add_command(command)
cli.add_command(import_)
cli.add_command(watch)


def main() -> None:
    cli(prog_name="camaudit")
