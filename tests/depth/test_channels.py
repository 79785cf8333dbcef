"""Recorder channel lists -> Channel records; secrets in them are never read."""

from __future__ import annotations

from camaudit.depth.channels import Channel, dahua_cameras, isapi_channels, merge

ISAPI_LIST = b"""<?xml version="1.0" encoding="UTF-8"?>
<InputProxyChannelList version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<InputProxyChannel><id>1</id><name>Gate</name>
<sourceInputPortDescriptor><proxyProtocol>HIKVISION</proxyProtocol>
<addressingFormatType>ipaddress</addressingFormatType><ipAddress>192.168.254.2</ipAddress>
<managePortNo>8000</managePortNo><srcInputPort>1</srcInputPort><userName>admin</userName>
<password>hunter2</password></sourceInputPortDescriptor></InputProxyChannel>
<InputProxyChannel><id>2</id><name>Yard</name>
<sourceInputPortDescriptor><proxyProtocol>ONVIF</proxyProtocol>
<ipAddress>192.168.254.3</ipAddress></sourceInputPortDescriptor></InputProxyChannel>
<InputProxyChannel><id>x</id></InputProxyChannel>
</InputProxyChannelList>"""

ISAPI_STATUS = b"""<InputProxyChannelStatusList xmlns="http://www.hikvision.com/ver20/XMLSchema">
<InputProxyChannelStatus><id>1</id><sourceInputPortDescriptor>
<ipAddress>192.168.254.2</ipAddress><model>DS-2CD2043G0-I</model>
<serialNumber>DS-2CD2043G0-I20200101AAWRD00000001</serialNumber>
<firmwareVersion>V5.5.6 build 180326</firmwareVersion></sourceInputPortDescriptor>
<online>true</online></InputProxyChannelStatus>
<InputProxyChannelStatus><id>2</id><online>false</online></InputProxyChannelStatus>
</InputProxyChannelStatusList>"""

DAHUA = """camera[0].Channel=0
camera[0].DeviceInfo.Address=192.168.1.108
camera[0].DeviceInfo.DeviceType=IPC-HDW2431T-AS
camera[0].DeviceInfo.SerialNo=5J0A1B2C3D4E5F6
camera[0].DeviceInfo.Vendor=Dahua
camera[0].DeviceInfo.Version=2.800.0000000.16.R
camera[0].DeviceInfo.UserName=admin
camera[0].DeviceInfo.Password=hunter2
camera[0].DeviceInfo.Enable=true
camera[1].Channel=3
camera[1].DeviceInfo.Address=192.168.1.109
camera[1].DeviceInfo.Vendor=Private
camera[2].Channel=4
camera[2].DeviceInfo.Enable=false
camera[2].DeviceInfo.Address=192.168.1.110
"""


def test_isapi_list_and_status_merge() -> None:
    listed = isapi_channels(ISAPI_LIST)
    assert [c.number for c in listed] == [1, 2]
    assert listed[0] == Channel(1, address="192.168.254.2", protocol="HIKVISION", name="Gate")
    merged = merge(listed, isapi_channels(ISAPI_STATUS))
    assert merged[0].model == "DS-2CD2043G0-I" and merged[0].online is True
    assert merged[0].firmware == "V5.5.6 build 180326" and merged[0].name == "Gate"
    assert merged[1] == Channel(2, address="192.168.254.3", protocol="ONVIF", name="Yard",
                                online=False)
    assert "hunter2" not in repr(merged) and "admin" not in repr(merged)


def test_dahua_camera_list() -> None:
    cams = dahua_cameras(DAHUA)
    assert [(c.number, c.address) for c in cams] == [(1, "192.168.1.108"), (4, "192.168.1.109")]
    assert cams[0].model == "IPC-HDW2431T-AS" and cams[0].manufacturer == "Dahua"
    assert cams[0].firmware == "2.800.0000000.16.R"
    assert "hunter2" not in repr(cams) and "admin" not in repr(cams)


def test_garbage_and_bounds() -> None:
    assert isapi_channels(b"") == [] and isapi_channels(b"<a><b>") == []
    assert dahua_cameras("not=a camera\n\x00\xff") == []
    many = "".join(f"camera[{i}].DeviceInfo.Address=10.0.{i // 250}.{i % 250}\n"
                   for i in range(5000))
    assert len(dahua_cameras(many)) == 512
