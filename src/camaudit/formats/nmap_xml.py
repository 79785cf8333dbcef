"""nmap XML (``nmap -sV -oX FILE``) -> hosts with camaudit observations, and their devices.

Sans-I/O: ``parse(data, name)`` takes the file's bytes; ``name`` only names the file in errors.
Bounded: more than ``MAX_BYTES`` is refused, every parse goes through defusedxml, and each
reply is cut to the limits of the decoder it goes to. A file that is too large, not
well-formed or not nmap's raises ``UsageError`` naming the file (and the line).

What becomes an observation (keys of ``rules/vocab/keys.txt``), for each host that is up:

* its MAC address (``mac.address``; ``mac.org`` from the IEEE registry, else the vendor nmap
  printed) and its open ports (``ports.open``);
* the replies inside each ``servicefp``: nmap keeps, escaped, the raw reply of a service it
  could not name. HTTP and RTSP replies go through the scan's own decoders (``wire.http``,
  ``wire.rtsp``), the bytes a service sent unprompted (nmap's NULL probe) through
  ``wire.banner``;
* script output: ``http-server-header``, ``http-title``, ``http-headers``, ``http-auth`` (its
  realms), ``rtsp-methods``, ``banner`` and ``ssl-cert`` (its PEM, else subject and issuer).

nmap's own conclusions (``product``, ``version``, ``devicetype``, CPEs) are not evidence: a device
is judged on what it said, by the same rules and the same ``build_device`` and ``judge`` as a
scan. nmap's service name only names the port.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from camaudit.devices import build_device
from camaudit.errors import UsageError
from camaudit.fingerprints.matcher import Matcher, default_matcher
from camaudit.judge import judge
from camaudit.model import Device, Observation, Port
from camaudit.policy import Policy
from camaudit.wire import banner, http, mac, ports, rtsp, tls

MAX_BYTES = 64 * 1024 * 1024
MAX_FINGERPRINT = 256 * 1024  # one servicefp attribute (nmap's own are a few KiB)
MAX_REPLIES = 32  # replies kept from one servicefp
MAX_SCRIPT = 64 * 1024  # one script's output
# The banner script cuts its output to a width and ends it with "..."; shorter output is whole.
BANNER_CUT = 60

_REPLY = re.compile(r'%r\(([^,()"]{1,64}),([0-9A-Fa-f]{1,8}),"')
_QUOTED = re.compile(r'(?:[^"\\]|\\.)*', re.DOTALL)
_FP_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|.)", re.DOTALL)
_FP_SIMPLE = {"0": b"\0", "n": b"\n", "r": b"\r", "t": b"\t"}
_HEX_ESCAPE = re.compile(r"\\x([0-9A-Fa-f]{2})")
_HEADER_LINE = re.compile(r"^([!#$%&'*+.^_`|~0-9A-Za-z-]{1,80}):(.*)$")
_POSITION = re.compile(r":? line \d+, column \d+$")


@dataclass(frozen=True, slots=True)
class NmapHost:
    """One host nmap saw up: its address, MAC, names, open ports and what they said."""

    ip: str
    mac: str | None = None
    hostnames: tuple[str, ...] = ()
    ports: tuple[Port, ...] = ()
    observations: tuple[Observation, ...] = ()
    seen: str | None = None  # when nmap finished the host, ISO 8601 UTC


@dataclass(frozen=True, slots=True)
class NmapRun:
    """A parsed nmap XML file: the run's command line, nmap's version, start and hosts."""

    hosts: tuple[NmapHost, ...]
    args: str = ""
    version: str = ""
    started: str | None = None


def _iso(epoch: str | None) -> str | None:
    if not epoch or not epoch.isdigit() or len(epoch) > 12:
        return None
    return datetime.fromtimestamp(int(epoch), UTC).isoformat().replace("+00:00", "Z")


def unescape_fingerprint(text: str) -> bytes:
    """The bytes of one reply as nmap escapes it in a service fingerprint: ``\\xHH``, ``\\0``,
    ``\\r``, ``\\n``, ``\\t``, and a backslash before any other character (``\\.``, ``\\"``,
    ``\\\\``) standing for that character."""
    out = bytearray()
    pos = 0
    for m in _FP_ESCAPE.finditer(text):
        out += text[pos:m.start()].encode("latin-1", "replace")
        token = m.group(1)
        if len(token) == 3:
            out.append(int(token[1:], 16))
        else:
            out += _FP_SIMPLE.get(token) or token.encode("latin-1", "replace")
        pos = m.end()
    out += text[pos:].encode("latin-1", "replace")
    return bytes(out)


def fingerprint_replies(fp: str) -> list[tuple[str, bytes]]:
    """``(probe name, reply bytes)`` for each ``%r(Probe,LEN,"...")`` of a servicefp. Long
    fingerprints printed over several ``SF:`` lines are joined first."""
    fp = fp[:MAX_FINGERPRINT].replace("\nSF:", "").replace("\r", "")
    out: list[tuple[str, bytes]] = []
    pos = 0
    while len(out) < MAX_REPLIES:
        m = _REPLY.search(fp, pos)
        if m is None:
            break
        quoted = _QUOTED.match(fp, m.end())
        end = quoted.end() if quoted else m.end()
        out.append((m.group(1), unescape_fingerprint(fp[m.end():end])))
        pos = end + 1
    return out


def banner_bytes(output: str) -> bytes:
    """The bytes behind the ``banner`` script's output: its line breaks are wrapping (a real
    line end is printed ``\\x0A``), ``\\xHH`` is a byte, and a trailing ``...`` on output as long
    as the script allows means the banner was cut there."""
    text = output.replace("\n", "")
    if text.endswith("...") and len(text) >= BANNER_CUT:
        text = text[:-3]
    out = bytearray()
    pos = 0
    for m in _HEX_ESCAPE.finditer(text):
        out += text[pos:m.start()].encode("latin-1", "replace")
        out.append(int(m.group(1), 16))
        pos = m.end()
    out += text[pos:].encode("latin-1", "replace")
    return bytes(out)


def _reply_observations(probe: str, port: int, reply: bytes, source: str) -> list[Observation]:
    if reply.startswith(b"HTTP/"):
        return http.observations(http.parse_response(reply, lenient=True), source)
    if reply.startswith(b"RTSP/"):
        return rtsp.observations(rtsp.parse_response(reply, lenient=True), source)
    if probe == "NULL":
        return banner.observations(port, reply, source)
    return []


def _elems(script: Element, key: str | None = None) -> list[str]:
    """Text of the script's ``<elem>`` children (with ``key``, or without any key)."""
    return [(e.text or "").strip() for e in script.iter("elem")
            if e.get("key") == key and (e.text or "").strip()]


