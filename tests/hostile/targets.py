"""Every reader and codec of camaudit as a ``bytes -> output`` target, with the errors its API
documents: the registry the property tests (``test_*_props.py``) and the fuzzer
(``bench/fuzz.py``) share. A target that raises anything else, or a documented error whose
message is not one line, is a bug.

    for t in TARGETS.values():
        t.call(b"\\xff" * 10)   # raises only what t.allowed names, with a one-line message

Seeds for mutation come from the real-reply corpus (``tests/corpus/*.yaml``, by ``identify``
kind) and from small generated files per format.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import random
import struct
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from camaudit import jsonfile, yamlfile
from camaudit.errors import RuleError, UsageError
from camaudit.kinds import KINDS
from camaudit.wire import (
    banner,
    bodyfmt,
    dahua_legacy,
    dhip,
    dns_msg,
    dvrip,
    favicon,
    framing,
    http,
    isapi,
    jsonmsg,
    mac,
    netflow,
    ports,
    rtsp,
    sadp,
    ssdp,
    tls,
    tls_hello,
    wsd,
    xmldoc,
)

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"


@dataclass(frozen=True)
class Target:
    name: str
    run: Callable[[bytes], object]
    allowed: tuple[type[BaseException], ...] = ()
    seeds: Callable[[], list[bytes]] = field(default=lambda: [b""])

    def call(self, data: bytes) -> object:
        """``run(data)``; a documented error is returned (after checking it is one line)."""
        try:
            return self.run(data)
        except self.allowed as e:
            text = str(e)
            assert "\n" not in text and text, f"{self.name}: error not one line: {text!r}"
            return e


@cache
def corpus_seeds() -> dict[str, tuple[bytes, ...]]:
    """The corpus values by ``identify`` kind (the real replies rules are written against)."""
    out: dict[str, list[bytes]] = {}
    for path in sorted(CORPUS.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            out.setdefault(entry["kind"], []).append(str(entry["value"]).encode("utf-8"))
    return {k: tuple(v) for k, v in out.items()}


def _seeds(*kinds: str, extra: tuple[bytes, ...] = ()) -> Callable[[], list[bytes]]:
    def get() -> list[bytes]:
        found = [s for k in kinds for s in corpus_seeds().get(k, ())]
        return [*found, *extra] or [b""]
    return get


# ---------------------------------------------------------------------------- mutation
MAX_INPUT = 64 * 1024
# Tokens that steer parsers into their edge cases: framing, numbers, nesting, aliases, escapes.
TOKENS = (b"\r\n", b"\n\n", b"\r\n\r\n", b"\r", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf",
          b"Content-Length: ", b"Transfer-Encoding: chunked\r\n", b"0\r\n\r\n", b"ffffffff\r\n",
          b"99999999999999999999", b"-1", b"1e400", b"NaN", b"Infinity", b"\xb2", b"\\ud800",
          b"{", b"}", b"[", b"]", b'"', b"&a ", b"*a", b"<", b"</", b">", b"<!DOCTYPE a [",
          b"&amp;", b"=", b",", b"\t", b"#separator ", b"\x1b]0;", b"%00", b"2025-13-45",
          b"\xc0\x80", b"\xa1\xb2\xc3\xd4", b"\n\r\r\n\x1a+<M", b"PK\x03\x04", b"\x1f\x8b")


def mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    """One to four random edits of ``data`` (at most MAX_INPUT bytes)."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(9)
        at = rng.randint(0, len(buf))
        if op == 0 and buf:  # flip bits
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
        elif op == 1 and buf:  # an interesting byte
            buf[rng.randrange(len(buf))] = rng.choice((0, 0x7F, 0x80, 0xFF, 0x20, 0x0A))
        elif op == 2:  # a token
            buf[at:at] = rng.choice(TOKENS)
        elif op == 3:  # random bytes
            buf[at:at] = rng.randbytes(rng.randint(1, 16))
        elif op == 4 and buf:  # delete a range
            buf[at:at + rng.randint(1, 64)] = b""
        elif op == 5 and buf:  # repeat a block (nesting, one-byte chunks, many headers)
            n = rng.randint(1, 32)
            block = bytes(buf[at:at + n]) or bytes(buf[-n:])
            buf[at:at] = block * rng.choice((2, 16, 256, 2048))
        elif op == 6:  # truncate
            del buf[at:]
        elif op == 7 and pool:  # splice with another input
            other = rng.choice(pool)
            cut = rng.randint(0, len(other))
            buf[at:] = other[cut:]
        elif op == 8 and len(buf) >= 4:  # a length field gone wild
            i = rng.randrange(len(buf) - 3)
            buf[i:i + 4] = rng.choice((b"\xff\xff\xff\xff", b"\x00\x00\x00\x00",
                                       b"\x7f\xff\xff\xff", b"\x00\x00\xff\xff"))
    return bytes(buf[:MAX_INPUT])



