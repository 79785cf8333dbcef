from __future__ import annotations

from click.testing import CliRunner

from camaudit.cli import cli


def test_help_lists_protocols_and_examples() -> None:
    result = CliRunner().invoke(cli, ["discover", "--help"])
    assert result.exit_code == 0
    for text in ("--iface", "--wait", "--listen", "--passive", "--target", "SADP", "DHIP",
                 "camaudit discover --iface eth0 --passive --listen 300"):
        assert text in result.output


def test_passive_without_listen_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["discover", "--iface", "lo", "--passive"])
    assert result.exit_code == 2
    assert "--listen" in result.output


def test_unknown_interface_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["discover", "--iface", "nonexistent9", "--wait", "0"])
    assert result.exit_code == 2
    assert "nonexistent9" in result.output


def test_public_target_needs_allow_public() -> None:
    result = CliRunner().invoke(cli, ["discover", "--iface", "lo", "--passive",
                                      "--target", "8.8.8.8"])
    assert result.exit_code == 2
    assert "public" in result.output