def _table_dn(script: Element, key: str) -> str:
    table = next((t for t in script.findall("table") if t.get("key") == key), None)
    if table is None:
        return ""
    parts = [f"{e.get('key')}={(e.text or '').strip()}" for e in table.findall("elem")
             if e.get("key") and (e.text or "").strip()]
    return tls.normalize_dn(",".join(p.replace(",", "\\,") for p in parts))


def _headers_observations(output: str, source: str) -> list[Observation]:
    """The header lines ``http-headers`` printed, read as the head of a reply (no status)."""
    lines: list[str] = []
    for raw in output.strip("\n").split("\n"):
        line = raw.strip()
        if not line:
            break
        if _HEADER_LINE.match(line):
            lines.append(line)
    if not lines:
        return []
    head = ("HTTP/1.1 000 -\r\n" + "\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    return [o for o in http.observations(http.parse_response(head, lenient=True), source)
            if o.key != "http.status"]


def _script_observations(script: Element, port: int, source: str) -> list[Observation]:
    sid = script.get("id", "")
    output = (script.get("output") or "")[:MAX_SCRIPT]
    src = f"{source} {sid}"
    if sid == "http-server-header":
        values = _elems(script) or [v.strip() for v in output.split("\n") if v.strip()]
        return [Observation("http.header.server", v, src) for v in values]
    if sid == "http-title":
        titles = [t for t in (http.html_title(f"<title>{v}</title>")
                              for v in _elems(script, "title")) if t]
        return [Observation("http.title", t, src) for t in titles]
    if sid == "http-headers":
        return _headers_observations(output, src)
    if sid == "http-auth":
        realms = [(e.text or "").strip() for e in script.iter("elem")
                  if e.get("key") == "realm" and (e.text or "").strip()]
        return [Observation("http.realm", r, src) for r in realms]
    if sid == "rtsp-methods":
        value = output.strip()
        return [Observation("rtsp.public", value, src)] if value else []
    if sid == "banner":
        return banner.observations(port, banner_bytes(output), src)
    if sid == "ssl-cert":
        pem = _elems(script, "pem")
        if pem:
            return tls.cert_observations(pem[0].encode("ascii", "replace") + b"\n", src)
        return [Observation(key, dn, src) for key, dn in
                (("tls.subject", _table_dn(script, "subject")),
                 ("tls.issuer", _table_dn(script, "issuer"))) if dn]
    return []


