"""Credentials file: owner-only mode, precedence, environment, and no secret in any message."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from camaudit.credentials import ENV_PASSWORD, ENV_USER, load
from camaudit.errors import UsageError

SECRET = "s3cret-Pa55"
FILE = f"""
[[credential]]
host = "10.20.0.5"
user = "host-user"
password = "{SECRET}-host"

[[credential]]
net = "10.20.0.0/16"
user = "wide"
password = "{SECRET}-wide"

[[credential]]
net = "10.20.1.0/24"
user = "narrow"
password_env = "SITE_PW"

[[credential]]
maker = "Dahua"
user = "dahua-admin"
password = "{SECRET}-dahua"
"""


def write(tmp_path: Path, text: str, mode: int = 0o600) -> str:
    path = tmp_path / "creds.toml"
    path.write_text(text)
    os.chmod(path, mode)
    return str(path)


def test_most_specific_entry_wins(tmp_path: Path) -> None:
    creds = load(write(tmp_path, FILE), environ={"SITE_PW": f"{SECRET}-env"})
    assert creds.for_device("10.20.0.5").user == "host-user"  # type: ignore[union-attr]
    assert creds.for_device("10.20.1.9").user == "narrow"  # type: ignore[union-attr]
    assert creds.for_device("10.20.1.9").password == f"{SECRET}-env"  # type: ignore[union-attr]
    assert creds.for_device("10.20.7.1", "Dahua").user == "wide"  # type: ignore[union-attr]
    assert creds.for_device("192.168.1.2", "Dahua").user == "dahua-admin"  # type: ignore
    assert creds.for_device("192.168.1.2", "Hikvision") is None
    # a camera behind a recorder is matched by its recorder's address
    assert creds.for_device("10.20.0.5/ch3").user == "host-user"  # type: ignore[union-attr]


def test_environment_default_is_last(tmp_path: Path) -> None:
    env = {ENV_USER: "env-user", ENV_PASSWORD: f"{SECRET}-default", "SITE_PW": "x"}
    creds = load(write(tmp_path, FILE), use_env=True, environ=env)
    assert creds.for_device("172.16.0.1").user == "env-user"  # type: ignore[union-attr]
    assert creds.for_device("10.20.0.5").user == "host-user"  # type: ignore[union-attr]
    assert set(creds.secrets()) == {f"{SECRET}-host", f"{SECRET}-wide", "x",
                                    f"{SECRET}-dahua", f"{SECRET}-default"}
    with pytest.raises(UsageError, match=ENV_PASSWORD):
        load(None, use_env=True, environ={ENV_USER: "u"})


def test_password_never_in_repr_or_str(tmp_path: Path) -> None:
    creds = load(write(tmp_path, FILE), environ={"SITE_PW": "y"})
    cred = creds.for_device("10.20.0.5")
    assert cred is not None
    assert SECRET not in repr(cred) and SECRET not in str(cred) and SECRET not in repr(creds)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_file_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    with pytest.raises(UsageError, match=r"chmod 600") as e:
        load(write(tmp_path, FILE, mode), environ={"SITE_PW": "y"})
    assert SECRET not in str(e.value) and f"{mode:04o}" in str(e.value)


@pytest.mark.parametrize(("text", "problem"), [
    ('[[credential]]\nhost = "10.0.0.1"\nuser = "u"\n', "exactly one of 'password'"),
    (f'[[credential]]\nuser = "u"\npassword = "{SECRET}"\n', "exactly one of host, net"),
    (f'[[credential]]\nhost = "10.0.0.300"\nuser = "u"\npassword = "{SECRET}"\n', "bad host"),
    (f'[[credential]]\nmaker = "Acme"\nuser = "u"\npassword = "{SECRET}"\n', "unknown maker"),
    (f'[[credential]]\nhost = "10.0.0.1"\nuser = "u"\npasword = "{SECRET}"\n', "unknown field"),
    ('[[credential]]\nhost = "10.0.0.1"\nuser = "u"\npassword_env = "NOPE"\n', "NOPE is not set"),
    (f'[credentials]\nuser = "u"\npassword = "{SECRET}"\n', "unknown table"),
    (f'password = "{SECRET}\n', "not TOML"),
])
def test_bad_files_name_the_entry_never_the_secret(tmp_path: Path, text: str,
                                                    problem: str) -> None:
    with pytest.raises(UsageError, match=problem) as e:
        load(write(tmp_path, text), environ={})
    assert SECRET not in str(e.value)
    assert "creds.toml" in str(e.value)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read credentials file"):
        load(str(tmp_path / "nope.toml"))
    with pytest.raises(UsageError):
        load(str(tmp_path))
