# Types of the compiled capture fast path (_fastpcap.c); see fastpath.py.
from typing import Any

def scan_pcap(buf: bytes, off: int, avail: int, little: bool, link: int, unit: float,
              max_caplen: int, n: int, netflow_map: bytes, table: Any, times: Any, used: int,
              events: Any, event_times: Any) -> tuple[int, int, int, int, int]: ...
def scan_pcapng(buf: bytes, off: int, avail: int, little: bool, links: bytes, units: bytes,
                max_block: int, n: int, netflow_map: bytes, table: Any, times: Any, used: int,
                events: Any, event_times: Any) -> tuple[int, int, int, int, int]: ...
