"""Favicon hashes: MD5 (Recog) and mmh3 of base64 (Shodan / nuclei ``mmh3(base64_py(body))``)."""

from __future__ import annotations

import base64
import hashlib

import mmh3

from camaudit.model import Observation


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def mmh3_hash(data: bytes) -> int:
    """Signed 32-bit mmh3 of the MIME base64 text (76-column lines, trailing newline)."""
    return int(mmh3.hash(base64.encodebytes(data)))


def observations(data: bytes, source: str) -> list[Observation]:
    if not data:
        return []
    return [Observation("http.favicon.md5", md5_hex(data), source),
            Observation("http.favicon.mmh3", str(mmh3_hash(data)), source)]
