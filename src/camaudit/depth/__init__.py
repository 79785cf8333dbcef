"""Device depth: model, firmware, serial and a recorder's cameras, read-only (docs/depth.md).

``run.deepen`` asks a host what it says of itself, first without credentials, then with the
operator's (``camaudit.credentials``) through one ``session.Session`` that stops at the first
refusal; ``channels`` reads a recorder's channel list into the cameras behind it.
"""
