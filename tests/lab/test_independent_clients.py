"""Independent clients read the lab's credentialed endpoints and get its ground truth.

pyhik (Home Assistant's Hikvision library) reads ISAPI ``deviceInfo`` and onvif-zeep-async
(the official ONVIF WSDLs through zeep) reads the ONVIF device service, both with the lab
credentials: if they read the model, serial and firmware ``lab list`` gives, the lab's replies
are valid enough for real clients, and camaudit's own depth client can be checked against the
same ground truth (the ``depth_lab`` fixture of conftest.py). Traffic stays on 127.68.0.0/28;
onvif-zeep-async loads its bundled WSDLs from disk (no cache, no network).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from camaudit.lab import LAB_PASSWORD, LAB_USER

pytestmark = pytest.mark.lab


def _pyhik_device_info(ip: str, password: str) -> dict[str, Any] | None:
    from pyhik.hikvision import HikCamera

    camera = HikCamera(f"http://{ip}", 80, LAB_USER, password)
    try:
        return camera.get_device_info()  # type: ignore[no-any-return]
    finally:
        camera.hik_request.close()
        camera.hik_request_stream.close()


@pytest.mark.parametrize("profile", ["hikvision-ipc", "hikvision-nvr", "hikvision-oem"])
def test_pyhik_reads_model_serial_and_firmware(depth_lab: Any, profile: str) -> None:
    truth = depth_lab.one(profile)
    info = _pyhik_device_info(truth.ip, LAB_PASSWORD)
    assert info is not None, profile
    assert (info["model"], info["serialNumber"], info["macAddress"]) == \
        (truth.model, truth.serial, truth.mac)
    version, build = info["firmwareVersion"], info["firmwareReleasedDate"].removeprefix("build")
    assert f"{version} build {build.strip()}" == truth.firmware


def test_pyhik_is_refused_with_a_wrong_password(depth_lab: Any) -> None:
    assert _pyhik_device_info(depth_lab.one("hikvision-ipc").ip, "not-the-password") is None


async def _onvif_read(ip: str, password: str) -> dict[str, Any]:
    from onvif import ONVIFCamera

    camera = ONVIFCamera(ip, 80, LAB_USER, password, no_cache=True)
    try:
        await camera.update_xaddrs()
        devicemgmt = await camera.create_devicemgmt_service()
        info = await devicemgmt.GetDeviceInformation()
        interfaces = await devicemgmt.GetNetworkInterfaces()
        media = await camera.create_media_service()
        profiles = await media.GetProfiles()
        return {"info": info, "mac": interfaces[0].Info.HwAddress,
                "profiles": [p.token for p in profiles], "xaddrs": dict(camera.xaddrs)}
    finally:
        await camera.close()


@pytest.mark.parametrize(("profile", "manufacturer"), [
    ("hikvision-ipc", "HIKVISION"), ("dahua-ipc", "Dahua"), ("axis", "AXIS"),
    ("dahua-onvif-open", "Dahua")])
def test_onvif_zeep_async_reads_model_serial_and_firmware(depth_lab: Any, profile: str,
                                                          manufacturer: str) -> None:
    truth = depth_lab.one(profile)
    got = asyncio.run(_onvif_read(truth.ip, LAB_PASSWORD))
    info = got["info"]
    assert (info.Manufacturer, info.Model or None, info.SerialNumber, info.FirmwareVersion) == \
        (manufacturer, truth.model, truth.serial, truth.firmware)
    assert got["mac"] == truth.mac and got["profiles"] == ["Profile_1", "Profile_2"]
    assert set(got["xaddrs"].values()) == {f"http://{truth.ip}/onvif/device_service",
                                           f"http://{truth.ip}/onvif/media_service"}


def test_onvif_zeep_async_gets_not_authorized_with_a_wrong_password(depth_lab: Any) -> None:
    from zeep.exceptions import Fault

    with pytest.raises(Fault, match="Sender not Authorized"):
        asyncio.run(_onvif_read(depth_lab.one("hikvision-ipc").ip, "not-the-password"))


def test_ground_truth_lists_the_cameras_behind_recorders(depth_lab: Any) -> None:
    for recorder, profiles in (("hikvision-nvr", ["hikvision-ipc", "hikvision-oem", "axis"]),
                               ("dahua-nvr", ["dahua-ipc", "hikvision-ipc"])):
        nvr = depth_lab.one(recorder)
        cameras = depth_lab.behind(nvr)
        assert [c.profile for c in cameras] == profiles
        assert [c.channel for c in cameras] == list(range(1, len(profiles) + 1))
        assert all(c.ip == f"{nvr.ip}/ch{c.channel}" and c.segment_ip for c in cameras)


def test_only_the_exposure_fixture_answers_device_information_without_credentials(
        depth_lab: Any) -> None:
    """A plain SOAP POST without a UsernameToken, as anyone on the network could send it."""
    import urllib.error
    import urllib.request

    body = (b'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/'
            b'2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">'
            b"<s:Body><tds:GetDeviceInformation/></s:Body></s:Envelope>")

    def post(ip: str) -> tuple[int, bytes]:
        request = urllib.request.Request(f"http://{ip}/onvif/device_service", data=body,
                                         headers={"Content-Type": "application/soap+xml"})
        try:
            with urllib.request.urlopen(request, timeout=5) as reply:  # noqa: S310 - lab
                return reply.status, reply.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.read()

    status, text = post(depth_lab.one("dahua-onvif-open").ip)
    assert status == 200 and depth_lab.one("dahua-onvif-open").serial.encode() in text
    for profile in ("hikvision-ipc", "dahua-ipc", "axis"):
        status, text = post(depth_lab.one(profile).ip)
        assert status == 400 and b"ter:NotAuthorized" in text, profile


# camaudit's own depth client against the same lab and the same ground truth ---------------

@pytest.fixture(scope="module")
def camaudit_scan(depth_lab: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``camaudit scan --credentials`` of the depth lab, recorded into its own inventory, with
    every output written; what each run printed is kept to look for the password."""
    import json
    import os
    import subprocess
    import sys

    tmp = tmp_path_factory.mktemp("depth-scan")
    creds = tmp / "lab.toml"
    creds.write_text(f'[[credential]]\nnet = "127.68.0.0/28"\nuser = "{LAB_USER}"\n'
                     f'password = "{LAB_PASSWORD}"\n')
    os.chmod(creds, 0o600)
    db = tmp / "inv.db"
    env = {**os.environ, "CAMAUDIT_DEBUG": "1"}
    ips = [d.ip for d in depth_lab.devices if d.recorder is None]
    runs = []
    for fmt in ("json", "csv", "html", "table"):
        out = tmp / f"scan.{fmt}"
        proc = subprocess.run(
            [sys.executable, "-m", "camaudit", "scan", *ips, "--credentials", str(creds),
             "--timeout", "1", "--banner-wait", "0.3", "--format", fmt, "-o", str(out),
             "--db", str(db)], capture_output=True, text=True, timeout=180, env=env)
        assert proc.returncode in (0, 1), proc.stderr
        runs.append(proc.stdout + proc.stderr + out.read_text(encoding="utf-8"))
    report = tmp / "report.html"
    subprocess.run([sys.executable, "-m", "camaudit", "report", "--format", "html", "-o",
                    str(report), "--db", str(db)], check=True, capture_output=True, timeout=120)
    runs.append(report.read_text(encoding="utf-8"))
    doc = json.loads((tmp / "scan.json").read_text(encoding="utf-8"))
    from camaudit.inventory import open_store

    store = open_store(db)
    try:
        stored = {s.device.ip: s.device for s in store.devices()}
    finally:
        store.close()
    return {"devices": {d["ip"]: d for d in doc["devices"]}, "texts": runs, "stored": stored,
            "db": db.read_bytes() + b"".join(p.read_bytes() for p in tmp.glob("inv.db*"))}