# ---------------------------------------------------------------------------- generated seeds
CHUNKED = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n")
DHIP_JSON = (b'{"method":"client.notifyDevInfo","params":{"deviceInfo":{"DeviceType":"IPC-HDW",'
             b'"Mac":"3c:ef:8c:00:00:01","SerialNo":"ABC","Vendor":"Dahua"}}}')
DVRIP_JSON = (b'{"Name":"SystemInfo","Ret":100,"SessionID":"0x00000001","SystemInfo":'
              b'{"HardWare":"XM530","SoftWareVersion":"V4.02","SerialNo":"abc"}}')
XML = b'<?xml version="1.0"?><a xmlns="http://www.hikvision.com/ver20/XMLSchema"><b>x</b></a>'


def dvrip_frame(payload: bytes, msg: int = dvrip.SEARCH_REPLY) -> bytes:
    return dvrip.HEADER.pack(0xFF, 1, 0, 0, 0, 0, msg, len(payload)) + payload


def v9_datagram(template: list[tuple[int, int]], records: bytes, tid: int = 256) -> bytes:
    tpl = struct.pack(">HH", tid, len(template)) + b"".join(struct.pack(">HH", *f)
                                                             for f in template)
    sets = struct.pack(">HH", 0, 4 + len(tpl)) + tpl
    if records:
        sets += struct.pack(">HH", tid, 4 + len(records)) + records
    return struct.pack(">HHIIII", 9, 2, 1000, 1_700_000_000, 1, 7) + sets


V9_FLOW = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (2, 4), (1, 4), (22, 4), (21, 4)]
V9_RECORD = (bytes([192, 168, 1, 20, 47, 88, 1, 1]) + struct.pack(">HHBIIII", 40000, 443, 6, 3,
                                                                   420, 10, 20))
V5 = (struct.pack(">HHIIIIBBH", 5, 1, 1000, 1_700_000_000, 0, 1, 0, 0, 0)
      + bytes([192, 168, 1, 20, 47, 88, 1, 1, 0, 0, 0, 0]) + struct.pack(
          ">HHIIIIHHxBBBHHBBxx", 0, 0, 3, 420, 10, 20, 40000, 443, 0, 6, 0, 0, 0, 0, 0))

ZEEK_TSV = (b"#separator \\x09\n#path\tconn\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\t"
            b"id.resp_p\tproto\tduration\torig_ip_bytes\tresp_ip_bytes\torig_pkts\tresp_pkts\n"
            b"#types\ttime\taddr\tport\taddr\tport\tenum\tinterval\tcount\tcount\tcount\tcount\n"
            b"1700000000.0\t192.168.1.20\t40000\t47.88.1.1\t443\ttcp\t1.0\t100\t200\t1\t2\n")
ZEEK_JSON = (json.dumps({"ts": 1700000000.0, "id.orig_h": "192.168.1.20", "id.orig_p": 40000,
                         "id.resp_h": "47.88.1.1", "id.resp_p": 443, "proto": "tcp",
                         "duration": 1.0, "orig_ip_bytes": 100, "resp_ip_bytes": 200,
                         "orig_pkts": 1, "resp_pkts": 2}) + "\n").encode()
ZEEK_DNS = (b"#separator \\x09\n#path\tdns\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\t"
            b"id.resp_p\tproto\tquery\tanswers\n"
            b"1700000000.0\t192.168.1.20\t5353\t192.168.1.1\t53\tudp\tdev.hik-connect.com\t"
            b"47.88.1.1,34.241.130.159\n")