def _port(element: Element) -> tuple[Port, list[Observation]] | None:
    """An open port and what it said, or None when the port is not open."""
    state = element.find("state")
    number = element.get("portid", "")
    if state is None or not state.get("state", "").startswith("open") or not number.isdigit():
        return None
    proto = element.get("protocol", "tcp").lower()
    port = int(number)
    if not 1 <= port <= 65535 or proto not in ("tcp", "udp"):
        return None
    source = f"nmap {proto}/{port}"
    service = element.find("service")
    found: list[Observation] = []
    if service is not None:
        for probe, reply in fingerprint_replies(service.get("servicefp") or ""):
            found += _reply_observations(probe, port, reply, f"{source} {probe}")
    for script in element.findall("script"):
        found += _script_observations(script, port, source)
    name = service.get("name", "") if service is not None else ""
    return Port(port, proto, name), found


def _address(host: Element, kind: str) -> Element | None:
    return next((a for a in host.findall("address") if a.get("addrtype") == kind), None)


def _mac_observations(address: Element | None) -> list[Observation]:
    if address is None:
        return []
    found = mac.observations(address.get("addr", ""), "nmap")
    vendor = (address.get("vendor") or "").strip()
    if found and vendor and not any(o.key == "mac.org" for o in found):
        found.append(Observation("mac.org", vendor, "nmap"))
    return found


def _unique(observations: Iterable[Observation]) -> tuple[Observation, ...]:
    """Each (key, value) once, with the first source that gave it (as a scan keeps them)."""
    kept: dict[tuple[str, str], Observation] = {}
    for o in observations:
        kept.setdefault((o.key, o.value), o)
    return tuple(kept.values())


def _host(host: Element) -> NmapHost | None:
    status = host.find("status")
    if status is not None and status.get("state") != "up":
        return None
    address = _address(host, "ipv4")
    if address is None:  # an Element without children is false: no "or" here
        address = _address(host, "ipv6")
    if address is None or not address.get("addr"):
        return None
    open_ports: list[Port] = []
    said: list[Observation] = []
    for element in host.iter("port"):
        found = _port(element)
        if found is not None:
            open_ports.append(found[0])
            said += found[1]
    macs = _mac_observations(_address(host, "mac"))
    if not open_ports and not macs:
        return None
    observations = _unique([*ports.observations(open_ports, "nmap"), *macs, *said])
    names = tuple(dict.fromkeys(n.get("name", "") for n in host.iter("hostname")
                                if n.get("name")))
    mac_address = next((o.value for o in macs if o.key == "mac.address"), None)
    return NmapHost(address.get("addr", ""), mac_address, names,
                    tuple(sorted(open_ports, key=lambda p: (p.proto, p.port))), observations,
                    _iso(host.get("endtime") or host.get("starttime")))


def _root(data: bytes, name: str) -> Element:
    if len(data) > MAX_BYTES:
        raise UsageError(f"{name}: larger than {MAX_BYTES // (1024 * 1024)} MiB; split the "
                         "scan (nmap -oX per subnet) and import each file")
    try:
        root = SafeET.fromstring(data)
    except ParseError as e:
        line = e.position[0] if getattr(e, "position", None) else 0
        reason = _POSITION.sub("", str(e)) or "not well-formed"
        hint = " (an interrupted nmap run leaves its XML unfinished)" \
            if "no element found" in reason or "unclosed token" in reason else ""
        raise UsageError(f"{name}:{line}: not well-formed XML: {reason}{hint}") from e
    except DefusedXmlException as e:
        raise UsageError(f"{name}: refused XML construct ({type(e).__name__}); nmap never "
                         "writes one") from e
    except (ValueError, LookupError, UnicodeError, RecursionError) as e:
        raise UsageError(f"{name}: unreadable XML: {str(e)[:120]}") from e
    if not isinstance(root, Element) or root.tag != "nmaprun":
        tag = getattr(root, "tag", "?")
        raise UsageError(f"{name}: not nmap XML (root element <{str(tag)[:40]}>, expected "
                         "<nmaprun>: write it with nmap -oX)")
    return root


def parse(data: bytes, name: str = "<nmap xml>") -> NmapRun:
    """The hosts of an nmap XML file that are up and have an open port or a known MAC."""
    root = _root(data, name)
    hosts = [h for element in root.iter("host") if (h := _host(element)) is not None]
    return NmapRun(tuple(hosts), root.get("args", ""), root.get("version", ""),
                   _iso(root.get("start")))


def to_devices(hosts: Sequence[NmapHost], *, matcher: Matcher | None = None,
               policies: Sequence[Policy] | None = None) -> list[Device]:
    """Device records judged as a scan's are: the same matcher, ``build_device`` and
    ``judge`` (verdicts under ``policies``, default the US federal ones; known risks)."""
    matcher = matcher or default_matcher()
    devices = []
    for h in hosts:
        device = build_device(h.ip, h.ports, h.observations, matcher.match_all(h.observations),
                              (), h.seen)
        devices.append(dataclasses.replace(device, hostnames=h.hostnames))
    return judge(devices, policies)
