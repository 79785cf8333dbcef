"""Credentials out of every message: ``redact("GET http://admin:pw@10.0.0.5/ failed")`` gives
``GET http://***@10.0.0.5/ failed``.

The one helper every message that may quote a URL or an argument goes through (the CLI's
error line, skipped notes, device errors), so a password typed into a URL never reaches a
terminal, a log or a report.
"""

from __future__ import annotations

import re

# scheme://userinfo@ : the user info runs to the last @ before the path, query or fragment.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,31}://)[^/?#\s@]*(?:@[^/?#\s@]*)*@")
# password=..., pw: ... inside free text (query strings, headers quoted in errors)
_PAIR = re.compile(r"(?i)\b(pass(?:word)?|passwd|pwd|pw|secret|token)(=|:[ \t]*)(?!\*\*\*)"
                   r"([^\s&;,'\"]+)")


def redact(text: str) -> str:
    """``text`` with the user info of every URL, and every ``password=value``, as ``***``."""
    text = _USERINFO.sub(r"\1***@", text)
    return _PAIR.sub(r"\1\2***", text)
