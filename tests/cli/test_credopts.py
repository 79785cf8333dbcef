"""--credentials on scan and discover: refused when others may read it, never echoed."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from camaudit.cli import cli

SECRET = "Cli-Secret-9"  # noqa: S105 - a test credential


def test_scan_refuses_a_world_readable_credentials_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'[[credential]]\nhost = "127.0.0.1"\nuser = "u"\npassword = "{SECRET}"\n')
    os.chmod(path, 0o644)
    for command in (["scan", "127.0.0.1", "--no-db"], ["discover", "--iface", "lo", "--no-db"]):
        result = CliRunner().invoke(cli, [*command, "--credentials", str(path)])
        assert result.exit_code == 2, result.output
        assert "chmod 600" in result.output and SECRET not in result.output


def test_no_depth_and_credentials_exclude_each_other(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'[[credential]]\nhost = "127.0.0.1"\nuser = "u"\npassword = "{SECRET}"\n')
    os.chmod(path, 0o600)
    result = CliRunner().invoke(cli, ["scan", "127.0.0.1", "--no-db", "--no-depth",
                                      "--credentials", str(path)])
    assert result.exit_code == 2 and "exclude each other" in result.output


def test_environment_credentials_need_both_variables() -> None:
    result = CliRunner().invoke(cli, ["scan", "127.0.0.1", "--no-db", "--credentials-env"],
                                env={"CAMAUDIT_USER": "u", "CAMAUDIT_PASSWORD": ""})
    assert result.exit_code == 2 and "CAMAUDIT_PASSWORD" in result.output
