"""``camaudit identify``: one pasted observation -> the same parsers and rules the scanner uses."""

from __future__ import annotations

from camaudit.devices import Identity, identity_of
from camaudit.errors import UsageError
from camaudit.fingerprints.matcher import Matcher, default_matcher
from camaudit.kinds import KINDS

# A pasted observation larger than this is not one observation.
MAX_INPUT = 4 * 1024 * 1024


def identify_bytes(kind: str, data: bytes, matcher: Matcher | None = None) -> Identity:
    """Parse ``data`` as ``kind`` and merge every rule match into an Identity."""
    parse = KINDS.get(kind)
    if parse is None:
        raise UsageError(f"unknown kind '{kind}' (one of: {', '.join(sorted(KINDS))})")
    if len(data) > MAX_INPUT:
        raise UsageError(f"input is {len(data)} bytes; identify reads at most {MAX_INPUT}")
    try:
        observations = parse(data)
    except ValueError as e:
        raise UsageError(f"cannot read input as {kind}: {e}") from e
    return identity_of((matcher or default_matcher()).match_all(observations))
