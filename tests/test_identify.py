"""identify: one observation per DESIGN.md kind, through the shipped parsers and rules."""

from __future__ import annotations

import datetime
import json
import struct
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from camaudit.errors import UsageError
from camaudit.identify import identify_bytes
from camaudit.kinds import KINDS

DESIGN_KINDS = {
    "http-response", "http-server", "http-www-authenticate", "http-title", "http-body",
    "rtsp-response", "rtsp-server", "tls-cert", "tls-subject", "tls-issuer", "favicon",
    "favicon-md5", "favicon-mmh3", "sadp", "dhip", "dvrip", "wsd", "wsd-scopes",
    "onvif-device-information", "isapi", "ssdp", "telnet-banner", "dhcp-vendor-class", "mac",
    "open-ports",
}

SADP = b"""<?xml version="1.0" encoding="UTF-8" ?>
<ProbeMatch>
    <Uuid>8282F1DB-2FA6-4709-B261-3C6B6A48CA17</Uuid>
    <Types>inquiry</Types>
    <DeviceType>44322</DeviceType>
    <DeviceDescription>DS-7804HQH-K1</DeviceDescription>
    <DeviceSN>DS-7804HQH-K10420190822CCCHD53257168WCVU</DeviceSN>
    <CommandPort>8000</CommandPort>
    <HttpPort>80</HttpPort>
    <MAC>68-6d-bc-ee-f8-f0</MAC>
    <SoftwareVersion>V3.5.38build 191215</SoftwareVersion>
    <OEMInfo>N/A</OEMInfo>
</ProbeMatch>
"""

DHIP_JSON = {
    "mac": "4c:11:bf:c2:0b:9d", "method": "client.notifyDevInfo",
    "params": {"deviceInfo": {"DeviceClass": "IPC", "DeviceType": "IPC-HDW5421S", "HttpPort": 80,
                              "Manufacturer": "Private", "Port": 37777,
                              "SerialNo": "1F006E4PAX00075", "Vendor": "Dahua",
                              "Version": "2.400.0.8"}},
}


def _dhip_packet() -> bytes:
    body = json.dumps(DHIP_JSON).encode() + b"\n"
    return struct.pack("<I4sIIIIII", 0x20, b"DHIP", 0, 0, len(body), 0, len(body), 0) + body


def _cert_pem() -> bytes:
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "ZheJiang"),
        x509.NameAttribute(NameOID.LOCALITY_NAME, "HangZhou"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HIKVISION"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "DVRNVR"),
        x509.NameAttribute(NameOID.COMMON_NAME, "www.hikvision.com"),
    ])
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=3650)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


HIK_SCOPES = (
    "onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming "
    "onvif://www.onvif.org/MAC/58:50:ed:1f:e3:85 onvif://www.onvif.org/hardware/DS-2CD2385G1-I "
    "onvif://www.onvif.org/name/HIKVISION%20DS-2CD2385G1-I "
    "onvif://www.onvif.org/location/city/hangzhou"
)
CAPTURES = Path(__file__).parent / "data" / "captures"
DAHUA_WSD = (CAPTURES / "dahua-wsd-probematches.xml").read_bytes()
ONVIF_INFO = b"""<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"
 xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><env:Body>
<tds:GetDeviceInformationResponse><tds:Manufacturer>HIKVISION</tds:Manufacturer>
<tds:Model>DS-2DF7286-A</tds:Model><tds:FirmwareVersion>V5.2.0</tds:FirmwareVersion>
<tds:SerialNumber>DS-2DF7286-A20140705CCWR471699220B</tds:SerialNumber>
<tds:HardwareId>88</tds:HardwareId></tds:GetDeviceInformationResponse></env:Body></env:Envelope>
"""
ISAPI_OEM = b"""<?xml version="1.0" encoding="UTF-8"?>
<DeviceInfo version="2.0" xmlns="http://www.std-cgi.com/ver20/XMLSchema">
<deviceName>NVR</deviceName><model>ACR4-40</model><serialNumber>ACR4-4020200101</serialNumber>
<macAddress>bc:ad:28:00:00:01</macAddress><firmwareVersion>V4.30.005</firmwareVersion>
</DeviceInfo>
"""

