"""``camaudit check`` (devices against policies) and ``camaudit report`` (FAR 52.204-25 worksheet).

Both read the device records a scan wrote (``scan --format json`` or ``jsonl``) or the
inventory's latest scan (``devicefile``), evaluate the policies in ``rules/policies/`` or the
user's own policy files, and print (``reports.check``, the reporters). Errors in the input
or in a policy file raise ``UsageError``/``RuleError`` naming file, line and field; the CLI group
turns them into one line and exit status 2.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from camaudit.cli.output import HELP_SETTINGS, db_option, exit_with_problems, write_output
from camaudit.devicefile import load_devices
from camaudit.errors import UsageError

CHECK_FORMATS = ("table", "json", "csv")
REPORT_FORMATS = ("html", "csv", "json", "far-889", "ocsf", "cyclonedx", "netbox")


def _policies(names: Sequence[str], files: Sequence[Path]) -> list[Any]:
    from camaudit.policy import load_policies
    from camaudit.policy_schema import policy_names

    if "all" in names:
        names = policy_names()
    return load_policies(list(names) if names or files else None, files)


_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _source_options(f: Any) -> Any:
    """--input FILE, or the inventory (--db, --site, --scan): where the devices come from."""
    f = click.option("--scan", "scan_id", type=int,
                     help="Use this scan of the inventory (see inventory history).")(f)
    f = click.option("--site", help="Use the latest scan of this site.")(f)
    f = db_option(f)
    return click.option("--input", "input_path", metavar="FILE",
                        type=click.Path(path_type=Path, dir_okay=False),
                        help="Scan output to use (scan --format json or jsonl) instead of the "
                             "inventory.")(f)


@click.command(context_settings=HELP_SETTINGS)
@_source_options
@click.option("--policy", "names", multiple=True, metavar="NAME",
              help="Shipped policy to apply (repeatable; 'all' for every one). Default: the US "
                   "federal ones, fcc-covered-list and ndaa-889. 'hygiene' judges exposures "
                   "(docs/exposure.md), not makers.")
@click.option("--policy-file", "files", multiple=True, metavar="FILE",
              type=click.Path(path_type=Path, dir_okay=False),
              help="Your own policy file (repeatable; format in docs/policies.md). Alone it "
                   "replaces the default policies; add --policy to keep shipped ones.")
@click.option("--format", "fmt", type=click.Choice(CHECK_FORMATS), default="table",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write output to FILE.")
@click.option("--date", "day", type=_DATE, metavar="YYYY-MM-DD",
              help="Judge as of this date (default: today); listings have start dates.")
@click.option("--verify-policies", is_flag=True,
              help="Run every policy's and attribution entry's examples (plus --policy-file "
                   "files) and print problems as FILE:LINE: message; exit 1 if any.")
@click.option("--list-policies", is_flag=True, help="List the shipped policies and exit.")
def check(input_path: Path | None, db: str | None, site: str | None, scan_id: int | None,
          names: tuple[str, ...], files: tuple[Path, ...], fmt: str, output: Path | None,
          day: dt.datetime | None, verify_policies: bool, list_policies: bool) -> None:
    """Judge scanned devices against bans and procurement rules.

    Each device gets one verdict per policy: covered, not-covered or unknown (too little
    evidence to say), with the reason, the evidence grade and the legal references. The
    maker is decided by technical evidence; brand lists only explain it. The hygiene policy
    (--policy hygiene) judges the device's exposures instead: exposed, not-exposed or
    unknown. Exit status 1 when any device is covered or exposed, 0 otherwise, 2 on bad
    input or a bad policy file.

    Devices come from --input, or else from the inventory's latest scan.

    \b
    Examples:
      camaudit check                                  # the latest scan in the inventory
      camaudit check --site north --policy us-texas
      camaudit scan 10.0.0.0/24 --format json -o scan.json
      camaudit check --input scan.json
      camaudit check --input scan.json --policy ndaa-889 --policy uk-sensitive-sites
      camaudit check --input scan.json --policy hygiene
      camaudit check --input scan.json --policy all --format csv -o verdicts.csv
      camaudit check --input scan.json --policy-file our-policy.yaml
      camaudit check --verify-policies --policy-file our-policy.yaml
    """
    from camaudit.judge import judge
    from camaudit.policy import load_policies
    from camaudit.policy import verify_policies as verify
    from camaudit.reports.check import render_csv, render_json, render_table

    if list_policies:
        from camaudit.policy_schema import policy_names

        for p in load_policies(policy_names()):
            click.echo(f"{p.id}\t{p.jurisdiction}\t{p.title}")
        return
    if verify_policies:
        exit_with_problems(verify(files))
    policies = _policies(names, files)
    on = day.date() if day else dt.date.today()
    found, meta = load_devices(input_path, db, site, scan_id)
    # verdicts and risks are judged anew under today's rules (a record may predate them)
    devices = judge(found, policies, on=on)
    covered = sum(any(v.status == "covered" for v in d.verdicts) for d in devices)
    exposed = sum(any(v.status == "exposed" for v in d.verdicts) for d in devices)
    if fmt == "json":
        meta.update({"date": on.isoformat(), "policies": [p.id for p in policies],
                     "covered_devices": covered, "exposed_devices": exposed})
        text = render_json(devices, meta)
    else:
        text = render_csv(devices) if fmt == "csv" else render_table(devices)
    write_output(text, output)
    sys.exit(1 if covered or exposed else 0)


@click.command(context_settings=HELP_SETTINGS)
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), required=True,
              help="html: a self-contained page to hand over; csv and json: device records "
                   "with verdicts and risks; far-889: FAR 52.204-25(d)(2)(i) worksheet of "
                   "covered devices.")
@_source_options
@click.option("--all-sites", is_flag=True,
              help="A roll-up: the latest scan of every site in the inventory, with a site "
                   "column (the HTML report shows each site's count).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the report to FILE.")
@click.option("--date", "day", type=_DATE, metavar="YYYY-MM-DD",
              help="Judge as of this date (default: today).")
def report(fmt: str, input_path: Path | None, db: str | None, site: str | None,
           scan_id: int | None, all_sites: bool, output: Path | None,
           day: dt.datetime | None) -> None:
    """Write a report over scanned devices, from the inventory or a scan file.

    The HTML report is one self-contained file (no network at view time): devices by maker,
    covered and relabeled devices called out, changes since the previous scan of the site, a
    sortable and filterable table and every device's evidence.

    The far-889 worksheet has one row per device covered under NDAA FY2019 section 889,
    with the fields FAR 52.204-25(d)(2)(i) asks for (brand; model, OEM, part or wholesaler
    number; item description), empty contract and supplier fields (contract and order
    number, supplier name, UEI, CAGE) for you to fill, and the evidence behind each row.
    The scan supports, but does not replace, the reasonable inquiry.

    \b
    Examples:
      camaudit report --format html -o audit.html
      camaudit report --format html --db postgresql://audit@db/cams --site north -o north.html
      camaudit report --format html --db postgresql://audit@db/cams --all-sites -o all.html
      camaudit report --format far-889 --input scan.json -o far-889.csv
      camaudit report --format json --input scan.jsonl -o verdicts.json
    """
    from camaudit.judge import judge
    from camaudit.policy import load_policies
    from camaudit.reports import REPORTERS, far889
    from camaudit.reports.check import render_json

    on = day.date() if day else dt.date.today()
    if all_sites and (site or scan_id is not None or input_path is not None):
        raise UsageError("--all-sites reads every site's latest scan: leave out --site, --scan "
                         "and --input")
    policies = load_policies([far889.POLICY] if fmt == "far-889" else None)
    found, meta = load_devices(input_path, db, site, scan_id, all_sites)
    devices = judge(found, policies, on=on)
    meta.update({"date": on.isoformat(), "policies": [p.id for p in policies]})
    if fmt == "far-889":
        text = far889.render(devices, meta)
    elif fmt == "json":
        text = render_json(devices, meta)
    else:
        text = REPORTERS[fmt](devices, meta)
    write_output(text, output)