@pytest.mark.parametrize("profile", ["hikvision-ipc", "hikvision-nvr", "hikvision-oem"])
def test_camaudit_reads_what_pyhik_reads(depth_lab: Any, camaudit_scan: dict[str, Any],
                                         profile: str) -> None:
    truth = depth_lab.one(profile)
    info = _pyhik_device_info(truth.ip, LAB_PASSWORD)
    assert info is not None
    got = camaudit_scan["devices"][truth.ip]
    build = info["firmwareReleasedDate"].removeprefix("build").strip()
    assert (got["model"], got["serial"], got["firmware"]) == (
        info["model"], info["serialNumber"], f"{info['firmwareVersion']} build {build}")


@pytest.mark.parametrize("profile", ["axis", "dahua-onvif-open"])
def test_camaudit_reads_what_onvif_zeep_async_reads(depth_lab: Any,
                                                    camaudit_scan: dict[str, Any],
                                                    profile: str) -> None:
    truth = depth_lab.one(profile)
    info = asyncio.run(_onvif_read(truth.ip, LAB_PASSWORD))["info"]
    got = camaudit_scan["devices"][truth.ip]
    assert got["serial"] == info.SerialNumber
    assert got["firmware"].startswith(info.FirmwareVersion.split(",")[0])
    assert (got["model"] or None) == (info.Model or None)


