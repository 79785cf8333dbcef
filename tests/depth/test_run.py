"""Depth on one host: unauthenticated ONVIF, the maker's API with credentials, recorders."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from camaudit.credentials import Credential, CredentialSet
from camaudit.depth.run import HIK_CHANNEL_STATUS, HIK_CHANNELS, HIK_EZVIZ, HIK_INFO, deepen
from camaudit.fingerprints.matcher import default_matcher
from camaudit.model import Observation, Port
from camaudit.scan.job import scan_devices

from .conftest import PASSWORD, USER
from .test_channels import ISAPI_LIST, ISAPI_STATUS

IP = "127.0.0.5"
INFO = b"""<?xml version="1.0" encoding="UTF-8"?>
<DeviceInfo version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<deviceName>NVR</deviceName><model>DS-7608NI-K2</model>
<serialNumber>DS-7608NI-K20190101CCRRC00000001WCVU</serialNumber>
<macAddress>c0:56:e3:00:00:01</macAddress><firmwareVersion>V4.22.005</firmwareVersion>
<firmwareReleasedDate>build 191120</firmwareReleasedDate><deviceType>NVR</deviceType>
</DeviceInfo>"""
EZVIZ = (b'<EZVIZ version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">'
         b"<enabled>true</enabled></EZVIZ>")
HIK_ROUTES = {HIK_INFO: (200, INFO), HIK_CHANNELS: (200, ISAPI_LIST),
              HIK_CHANNEL_STATUS: (200, ISAPI_STATUS), HIK_EZVIZ: (200, EZVIZ)}
HIK_PORTS = (Port(80, "tcp", "http"), Port(8000, "tcp", "hik-sdk"))
HIK_SAID = (Observation("http.header.server", "App-webs/", "tcp/80 GET /"),)
ONVIF_INFO = (b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
              b'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><s:Body>'
              b"<tds:GetDeviceInformationResponse><tds:Manufacturer>Acme</tds:Manufacturer>"
              b"<tds:Model>Cam-1</tds:Model><tds:FirmwareVersion>1.2.3</tds:FirmwareVersion>"
              b"<tds:SerialNumber>SN42</tds:SerialNumber><tds:HardwareId>H1</tds:HardwareId>"
              b"</tds:GetDeviceInformationResponse></s:Body></s:Envelope>")


def creds(password: str = PASSWORD, by_host: bool = False) -> CredentialSet:
    import ipaddress

    from camaudit.credentials import _Entry

    cred = Credential(USER, password, "test")
    if by_host:
        return CredentialSet((_Entry(cred, host=ipaddress.ip_address(IP)),))
    return CredentialSet((_Entry(cred, maker="Hikvision"),))


def depth(transport: Any, credentials: CredentialSet | None, ports: Any = HIK_PORTS,
          said: Any = HIK_SAID) -> Any:
    return asyncio.run(deepen(IP, ports, said, transport, default_matcher(), credentials))


def test_recorder_with_credentials(make_device: Callable[..., Any]) -> None:
    device, transport = make_device(HIK_ROUTES, ports={80, 8000})
    got = depth(transport, creds())
    keys = {(o.key, o.value) for o in got.observations}
    assert ("isapi.model", "DS-7608NI-K2") in keys and ("p2p.enabled", "true") in keys
    assert ("isapi.firmware", "V4.22.005 build 191120") in keys  # with its release build
    assert [c.number for c in got.channels] == [1, 2]
    assert got.channels[0].model == "DS-2CD2043G0-I" and got.logins == 1 and not got.errors
    assert all(o.source.endswith("(credentials)") for o in got.observations
               if o.key.startswith("isapi."))


def test_wrong_password_one_attempt_and_an_error(make_device: Callable[..., Any]) -> None:
    device, transport = make_device(HIK_ROUTES, ports={80, 8000})
    got = depth(transport, creds("not-it"))
    assert got.refused and device.logins() == 1
    assert [e.message for e in got.errors] == ["credentials refused"]
    assert not got.channels and not [o for o in got.observations if o.key.startswith("isapi")]
    signed = [entry for entry in device.log if entry[2]]
    assert len(signed) == 1


def test_no_credentials_no_login(make_device: Callable[..., Any]) -> None:
    device, transport = make_device(HIK_ROUTES, ports={80, 8000})
    got = depth(transport, None)
    assert device.logins() == 0 and not got.channels
    # only the unsigned ONVIF question was asked
    assert [(m, p) for m, p, _ in device.log] == [("POST", "/onvif/device_service")]


def test_onvif_information_without_authentication(make_device: Callable[..., Any]) -> None:
    def onvif(method: str, path: str, body: bytes) -> tuple[int, bytes] | None:
        if method == "POST" and b"GetDeviceInformation" in body and b"Security" not in body:
            return 200, ONVIF_INFO
        return None

    device, transport = make_device({}, guarded=set(), extra=onvif)
    got = depth(transport, None, ports=(Port(80, "tcp", "http"),), said=())
    keys = {(o.key, o.value) for o in got.observations}
    assert {("onvif.manufacturer", "Acme"), ("onvif.model", "Cam-1"),
            ("onvif.unauthenticated", "GetDeviceInformation")} <= keys


def test_scan_makes_devices_of_the_cameras_behind_a_recorder(
        make_device: Callable[..., Any]) -> None:
    device, transport = make_device(HIK_ROUTES, ports={80, 8000})
    devices = scan_devices([IP], [80, 8000], transport, banner_wait=0.0, timeout=1.0,
                           credentials=creds(by_host=True))
    assert [d.ip for d in devices] == [IP, f"{IP}/ch1", f"{IP}/ch2"]
    nvr, cam1, cam2 = devices
    assert nvr.model == "DS-7608NI-K2" and nvr.maker == "Hikvision"
    assert (cam1.recorder, cam1.channel, cam1.segment_ip) == (IP, 1, "192.168.254.2")
    assert cam1.model == "DS-2CD2043G0-I" and cam1.firmware == "V5.5.6 build 180326"
    assert cam2.segment_ip == "192.168.254.3" and cam2.verdicts
    text = repr(devices)
    assert PASSWORD not in text