CASES = [
    ("http-response",
     b"HTTP/1.1 401 Unauthorized\r\nServer: DNVRS-Webs\r\nContent-Length: 0\r\n\r\n",
     "Hikvision"),
    ("http-server", b"uc-httpd 1.0.0\n", "Xiongmai"),
    ("http-www-authenticate", b'Digest realm="Login to 4K01FD2PAJ6E3FF", nonce="abc"', "Dahua"),
    ("http-www-authenticate", b"Digest realm=\"Use 'live' as User Name\"", "Bosch"),
    ("http-title", b"NETSurveillance WEB\n", "Xiongmai"),
    ("http-body", b'<script>window.location.href = "/doc/page/login.asp?_" + '
                  b"(new Date()).getTime();</script>", "Hikvision"),
    ("rtsp-response", b"RTSP/1.0 405 Method Not Allowed\r\nServer: Dahua Rtsp Server\r\n"
                      b"CSeq: 1\r\n\r\n", "Dahua"),
    ("rtsp-server", b"Dahua Rtsp Server", "Dahua"),
    ("tls-subject", b"CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN",
     "Hikvision"),
    ("tls-subject", b"/C=CN/ST=ZheJiang/L=HangZhou/O=HIKVISION/OU=DVRNVR/CN=www.hikvision.com",
     "Hikvision"),
    ("tls-issuer", b"CN=Dahua Device NVR CA, O=Zhejiang Dahua Technology Co.,Ltd., "
     b"ST=Zhejiang, L=Hangzhou, C=CN", "Dahua"),
    ("favicon", b"\x00\x00\x01\x00 not a known icon", None),
    ("favicon-md5", b"89b932fcc47cf4ca3faadb0cfdef89cf\n", "Hikvision"),
    ("favicon-mmh3", b"999357577", "Hikvision"),
    ("sadp", SADP, "Hikvision"),
    ("dhip", json.dumps(DHIP_JSON).encode(), "Dahua"),
    ("wsd", DAHUA_WSD, "Dahua"),
    ("wsd-scopes", HIK_SCOPES.encode(), "Hikvision"),
    ("onvif-device-information", ONVIF_INFO, "Hikvision"),
    ("isapi", ISAPI_OEM, "Hikvision"),
    ("telnet-banner", b"192.0.0.64 login: ", "Hikvision"),
    ("dhcp-vendor-class", b"AXIS,Network Camera,M3045-V,9.80.1", "Axis"),
    ("mac", b"68-6d-bc-ee-f8-f0\n", "Hikvision"),
    ("open-ports", b"80/tcp,554/tcp,34567/tcp", None),  # a port alone only corroborates
    ("http-server", b"nginx/1.24.0", None),
]


def test_every_design_kind_is_registered() -> None:
    assert set(KINDS) == DESIGN_KINDS


@pytest.mark.parametrize(("kind", "data", "maker"), CASES)
def test_identify_names_the_maker(kind: str, data: bytes, maker: str | None) -> None:
    result = identify_bytes(kind, data)
    assert result.maker == maker
    if maker:
        assert result.confidence > 0 and result.matches
    else:
        assert result.confidence == 0


def test_structured_replies_give_model_serial_and_mac() -> None:
    sadp = identify_bytes("sadp", SADP)
    assert (sadp.model, sadp.mac) == ("DS-7804HQH-K1", "68:6d:bc:ee:f8:f0")
    assert sadp.firmware == "V3.5.38build 191215"
    dhip = identify_bytes("dhip", _dhip_packet())
    assert (dhip.maker, dhip.model, dhip.serial) == ("Dahua", "IPC-HDW5421S", "1F006E4PAX00075")


def test_tls_cert_pem_and_der() -> None:
    pem = _cert_pem()
    assert identify_bytes("tls-cert", pem).maker == "Hikvision"
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    assert identify_bytes("tls-cert", der).maker == "Hikvision"


def test_oem_isapi_namespace_is_a_relabel() -> None:
    result = identify_bytes("isapi", ISAPI_OEM)
    assert result.relabeled and result.brand is None


def test_unknown_kind_and_bad_values_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="unknown kind 'bogus'"):
        identify_bytes("bogus", b"")
    with pytest.raises(UsageError, match="cannot read input as open-ports"):
        identify_bytes("open-ports", b"80/tcp,eighty")


@pytest.mark.parametrize("kind", sorted(DESIGN_KINDS))
def test_garbage_never_raises(kind: str) -> None:
    for data in (b"", b"\x00\xff" * 50, b"<" * 1000, "é\u202e".encode()):
        try:
            identify_bytes(kind, data)
        except UsageError:
            assert kind in ("mac", "open-ports")
