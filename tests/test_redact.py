from __future__ import annotations

import pytest

from camaudit.redact import redact


@pytest.mark.parametrize(("text", "want"), [
    ("GET http://admin:pw@10.0.0.5/x failed", "GET http://***@10.0.0.5/x failed"),
    ("'ftp://admin:p@ss@host:21/'", "'ftp://***@host:21/'"),
    ("https://user@host/", "https://***@host/"),
    ("rtsp://a:b@h/s?password=abc&x=1", "rtsp://***@h/s?password=***&x=1"),
    ("token: abc123", "token: ***"),
])
def test_credentials_are_redacted(text: str, want: str) -> None:
    assert redact(text) == want


@pytest.mark.parametrize("text", [
    "https://host:8080/path", "cannot read password file 'pw.txt'", "mailto:x@y.z",
    "--device needs --user and --password-file",
])
def test_other_text_is_left_alone(text: str) -> None:
    assert redact(text) == text