def test_every_camera_behind_a_recorder_is_a_device(depth_lab: Any,
                                                    camaudit_scan: dict[str, Any]) -> None:
    devices = camaudit_scan["devices"]
    for camera in (d for d in depth_lab.devices if d.recorder is not None):
        got = devices.get(camera.ip)
        assert got is not None, camera.ip
        stored = camaudit_scan["stored"][camera.ip]  # in the inventory too, linked
        assert (stored.recorder, stored.channel, stored.maker) == (
            camera.recorder, camera.channel, got["maker"])
        assert (got["recorder"], got["channel"], got["segment_ip"]) == (
            camera.recorder, camera.channel, camera.segment_ip)
        assert (got["serial"], got["firmware"]) == (camera.serial, camera.firmware)
        # the maker where the recorder names it (an ONVIF channel of a Hikvision recorder
        # carries no manufacturer: its maker stays unknown rather than guessed)
        assert got["maker"] in (camera.maker, None), camera.ip
        if camera.model:
            assert got["maker"] == camera.maker and got["model"] == camera.model


def test_the_password_is_nowhere(camaudit_scan: dict[str, Any]) -> None:
    for text in camaudit_scan["texts"]:
        assert LAB_PASSWORD not in text
        assert "lab-fake-camera-password" not in text  # what a recorder lists for its cameras
    assert LAB_PASSWORD.encode() not in camaudit_scan["db"]
    assert b"lab-fake-camera-password" not in camaudit_scan["db"]


def test_wrong_credentials_one_attempt_per_device_and_an_error(depth_lab: Any,
                                                               tmp_path: Any) -> None:
    import json
    import os
    import subprocess
    import sys

    creds = tmp_path / "bad.toml"
    creds.write_text(f'[[credential]]\nnet = "127.68.0.0/28"\nuser = "{LAB_USER}"\n'
                     'password = "not-the-password"\n')
    os.chmod(creds, 0o600)
    before = depth_lab.log.read_text(encoding="utf-8").count("\n")
    ips = [d.ip for d in depth_lab.devices if d.recorder is None]
    proc = subprocess.run(
        [sys.executable, "-m", "camaudit", "scan", *ips, "--credentials", str(creds),
         "--timeout", "1", "--banner-wait", "0.3", "--format", "json", "--no-db"],
        capture_output=True, text=True, timeout=180)
    assert "not-the-password" not in proc.stdout + proc.stderr
    devices = {d["ip"]: d for d in json.loads(proc.stdout)["devices"]}
    lines = depth_lab.log.read_text(encoding="utf-8").splitlines()[before:]
    refused = [r for r in map(json.loads, lines) if r["method"] == "REFUSED"]
    for ip in ips:
        per_device = [r for r in refused if r["ip"] == ip]
        assert len(per_device) <= 1, (ip, per_device)
        errors = [e["message"] for e in devices[ip]["errors"]]
        if per_device:
            assert "credentials refused" in errors, ip
    # every device with a login tried it exactly once: ISAPI, Dahua CGI, DVRIP and ONVIF alike
    for profile in ("hikvision-ipc", "hikvision-nvr", "dahua-ipc", "dahua-nvr", "xiongmai-dvr",
                    "axis"):
        ip = depth_lab.one(profile).ip
        assert len([r for r in refused if r["ip"] == ip]) == 1, profile
        assert "credentials refused" in [e["message"] for e in devices[ip]["errors"]], profile
