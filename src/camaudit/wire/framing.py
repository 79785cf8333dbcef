"""Incremental reply framing for HTTP and RTSP: is the reply read so far complete?

The transport asks after every read, with the buffer so far. Answering from scratch each time
costs the whole buffer per read, so a server that sends one byte per chunk (or a head one byte
at a time) makes reading quadratic: one such host could starve every other host of the scan of
CPU. A ``Framer`` remembers where it stopped (the search for the blank line ending the head, the
chunk being skipped) and only looks at the new bytes, so a whole reply costs time linear in its
size however it is cut. It gives the same answers as ``http.response_complete`` and
``rtsp.response_complete``; a buffer that does not extend the previous one starts it afresh.
"""

from __future__ import annotations

from camaudit.wire import http, rtsp

_HEX = frozenset(b"0123456789abcdefABCDEF")


class Framer:
    """``Framer("http")`` or ``Framer("rtsp")``: a ``complete(buf) -> bool`` with memory."""

    def __init__(self, proto: str = "http") -> None:
        if proto not in ("http", "rtsp"):
            raise ValueError(f"unknown protocol {proto!r}")
        self.proto = proto
        self._reset()

    def _reset(self) -> None:
        self._seen = 0  # bytes of the buffer already looked at
        self._tail = b""  # the last bytes looked at, to notice a buffer that is not the same
        self._head16 = b""
        self._head_scan = 0  # where the search for the end of the head resumes
        self._body_start = -1  # offset of the body once the head ended
        self._mode = ""  # "chunked", "length", "eof", "done", "nobody"
        self._length = 0
        self._chunk_pos = 0  # absolute offset of the next chunk-size line (chunked)
        self._dechunked = 0

    def __call__(self, buf: bytes) -> bool:
        if len(buf) < self._seen or buf[self._seen - len(self._tail): self._seen] != self._tail \
                or buf[:16] != self._head16:
            self._reset()
        self._head16 = buf[:16]
        self._tail = buf[max(0, len(buf) - 64):]
        self._seen = len(buf)
        if self._body_start < 0:
            decided = self._find_head(buf)
            if decided is not None:
                return decided
        return self._body_done(buf)

    # ------------------------------------------------------------------ head
    def _find_head(self, buf: bytes) -> bool | None:
        """Resume the search for the blank line; decide the framing once found. Returns a
        final answer (garbage, oversized head, no body) or None to go on to the body."""
        start = max(0, self._head_scan - 3)
        ends = [(i, i + n) for i, n in ((buf.find(b"\r\n\r\n", start), 4),
                                         (buf.find(b"\n\n", start), 2)) if i >= 0]
        if not ends:
            self._head_scan = len(buf)
            if len(buf) > http.HEAD_LIMIT:
                return True  # cannot grow into anything usable
            # a start line that cannot begin a reply (empty) needs no more bytes
            return not http.parse_head(buf[:256]).valid
        end, body = min(ends)
        head = http.parse_head(buf[:body])
        if not head.valid:
            return True
        self._body_start = body
        if self.proto == "rtsp":
            declared = http.content_length(head.headers) or 0
            self._mode, self._length = "length", min(declared, rtsp.BODY_LIMIT)
            return None
        status = http.STATUS_LINE.match(head.start_line)
        if status is None:
            return True
        code = int(status.group(2))
        if code < 200 or code in (204, 304):
            return True
        if any(n.lower() == "transfer-encoding" and "chunked" in v.lower()
               for n, v in head.headers):
            self._mode, self._chunk_pos = "chunked", self._body_start
            return None
        length = http.content_length(head.headers)
        if length is None:
            self._mode, self._length = "eof", http.BODY_LIMIT
        else:
            self._mode, self._length = "length", min(length, http.BODY_LIMIT)
        return None

    # ------------------------------------------------------------------ body
    def _body_done(self, buf: bytes) -> bool:
        if self._mode in ("length", "eof"):
            return len(buf) - self._body_start >= self._length
        return self._chunks_done(buf)

    def _chunks_done(self, buf: bytes) -> bool:
        """Skip whole chunks from where the last call stopped (never re-reading them)."""
        pos = self._chunk_pos
        while True:
            nl = buf.find(b"\n", pos, pos + 1024)
            if nl < 0:
                self._chunk_pos = pos
                return len(buf) - pos >= 1024  # a size line this long is garbage
            size_text = buf[pos:nl].split(b";", 1)[0].strip()
            if not size_text or len(size_text) > 8 or not _HEX.issuperset(size_text):
                return True  # syntax error: nothing more worth reading
            size = int(size_text, 16)
            if size == 0:
                self._chunk_pos = pos
                return buf.find(b"\n", nl + 1) >= 0
            end = nl + 1 + size
            if len(buf) < end:
                self._chunk_pos = pos
                return self._dechunked + (len(buf) - nl - 1) >= http.BODY_LIMIT
            self._dechunked += size
            if self._dechunked >= http.BODY_LIMIT:
                return True
            if buf.startswith(b"\r\n", end):
                pos = end + 2
            elif buf.startswith(b"\n", end):
                pos = end + 1
            elif end < len(buf) and not buf.startswith(b"\r", end):
                return True
            else:
                self._chunk_pos = pos
                return False
            self._chunk_pos = pos
