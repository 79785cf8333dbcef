from __future__ import annotations

import datetime
import random
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from camaudit.kinds import KIND_HELP, KINDS
from camaudit.wire import dhip

CAPTURES = Path(__file__).parent / "data" / "captures"
DESIGN_KINDS = (
    "http-response http-server http-www-authenticate http-title http-body rtsp-response "
    "rtsp-server tls-cert tls-subject tls-issuer favicon favicon-md5 favicon-mmh3 sadp dhip dvrip "
    "wsd wsd-scopes onvif-device-information isapi ssdp telnet-banner dhcp-vendor-class mac "
    "open-ports").split()
DHIP_JSON = (b'{"mac":"4c:11:bf:c2:0b:9d","method":"client.notifyDevInfo","params":{"deviceInfo":'
             b'{"DeviceClass":"IPC","DeviceType":"IPC-HDW5421S","SerialNo":"1F006E4PAX00075",'
             b'"Vendor":"Dahua","Manufacturer":"Private","Version":"2.400.0.8"}}}\n')


def _pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "192.168.20.92"),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")])
    now = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(7).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


# kind -> (pasted input, expected (key, value) pairs; value None means "any value").
CASES: dict[str, tuple[bytes, list[tuple[str, str | None]]]] = {
    "http-response": (b"HTTP/1.0 302 Redirect\nServer: Hikvision-Webs\nLocation: /index.asp\n\n",
                      [("http.status", "302"), ("http.header.server", "Hikvision-Webs"),
                       ("http.location", "/index.asp"),
                       ("http.header.layout", "Server,Location")]),
    "http-server": (b"DNVRS-Webs\n", [("http.header.server", "DNVRS-Webs")]),
    "http-www-authenticate": (b'WWW-Authenticate: Digest realm="Login to 4K01FD2", nonce="1"\n',
                              [("http.www_authenticate", 'Digest realm="Login to 4K01FD2", '
                                'nonce="1"'), ("http.realm", "Login to 4K01FD2")]),
    "http-title": (b"  NETSurveillance   WEB\n", [("http.title", "NETSurveillance WEB")]),
    "http-body": (b"<html><title>XVR LOGIN</title></html>\n",
                  [("http.body", None), ("http.title", "XVR LOGIN")]),
    "rtsp-response": (b"RTSP/1.0 405 Method Not Allowed\nServer: Dahua Rtsp Server\n\n",
                      [("rtsp.status", "405"), ("rtsp.server", "Dahua Rtsp Server"),
                       ("rtsp.header.layout", "Server")]),
    "rtsp-server": (b"Dahua Rtsp Server\r\n", [("rtsp.server", "Dahua Rtsp Server")]),
    "tls-cert": (_pem(), [("tls.subject", "CN=192.168.20.92,C=CN"),
                          ("tls.issuer", "CN=192.168.20.92,C=CN"),
                          ("tls.not_before", "2024-01-01T00:00:00Z"),
                          ("tls.not_after", "2024-01-02T00:00:00Z"),
                          ("tls.signature_hash", "sha256"), ("tls.public_key", "EC-256"),
                          ("tls.self_signed", "true")]),
    "tls-subject": (b"/C=CN/CN=192.168.20.92\n", [("tls.subject", "CN=192.168.20.92,C=CN")]),
    "tls-issuer": (b"CN=NVR; C=CN; OU=NVR\n", [("tls.issuer", "CN=NVR,OU=NVR,C=CN")]),
    "favicon": (bytes(range(256)) * 3, [("http.favicon.md5", "e6899eaaf06fd702f3ed3f988eb19362"),
                                        ("http.favicon.mmh3", "1836528006")]),
    "favicon-md5": (b"89B932FCC47CF4CA3FAADB0CFDEF89CF\n",
                    [("http.favicon.md5", "89b932fcc47cf4ca3faadb0cfdef89cf")]),
    "favicon-mmh3": (b"-1466785234\n", [("http.favicon.mmh3", "-1466785234")]),
    "sadp": ((CAPTURES / "sadp-ds7804hqh-k1.xml").read_bytes(),
             [("sadp.present", "true"), ("sadp.model", "DS-7804HQH-K1"), ("sadp.serial", None),
              ("sadp.firmware", "V3.5.38build 191215"), ("sadp.mac", "68:6d:bc:ee:f8:f0"),
              ("sadp.device_type", "44322"), ("sadp.activated", "true")]),
    "dhip": (dhip.frame(DHIP_JSON), [
        ("dhip.present", "true"), ("dhip.model", "IPC-HDW5421S"), ("dhip.class", "IPC"),
        ("dhip.serial", "1F006E4PAX00075"), ("dhip.firmware", "2.400.0.8"),
        ("dhip.vendor", "Dahua"), ("dhip.manufacturer", "Private"),
        ("dhip.mac", "4c:11:bf:c2:0b:9d")]),
    "dvrip": (b'{"Name":"SystemInfo","SystemInfo":{"HardWare":"HI3516EV300_85H50AI"}}\n',
              [("dvrip.present", "true"), ("dvrip.model", "HI3516EV300_85H50AI")]),
    "wsd": (b"\n" + (CAPTURES / "dahua-wsd-probematches.xml").read_bytes(),
            [("wsd.scope", None)] * 6 + [("wsd.types", "dn:NetworkVideoTransmitter tds:Device"),
                                          ("wsd.endpoint", None), ("wsd.xaddrs", None)]),
    "wsd-scopes": (b"onvif://www.onvif.org/name/HIKVISION%20DS-2CD2385G1-I "
                   b"onvif://www.onvif.org/location/city/hangzhou\n",
                   [("wsd.scope", "onvif://www.onvif.org/name/HIKVISION DS-2CD2385G1-I"),
                    ("wsd.scope", "onvif://www.onvif.org/location/city/hangzhou")]),
    "onvif-device-information": (
        b"<Envelope><Body><GetDeviceInformationResponse><Manufacturer>Dahua</Manufacturer>"
        b"<Model>IPC-HFW2228M-I1-V2</Model></GetDeviceInformationResponse></Body></Envelope>\n",
        [("onvif.manufacturer", "Dahua"), ("onvif.model", "IPC-HFW2228M-I1-V2")]),
    "isapi": (b'\xef\xbb\xbf<?xml version="1.0"?>\n<ResponseStatus version="1.0" '
              b'xmlns="http://www.std-cgi.com/ver20/XMLSchema"><statusCode>4</statusCode>'
              b"</ResponseStatus>\n",
              [("isapi.namespace", "http://www.std-cgi.com/ver20/XMLSchema"),
               ("isapi.root", "ResponseStatus")]),
    "ssdp": (b"HTTP/1.1 200 OK\nSERVER: Linux UPnP/1.0\nST: upnp:rootdevice\n\n",
             [("ssdp.server", "Linux UPnP/1.0"), ("ssdp.st", "upnp:rootdevice")]),
    "telnet-banner": (b"\xff\xfb\x01\r\n192.0.0.64 login: \n",
                      [("telnet.banner", "192.0.0.64 login:")]),
    "dhcp-vendor-class": (b"AXIS,Network Camera,M3045-V,9.80.1\n",
                          [("dhcp.vendor_class", "AXIS,Network Camera,M3045-V,9.80.1")]),
    "mac": (b"68-6d-bc-ee-f8-f0\n",
            [("mac.address", "68:6d:bc:ee:f8:f0"),
             ("mac.org", "Hangzhou Hikvision Digital Technology Co.,Ltd.")]),
    "open-ports": (b"8000,80/tcp, 554\n", [("ports.open", "80/tcp,554/tcp,8000/tcp")]),
}


