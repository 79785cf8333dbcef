"""Sans-I/O codecs: bytes in, frozen records out, observations keyed by rules/vocab/keys.txt.

No module here opens a socket. Parsers bound every read and never raise on wire input: a reply
they cannot use comes back with ``valid=False`` and a short ``problem``.
"""
