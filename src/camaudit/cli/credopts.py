"""Options that several commands share: what and how to probe (``scan``, ``watch``) and the
operator's credentials (``scan``, ``discover``, ``watch``; docs/depth.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from camaudit.credentials import CredentialSet, load

F = TypeVar("F", bound=Callable[..., Any])


def credential_options(f: F) -> F:
    """``--credentials FILE``, ``--credentials-env`` and ``--allow-plain-basic``."""
    f = click.option(
        "--allow-plain-basic", is_flag=True,
        help="Send credentials to a device that offers only Basic authentication over plain "
             "http (the password crosses the network in the clear).")(f)
    f = click.option(
        "--credentials-env", is_flag=True,
        help="Also use CAMAUDIT_USER and CAMAUDIT_PASSWORD for every device that no "
             "--credentials entry covers.")(f)
    return click.option(
        "--credentials", "credentials_file", type=click.Path(path_type=Path), metavar="FILE",
        help="Your own device credentials (TOML, mode 0600; per host, network or maker; "
             "docs/depth.md): log in once per device, read model, firmware, serial, "
             "interfaces and a recorder's cameras, stop at the first refusal.")(f)


def load_credentials(credentials_file: Path | None, credentials_env: bool) -> CredentialSet:
    return load(str(credentials_file) if credentials_file else None, credentials_env)


def probe_options(f: F) -> F:
    """-iL, --exclude, --allow-public, --timeout, --host-timeout, --banner-wait,
    --concurrency and --rate, as ``scan`` and ``watch`` take them."""
    options = [
        click.option("-iL", "input_files", multiple=True, type=click.Path(path_type=Path),
                     metavar="FILE", help="Read targets from FILE (one per line, # comments)."),
        click.option("--exclude", "excludes", multiple=True, metavar="TARGETS",
                     help="Targets to skip (same forms, comma separated)."),
        click.option("--allow-public", is_flag=True,
                     help="Allow targets outside private, loopback and link-local ranges."),
        click.option("--timeout", default=2.0, show_default=True,
                     type=click.FloatRange(0.05, 120), help="Seconds per connection and read."),
        click.option("--host-timeout", default=30.0, show_default=True,
                     type=click.FloatRange(0.1, 3600),
                     help="Seconds for all probes of one host."),
        click.option("--banner-wait", default=1.0, show_default=True,
                     type=click.FloatRange(0, 30),
                     help="Seconds to wait for a service that speaks first (ports 23, 8000 ...)."),
        click.option("--concurrency", default=256, show_default=True,
                     type=click.IntRange(1, 4096), help="Connections open at once."),
        click.option("--rate", type=click.FloatRange(0.01, 100000, min_open=False), metavar="N",
                     help="Start at most N connections per second, all hosts together (default: "
                          "no limit; e.g. 20 for fragile cameras or a slow link). Waiting for "
                          "the rate does not count against --host-timeout."),
    ]
    for option in reversed(options):
        f = option(f)
    return f