def test_exactly_the_designed_kinds() -> None:
    assert sorted(KINDS) == sorted(DESIGN_KINDS) == sorted(KIND_HELP) == sorted(CASES)
    assert all(KIND_HELP[k] and "\n" not in KIND_HELP[k] for k in KINDS)


@pytest.mark.parametrize("kind", DESIGN_KINDS)
def test_kind_observations(kind: str) -> None:
    data, expected = CASES[kind]
    obs = KINDS[kind](data)
    assert all(o.source == f"identify:{kind}" for o in obs)
    assert [o.key for o in obs] == [k for k, _ in expected]
    for o, (_, value) in zip(obs, expected, strict=True):
        if value is not None:
            assert o.value == value


def test_tls_cert_der_and_bare_base64() -> None:
    pem = CASES["tls-cert"][0]
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    body = b"".join(pem.strip().splitlines()[1:-1]) + b"\n"
    assert [o.value for o in KINDS["tls-cert"](der)] == [o.value for o in KINDS["tls-cert"](body)]
    assert KINDS["tls-cert"](der)[0].value == "CN=192.168.20.92,C=CN"


def test_unsigned_mmh3_is_folded_to_signed() -> None:
    assert KINDS["favicon-mmh3"](str(2**32 - 1466785234).encode())[0].value == "-1466785234"
    assert KINDS["favicon-mmh3"](b"99999999999") == []


