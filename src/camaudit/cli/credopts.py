"""The credential options that ``scan`` and ``discover`` share (docs/depth.md)."""

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