NFDUMP = (b"ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das,smk,dmk,"
          b"dtos,dir,nh,nhb,svln,dvln,ismc,odmc,idmc,osmc,mpls1,mpls2,mpls3,mpls4,mpls5,mpls6,"
          b"mpls7,mpls8,mpls9,mpls10,cl,sl,al,ra,eng,exid,tr\n"
          b"2023-11-14 22:13:20,2023-11-14 22:13:21,1.000,192.168.1.20,47.88.1.1,40000,443,TCP,"
          b"......,0,0,3,420,0,0,0,0,0,0,0,0,0,0,0.0.0.0,0.0.0.0,0,0,00:00:00:00:00:00,"
          b"00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,"
          b"0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0.000,0.000,0.000,0.0.0.0,0/0,0,1970-01-01 00:00:00.000\n"
          b"Summary\nflows,bytes,packets,avg_bps,avg_pps,avg_bpp\n1,420,3,0,0,140\n")


def _pcap_seeds() -> list[bytes]:
    from tests.egress.pcapgen import cameras, pcap_bytes, pcapng_bytes

    pkts = cameras().packets[:40]
    return [pcap_bytes(pkts), pcapng_bytes(pkts), pcap_bytes(pkts, "raw")]


def _netflow_pcap(datagram: bytes) -> bytes:
    from tests.egress.pcapgen import ipv4, pcap_bytes, udp

    return pcap_bytes([(1_700_000_000.0, ipv4("192.168.1.1", "192.168.1.2", 17,
                                             udp(40000, 2055, datagram[:65000])))])


def _doc_seeds() -> list[bytes]:
    from tests.screening.docgen import docx_bytes, pdf_bytes, tar_bytes, xlsx_bytes, zip_bytes

    text = "人脸属性：种族属性(如维族、汉族) EthnicityDetection uyghur alarm".encode()
    return [pdf_bytes(["种族属性 ethnicity"]), docx_bytes(["Race detection", "维族"]),
            xlsx_bytes({"S": [["ethnic", "minority alarm"]]}), zip_bytes({"a.txt": text}),
            tar_bytes({"b.h": text}), tar_bytes({"c.h": text}, "w:gz"),
            gzip.compress(text), text, "种族".encode("utf-16-le"), b"<html>" + text]


# ---------------------------------------------------------------------------- file targets
@contextlib.contextmanager
def _file(data: bytes, name: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="camaudit-hostile-") as d:
        path = Path(d) / name
        path.write_bytes(data)
        yield path


@contextlib.contextmanager
def numpy_path() -> Iterator[None]:
    """The capture reader without the compiled fast path (as built without a C compiler)."""
    from camaudit.egress import fastpath

    saved = fastpath._fastpcap
    fastpath._fastpcap = None
    try:
        yield
    finally:
        fastpath._fastpcap = saved


def egress_load(data: bytes, *, name: str = "evidence", engine: str = "stream",
                nf_ports: tuple[int, ...] = (), fast: bool = True) -> object:
    from camaudit.egress.load import load

    with _file(data, name) as path, (contextlib.nullcontext() if fast else numpy_path()):
        if engine == "duckdb":
            from camaudit.egress.geo import default_db
            return load([path], engine, nf_ports, geo=default_db())
        return load([path], engine, nf_ports)


@cache
def screener() -> object:
    from camaudit.screening.scan import Screener

    return Screener(workers=1)


def screen_bytes(data: bytes, name: str = "doc") -> object:
    from camaudit.screening.scan import Screener

    s = screener()
    assert isinstance(s, Screener)
    return s.screen_bytes(name, data)


def archive_members(data: bytes) -> object:
    from camaudit.screening import archive

    limits = archive.Limits(member_bytes=1 << 20, archive_bytes=4 << 20, members=64)
    return [(m.name, len(m.data or b""), m.skipped) for m in archive.members(data, limits)]


def _extract(fn_name: str) -> Callable[[bytes], object]:
    def run(data: bytes) -> object:
        from camaudit.screening import extract
        return getattr(extract, fn_name)(data)
    return run


def _byte_scan(data: bytes) -> object:
    from camaudit.screening.scan import Screener

    s = screener()
    assert isinstance(s, Screener)
    return s.bytes.scan(data)


def _json_input(data: bytes) -> object:
    return jsonfile.parse(data.decode("utf-8", "surrogatepass"), "in.json")


def _json_file(data: bytes) -> object:
    with _file(data, "in.json") as path:
        return jsonfile.parse(jsonfile.read_text(path, "scan file"), str(path))