@pytest.mark.parametrize("kind,text", [("mac", b"not-a-mac\n"), ("open-ports", b"80,http\n"),
                                       ("open-ports", b"\n")])
def test_user_text_kinds_raise_one_line_value_error(kind: str, text: bytes) -> None:
    with pytest.raises(ValueError) as err:
        KINDS[kind](text)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("kind", sorted(set(DESIGN_KINDS) - {"mac", "open-ports"}))
def test_unusable_input_gives_empty_or_observations_never_raises(kind: str) -> None:
    rng = random.Random(kind)
    assert KINDS[kind](b"") == []
    if kind != "favicon":  # icon bytes are binary: whitespace is a (tiny) icon
        assert KINDS[kind](b" \n") == []
    for _ in range(150):
        KINDS[kind](rng.randbytes(rng.randrange(0, 200)))
    data = CASES[kind][0]
    for i in range(0, len(data), max(1, len(data) // 60)):
        KINDS[kind](data[:i])


def test_every_emitted_key_is_in_the_vocabulary() -> None:
    vocab_file = Path(__file__).parent.parent / "src" / "camaudit" / "rules" / "vocab" / "keys.txt"
    vocab = {line.split()[0] for line in vocab_file.read_text().splitlines()
             if line.strip() and not line.startswith("#")}
    emitted = {o.key for kind, (data, _) in CASES.items() for o in KINDS[kind](data)}
    assert emitted <= vocab
    assert len(emitted) >= 45


def _pairs(kind: str, data: bytes) -> set[tuple[str, str]]:
    return {(o.key, o.value) for o in KINDS[kind](data)}


def test_a_header_block_without_status_line_is_read() -> None:
    got = _pairs("http-response", b"Server: DNVRS-Webs\nWWW-Authenticate: Basic realm=\"x\"\n")
    assert ("http.header.server", "DNVRS-Webs") in got and ("http.realm", "x") in got
    assert not any(k == "http.status" for k, _ in got)
    got = _pairs("rtsp-response", b"CSeq: 2\nServer: Dahua Rtsp Server\n")
    assert ("rtsp.server", "Dahua Rtsp Server") in got


def test_a_pasted_exchange_gives_every_reply_and_no_request() -> None:
    paste = (b"OPTIONS rtsp://h/ RTSP/1.0\nCSeq: 1\n\nRTSP/1.0 200 OK\nCSeq: 1\n"
             b"Server: Rtsp Server/3.0\n\nDESCRIBE rtsp://h/ RTSP/1.0\nCSeq: 2\n\n"
             b"RTSP/1.0 401 Unauthorized\nCSeq: 2\nWWW-Authenticate: Digest realm=\"Login to "
             b"4K01FD2PAJ6E3FF\", nonce=\"1\"\n\n")
    got = _pairs("rtsp-response", paste)
    assert ("rtsp.status", "200") in got and ("rtsp.status", "401") in got
    assert ("rtsp.realm", "Login to 4K01FD2PAJ6E3FF") in got
    assert ("rtsp.server", "Rtsp Server/3.0") in got


def test_a_bare_sdp_paste_is_an_sdp_observation() -> None:
    got = KINDS["rtsp-response"](b"v=0\no=- 1 1 IN IP4 0.0.0.0\ns=Media Presentation\n")
    assert [o.key for o in got] == ["rtsp.sdp"]


def test_onvif_device_information_fragments_and_dumps() -> None:
    fragment = (b"<tds:GetDeviceInformationResponse><tds:Manufacturer>Dahua</tds:Manufacturer>"
                b"<tds:Model>IPC-HDW1025C</tds:Model></tds:GetDeviceInformationResponse>")
    assert _pairs("onvif-device-information", fragment) == {
        ("onvif.manufacturer", "Dahua"), ("onvif.model", "IPC-HDW1025C")}
    dump = b"Manufacturer: HIKVISION\nModel: DS-2CD2143G0-I\nFirmware Version: V5.5.0\n"
    assert _pairs("onvif-device-information", dump) == {
        ("onvif.manufacturer", "HIKVISION"), ("onvif.model", "DS-2CD2143G0-I"),
        ("onvif.firmware", "V5.5.0")}
    assert KINDS["onvif-device-information"](b"nothing here") == []


def test_an_isapi_event_stream_part_and_a_cut_document_are_read() -> None:
    part = (b"--boundary\nContent-Type: application/xml\nContent-Length: 99\n\n"
            b"<EventNotificationAlert version=\"2.0\" xmlns=\"\nhttp://www.hikvision.com/ver20/"
            b"XMLSchema\">\n<ipAddress>10.0.0.1</ipAddress>\n<eventType>VMD")
    got = _pairs("isapi", part)
    assert ("isapi.root", "EventNotificationAlert") in got
    assert ("isapi.namespace", "http://www.hikvision.com/ver20/XMLSchema") in got


def test_dhip_kind_reads_other_dahua_json_messages() -> None:
    got = _pairs("dhip", b'{"result":false,"params":{"realm":"Login to 907F3C6C73FEDA77"},'
                         b'"error":{"code":268632079},"id":0,"session":2869194125}')
    assert ("json.keys", "error,id,params,result,session") in got
    assert ("json.field", "error.code=268632079") in got


def test_open_ports_reads_an_nmap_port_table() -> None:
    table = b"PORT      STATE  SERVICE\n80/tcp    open   http\n23/tcp    closed telnet\n" \
            b"34567/tcp open   dhanalakshmi\n"
    assert _pairs("open-ports", table) == {("ports.open", "80/tcp,34567/tcp")}


def test_a_multipart_part_pasted_with_its_headers_is_read_as_its_body() -> None:
    """An ISAPI alertStream part (node-red-contrib-hikvision-ultimate#4) keeps its boundary and
    part headers; the XML after them is the body."""
    part = (b"--boundary\r\nContent-Type: application/xml; charset=\"UTF-8\"\r\n"
            b"Content-Length: 847\r\n\r\n"
            b"<EventNotificationAlert version=\"2.0\" "
            b"xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\r\n<eventType>videoloss")
    keys = {o.key: o.value for o in KINDS["http-body"](part)}
    assert keys["isapi.root"] == "EventNotificationAlert"
    assert keys["isapi.namespace"] == "http://www.hikvision.com/ver20/XMLSchema"
    # a body that merely starts with dashes is left as it is
    assert KINDS["http-body"](b"--- not a part\r\n<p>x</p>")[0].value.startswith("--- not")
