"""``formats.nmap_xml``: nmap's escapes, the observations of a host, errors, and a real run.

The real run is tests/data/nmap/lab-sV-scripts.xml: nmap 7.93 against the loopback lab (its
header says how it was made and lists the lab's ground truth).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.errors import UsageError
from camaudit.formats import nmap_xml
from camaudit.formats.nmap_xml import (
    banner_bytes,
    fingerprint_replies,
    parse,
    to_devices,
    unescape_fingerprint,
)

FIXTURE = Path(__file__).parent.parent / "data" / "nmap" / "lab-sV-scripts.xml"

# The lab's ground truth when the fixture was made (its header lists the same).
LAB_TRUTH = {
    "127.72.0.1": "Axis", "127.72.0.2": "Bosch", "127.72.0.3": "Dahua", "127.72.0.4": "Dahua",
    "127.72.0.5": "Dahua", "127.72.0.6": "Dahua", "127.72.0.7": "Hanwha",
    "127.72.0.8": "Hikvision", "127.72.0.9": "Hikvision", "127.72.0.10": "Hikvision",
    "127.72.0.11": None, "127.72.0.12": "Reolink", "127.72.0.13": None,
    "127.72.0.14": "Xiongmai", "127.72.0.15": None,
}


def _xml(hosts: str, root: str = "nmaprun") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n'
            f'<{root} scanner="nmap" args="nmap -sV 127.0.0.9" start="1796194342" '
            f'version="7.93">\n{hosts}\n</{root}>\n').encode()


def _host(ports: str, *, ip: str = "127.0.0.9", extra: str = "", state: str = "up") -> str:
    return (f'<host starttime="1796194342" endtime="1796194350"><status state="{state}"/>'
            f'<address addr="{ip}" addrtype="ipv4"/>{extra}<hostnames>'
            f'<hostname name="cam1.lab" type="PTR"/></hostnames><ports>{ports}</ports></host>')


def _port(number: int, inner: str, state: str = "open") -> str:
    return (f'<port protocol="tcp" portid="{number}"><state state="{state}"/>{inner}</port>')


# A Dahua reply as nmap keeps it in a servicefp attribute (XML-escaped inside the attribute).
DAHUA_FP = ('SF-Port80-TCP:V=7.93%I=7%D=12/2%Time=6B0FBF83%P=x86_64-pc-linux-gnu%r(GetRequest,'
            'E2,&quot;HTTP/1\\.1\\x20401\\x20Unauthorized\\r\\nWWW-Authenticate:\\x20Digest\\x20'
            'realm=\\&quot;Login\\x20to\\x20f5c8557f6bee8548b0d72a1c30780e5e\\&quot;,\\x20qop='
            '\\&quot;auth\\&quot;\\r\\nCONTENT-LENGTH:\\x200\\r\\n\\r\\n&quot;)%r(NULL,4,&quot;'
            '\\0\\xff\\.&quot;);')


def test_fingerprint_escapes_are_undone() -> None:
    assert unescape_fingerprint(r"HTTP/1\.1\x20200\r\n\0\"\\a\xEF\xbb") == \
        b'HTTP/1.1 200\r\n\0"\\a\xef\xbb'
    replies = fingerprint_replies('SF-Port1-TCP:V=7.93%r(GetRequest,4,"a\\"b\\)")%r(NULL,1,"'
                                  '\\0");')
    assert replies == [("GetRequest", b'a"b)'), ("NULL", b"\0")]


def test_fingerprints_printed_over_sf_lines_are_joined() -> None:
    fp = 'SF-Port80-TCP:V=7.93%r(GetRequest,8,"HTTP/1\\.\nSF:0\\x20200");'
    assert fingerprint_replies(fp) == [("GetRequest", b"HTTP/1.0 200")]


def test_a_cut_fingerprint_keeps_what_is_there() -> None:
    assert fingerprint_replies('SF-Port80-TCP:V=7.93%r(GetRequest,99,"HTTP/1\\.0\\x20') == \
        [("GetRequest", b"HTTP/1.0 ")]


def test_banner_output_wrapping_and_truncation_are_undone() -> None:
    # the banner script wraps at its line width (a real line end is printed \x0A)
    assert banner_bytes("\\x00\\x00\\x00\\x10\\x00\\x00\\x00\\x1E\\x00\\x00\\x00\\x1E\\x00\\x00"
                        "\\x00\\x0\n0") == b"\0\0\0\x10\0\0\0\x1e\0\0\0\x1e\0\0\0\0"
    assert banner_bytes("login:\\x0D\\x0A") == b"login:\r\n"
    cut = "A" * 60 + "..."
    assert banner_bytes(cut) == b"A" * 60
    assert banner_bytes("short...") == b"short..."


def test_a_host_becomes_observations_from_servicefp_and_scripts() -> None:
    # the Hikvision camera's certificate as nmap printed it (XML-escaped, as in any nmap file)
    hikvision = FIXTURE.read_text(encoding="utf-8").split('addr="127.72.0.8"', 1)[1]
    pem = hikvision.split('<elem key="pem">', 1)[1].split("</elem>", 1)[0]
    ports = (
        _port(80, f'<service name="http" servicefp="{DAHUA_FP}"/>'
                  '<script id="http-title" output="WEB SERVICE"><elem key="title">WEB  '
                  'SERVICE &amp;amp; more</elem></script>'
                  '<script id="http-server-header" output="x"><elem>App-webs/</elem></script>'
                  '<script id="http-auth" output="x"><table><table key="params">'
                  '<elem key="realm">Device_CGI</elem></table></table></script>'
                  '<script id="http-headers" output="&#xa;  CONNECTION: close&#xa;  P3P: CP=CAO'
                  ' PSA OUR&#xa;  &#xa;  (Request type: HEAD)&#xa;"/>')
        + _port(443, f'<service name="https"/><script id="ssl-cert" output="x">'
                     f'<elem key="pem">{pem}</elem></script>')
        + _port(554, '<service name="rtsp"/><script id="rtsp-methods" output="OPTIONS, '
                     'DESCRIBE"/>')
        + _port(8000, '<service name="ipcam" product="Hikvision IPCam control port"/>'
                      '<script id="banner" output="\\x00\\x00\\x00\\x10"/>')
        + _port(23, '<service name="telnet"/>', state="closed"))
    mac = '<address addr="68:6D:BC:EE:F8:F0" addrtype="mac" vendor="Hikvision"/>'
    run = parse(_xml(_host(ports, extra=mac)), "scan.xml")
    assert run.args == "nmap -sV 127.0.0.9" and run.version == "7.93"
    assert run.started == "2026-12-02T06:52:22Z"
    (host,) = run.hosts
    assert host.ip == "127.0.0.9" and host.mac == "68:6d:bc:ee:f8:f0"
    assert host.hostnames == ("cam1.lab",) and host.seen == "2026-12-02T06:52:30Z"
    assert [(p.port, p.service) for p in host.ports] == [
        (80, "http"), (443, "https"), (554, "rtsp"), (8000, "ipcam")]
    got = {(o.key, o.value): o.source for o in host.observations}
    assert host.observations[0].key == "ports.open"
    assert got[("ports.open", "80/tcp,443/tcp,554/tcp,8000/tcp")] == "nmap"
    assert ("mac.address", "68:6d:bc:ee:f8:f0") in got
    # the servicefp reply went through the scan's HTTP decoder
    realm = ("http.realm", "Login to f5c8557f6bee8548b0d72a1c30780e5e")
    assert got[realm] == "nmap tcp/80 GetRequest"
    assert ("http.header.layout", "WWW-Authenticate,CONTENT-LENGTH") in got
    assert got[("banner.hex", "80:00ff2e")] == "nmap tcp/80 NULL"
    assert got[("http.title", "WEB SERVICE & more")] == "nmap tcp/80 http-title"
    assert got[("http.header.server", "App-webs/")] == "nmap tcp/80 http-server-header"
    assert got[("http.realm", "Device_CGI")] == "nmap tcp/80 http-auth"
    assert ("http.header.layout", "CONNECTION,P3P") in got
    assert not any(k == "http.status" and v == "0" for k, v in got)
    assert got[("tls.subject", "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,"
                               "ST=ZheJiang,C=CN")] == "nmap tcp/443 ssl-cert"
    assert got[("rtsp.public", "OPTIONS, DESCRIBE")] == "nmap tcp/554 rtsp-methods"
    assert got[("banner.hex", "8000:00000010")] == "nmap tcp/8000 banner"
    # nmap's own product names are not evidence
    assert not any("IPCam control" in v for _, v in got)


def test_ssl_cert_without_pem_gives_subject_and_issuer_from_its_tables() -> None:
    script = ('<script id="ssl-cert" output="x"><table key="subject">'
              '<elem key="commonName">www.hikvision.com</elem>'
              '<elem key="organizationName">HIKVISION, Inc</elem></table>'
              '<table key="issuer"><elem key="countryName">CN</elem></table></script>')
    (host,) = parse(_xml(_host(_port(443, script)))).hosts
    got = {(o.key, o.value) for o in host.observations}
    assert ("tls.subject", "CN=www.hikvision.com,O=HIKVISION, Inc") in got
    assert ("tls.issuer", "C=CN") in got


def test_hosts_down_or_without_open_port_or_mac_are_left_out() -> None:
    hosts = (_host(_port(80, "", state="closed"))
             + _host(_port(80, ""), ip="127.0.0.10", state="down")
             + _host("", ip="127.0.0.11",
                     extra='<address addr="68:6d:bc:00:00:01" addrtype="mac"/>'))
    run = parse(_xml(hosts))
    assert [h.ip for h in run.hosts] == ["127.0.0.11"]
    # a host discovery (-sn) with a MAC is enough to name a maker by its OUI
    assert {o.key for o in run.hosts[0].observations} >= {"mac.address", "mac.org"}


def test_errors_name_the_file_and_line(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UsageError, match=r"^scan\.xml:3: not well-formed XML: mismatched tag"):
        parse(b'<?xml version="1.0"?>\n<nmaprun>\n<host></nmaprun>', "scan.xml")
    with pytest.raises(UsageError, match=r"^scan\.xml:\d+: .*no element found.*interrupted"):
        parse(_xml(_host(_port(80, "")))[:-12], "scan.xml")
    with pytest.raises(UsageError, match=r"^x\.xml: not nmap XML \(root element <scan>"):
        parse(_xml("", root="scan"), "x.xml")
    bomb = (b'<?xml version="1.0"?><!DOCTYPE nmaprun [<!ENTITY a "aaaa">]>'
            b"<nmaprun>&a;</nmaprun>")
    with pytest.raises(UsageError, match=r"^b\.xml: refused XML construct"):
        parse(bomb, "b.xml")
    monkeypatch.setattr(nmap_xml, "MAX_BYTES", 100)
    with pytest.raises(UsageError, match=r"^big\.xml: larger than"):
        parse(b" " * 101, "big.xml")


def test_hostile_values_stay_bounded() -> None:
    fp = "SF-Port80-TCP:V=7.93" + '%r(GetRequest,1,"x")' * 1000
    assert len(fingerprint_replies(fp)) == nmap_xml.MAX_REPLIES
    attr = fp.replace('"', "&quot;")
    (host,) = parse(_xml(_host(_port(80, f'<service name="http" servicefp="{attr}"/>')))).hosts
    assert host.ports[0].port == 80


def test_the_real_lab_run_names_the_makers_of_the_lab() -> None:
    """nmap saw enough of 14 of the 15 lab devices for the scan's rules to name the maker the
    lab says (or none, for the router, the web server and the unbranded camera). The 15th,
    127.72.0.12, is a Reolink camera on LIVE555: camaudit names it from its RTSP DESCRIBE reply,
    and nmap never sends DESCRIBE; its OPTIONS reply carries only the LIVE555 date format that
    Hikvision shares, which never names a maker alone."""
    run = parse(FIXTURE.read_bytes(), str(FIXTURE))
    devices = {d.ip: d for d in to_devices(run.hosts)}
    assert set(devices) == set(LAB_TRUTH)
    named = {ip: d.maker for ip, d in devices.items()}
    assert named == {**LAB_TRUTH, "127.72.0.12": None}
    assert devices["127.72.0.6"].brand == "Lorex" and devices["127.72.0.6"].relabeled
    assert {v.status for v in devices["127.72.0.8"].verdicts} == {"covered"}
    reolink = devices["127.72.0.12"]
    assert {e.key for e in reolink.evidence} == {"rtsp.date"}
    # the evidence came from the replies nmap kept and from its scripts
    sources = {e.source for d in devices.values() for e in d.evidence}
    assert {"nmap tcp/80 GetRequest", "nmap tcp/8000 banner", "nmap tcp/443 ssl-cert"} <= sources


def test_a_locally_administered_mac_keeps_the_vendor_nmap_printed_and_ipv6_hosts_count() -> None:
    extra = '<address addr="02:00:00:00:00:01" addrtype="mac" vendor="Private"/>'
    host = _host("", extra=extra).replace('addr="127.0.0.9" addrtype="ipv4"',
                                          'addr="::1" addrtype="ipv6"')
    (found,) = parse(_xml(host)).hosts
    assert found.ip == "::1"
    assert {(o.key, o.value) for o in found.observations} >= {
        ("mac.address", "02:00:00:00:00:01"), ("mac.org", "Private")}


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet='%r(),"\\x0123456789abcdefSF:\n', max_size=400))
def test_any_fingerprint_or_banner_text_decodes_without_raising(text: str) -> None:
    replies = fingerprint_replies("SF-Port80-TCP:V=7.93" + text)
    assert len(replies) <= nmap_xml.MAX_REPLIES
    assert isinstance(banner_bytes(text), bytes)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_parse_or_give_one_line_naming_the_file(data: bytes) -> None:
    try:
        parse(b"<nmaprun>" + data + b"</nmaprun>", "f.xml")
    except UsageError as e:
        assert str(e).startswith("f.xml") and "\n" not in str(e)