def _yaml_file(data: bytes) -> object:
    with _file(data, "p.yaml") as path:
        return yamlfile.load_yaml(yamlfile.read_text(path, "policy file"), str(path))


def _framer(proto: str) -> Callable[[bytes], object]:
    def run(data: bytes) -> object:
        f = framing.Framer(proto)
        return [f(data[:n]) for n in range(0, len(data) + 1, max(1, len(data) // 64))]
    return run


# ---------------------------------------------------------------------------- the registry
_HTTP = _seeds("http-response", extra=(CHUNKED,))
_RTSP = _seeds("rtsp-response")
_XML = _seeds("isapi", "sadp", "wsd", "onvif-device-information", extra=(XML,))
_JSON_SEEDS = (DHIP_JSON, DVRIP_JSON, b'{"devices":[{"ip":"10.0.0.1","confidence":0.5}]}',
               b"[1, 2.5e3, \"\\u00e9\", null, true, {\"a\": []}]")
_YAML_SEEDS = (b"policy: x\nmakers: [Hikvision, Dahua]\nsince: 2019-08-13\nmin_confidence: 0.9\n"
               b"a: &a [x, y]\nb: [*a, *a]\n",)

WIRE: dict[str, Target] = {t.name: t for t in [
    Target("wire.banner", lambda d: banner.observations(23, d, "t"), seeds=_seeds("telnet-banner")),
    Target("wire.bodyfmt.kv", lambda d: bodyfmt.kv_observations(d.decode("utf-8", "replace"), "t"),
           seeds=_seeds("http-body")),
    Target("wire.bodyfmt.json",
           lambda d: bodyfmt.json_observations(d.decode("utf-8", "replace"), "t"),
           seeds=_seeds(extra=_JSON_SEEDS)),
    Target("wire.dahua_legacy",
           lambda d: dahua_legacy.observations(dahua_legacy.parse(d), "t"),
           seeds=_seeds(extra=(dahua_legacy.build_reply(
               mac="3c:ef:8c:00:00:01", model="DH-IPC", device_type="IPC",
               info=(("Name", "cam"), ("SerialNo", "X1"))),))),
    Target("wire.dhip", lambda d: dhip.observations(dhip.parse(d), "t"),
           seeds=_seeds("dhip", extra=(dhip.frame(DHIP_JSON), DHIP_JSON))),
    Target("wire.dns_msg", dns_msg.parse_answers, seeds=_seeds(extra=(
        dns_msg.build_response(1, "dev.hik-connect.com",
                               [(dns_msg.CNAME, "a.example.com"), (dns_msg.A, "47.88.1.1"),
                                (dns_msg.AAAA, "2001:db8::1")]),))),
    Target("wire.dvrip", lambda d: dvrip.observations(dvrip.parse(d), "t"),
           seeds=_seeds("dvrip", extra=(dvrip_frame(DVRIP_JSON), DVRIP_JSON))),
    Target("wire.favicon", lambda d: favicon.observations(d, "t"), seeds=_seeds(extra=(b"\0\1",))),
    Target("wire.framing.http", _framer("http"), seeds=_HTTP),
    Target("wire.framing.rtsp", _framer("rtsp"), seeds=_RTSP),
    Target("wire.http", lambda d: http.observations(http.parse_response(d), "t"), seeds=_HTTP),
    Target("wire.http.complete", http.response_complete, seeds=_HTTP),
    Target("wire.http.dechunk", http.dechunk, seeds=_seeds(extra=(CHUNKED[47:],))),
    Target("wire.isapi", lambda d: isapi.observations(isapi.parse(d), "t"), seeds=_XML),
    Target("wire.jsonmsg", jsonmsg.load_object, seeds=_seeds(extra=_JSON_SEEDS)),
    Target("wire.mac", lambda d: mac.normalize_mac(d.decode("utf-8", "replace")),
           seeds=_seeds("mac")),
    Target("wire.netflow", lambda d: netflow.decode(d, netflow.V9State()),
           seeds=_seeds(extra=(V5, v9_datagram(V9_FLOW, V9_RECORD)))),
    Target("wire.ports", lambda d: ports.parse_ports(d.decode("utf-8", "replace")),
           (ValueError,), seeds=_seeds("open-ports")),
    Target("wire.rtsp", lambda d: rtsp.observations(rtsp.parse_response(d), "t"), seeds=_RTSP),
    Target("wire.sadp", lambda d: sadp.observations(sadp.parse(d), "t"), seeds=_XML),
    Target("wire.ssdp", lambda d: ssdp.observations(ssdp.parse(d), "t"), seeds=_seeds("ssdp")),
    Target("wire.tls.cert", lambda d: tls.cert_observations(d, "t"), seeds=_seeds()),
    Target("wire.tls.dn", lambda d: tls.normalize_dn(d.decode("utf-8", "replace")),
           seeds=_seeds("tls-subject", "tls-issuer")),
    Target("wire.tls_hello", lambda d: (tls_hello.client_hello_sni(d), tls_hello.http_host(d)),
           seeds=_seeds(extra=(b"GET / HTTP/1.1\r\nHost: a.example:80\r\n\r\n",))),
    Target("wire.wsd", lambda d: wsd.observations(wsd.parse(d), "t"), seeds=_XML),
    Target("wire.xmldoc", lambda d: xmldoc.parse_xml(d), seeds=_XML),
]}

KIND_TARGETS: dict[str, Target] = {
    f"kind.{name}": Target(f"kind.{name}", fn,
                           (ValueError,) if name in ("mac", "open-ports") else (),
                           _seeds(name))
    for name, fn in KINDS.items()}

EGRESS: dict[str, Target] = {t.name: t for t in [
    Target("egress.pcap.fast", lambda d: egress_load(d, nf_ports=(2055,)), (UsageError,),
           _pcap_seeds),
    Target("egress.pcap.numpy", lambda d: egress_load(d, nf_ports=(2055,), fast=False),
           (UsageError,), _pcap_seeds),
    Target("egress.zeek.tsv", egress_load, (UsageError,), lambda: [ZEEK_TSV, ZEEK_DNS]),
    Target("egress.zeek.json", egress_load, (UsageError,), lambda: [ZEEK_JSON]),
    Target("egress.zeek.gzip", lambda d: egress_load(gzip.compress(d, 1)), (UsageError,),
           lambda: [ZEEK_TSV, ZEEK_JSON]),
    Target("egress.nfdump", egress_load, (UsageError,), lambda: [NFDUMP]),
    Target("egress.netflow", lambda d: egress_load(_netflow_pcap(d), nf_ports=(2055,)),
           (UsageError,), lambda: [V5, v9_datagram(V9_FLOW, V9_RECORD)]),
]}

# DuckDB costs tens of milliseconds a call: property tests only, with few examples.
DUCK = Target("egress.zeek.duckdb", lambda d: egress_load(d, engine="duckdb"), (UsageError,),
              lambda: [ZEEK_TSV, ZEEK_JSON])

SCREENING: dict[str, Target] = {t.name: t for t in [
    Target("screen.plain", _extract("plain"), seeds=_doc_seeds),
    Target("screen.html", _extract("markup"), seeds=_doc_seeds),
    Target("screen.xml", _extract("xml_document"), seeds=_seeds(extra=(XML,))),
    Target("screen.pdf", _extract("pdf"), seeds=_doc_seeds),
    Target("screen.docx", _extract("docx"), seeds=_doc_seeds),
    Target("screen.xlsx", _extract("xlsx"), seeds=_doc_seeds),
    Target("screen.archive", archive_members, seeds=_doc_seeds),
    Target("screen.binary", _byte_scan, seeds=_doc_seeds),
    Target("screen.bytes", screen_bytes, seeds=_doc_seeds),
]}

INPUTS: dict[str, Target] = {t.name: t for t in [
    Target("input.json", _json_input, (UsageError, ValueError), lambda: list(_JSON_SEEDS)),
    Target("input.json.file", _json_file, (UsageError, ValueError), lambda: list(_JSON_SEEDS)),
    Target("input.yaml", lambda d: yamlfile.load_yaml(d.decode("utf-8", "replace"), "p.yaml",
                                                      key_lines=True),
           (RuleError,), lambda: list(_YAML_SEEDS)),
    Target("input.yaml.file", _yaml_file, (RuleError,), lambda: list(_YAML_SEEDS)),
]}

TARGETS: dict[str, Target] = {**WIRE, **KIND_TARGETS, **EGRESS, **SCREENING, **INPUTS}
