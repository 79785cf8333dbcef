"""Cameras behind a recorder as devices of their own, identified from what the recorder says.

The recorder reports each channel's camera (manufacturer, model, firmware, serial, MAC, as it
learnt them from the camera over ONVIF or its own protocol). These go through the same rules
as an ONVIF ``GetDeviceInformation`` answer (``onvif.*`` keys), with the recorder and channel as
their source: what a recorder relays is one observation family, so on its own it names a maker
but does not make a device "covered" unless a rule rates the trait unique.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from camaudit.depth.channels import Channel
from camaudit.devices import build_device
from camaudit.fingerprints.matcher import Matcher
from camaudit.model import Device, Observation
from camaudit.wire.mac import normalize_mac


def key(recorder_ip: str, channel: int) -> str:
    """The inventory address of a camera behind a recorder: ``<recorder>/ch<channel>``."""
    return f"{recorder_ip}/ch{channel}"


def observations(recorder_ip: str, ch: Channel) -> list[Observation]:
    source = f"recorder {recorder_ip} channel {ch.number}"
    out: list[Observation] = []
    for field, obs_key in (("manufacturer", "onvif.manufacturer"), ("model", "onvif.model"),
                           ("firmware", "onvif.firmware"), ("serial", "onvif.serial"),
                           ("protocol", "channel.protocol")):
        value = getattr(ch, field)
        if value:
            out.append(Observation(obs_key, value, source))
    mac = normalize_mac(ch.mac) if ch.mac else None
    if mac:
        out.append(Observation("mac.address", mac, source))
    return out


def channel_devices(recorder: Device, channels: Sequence[Channel], matcher: Matcher,
                    seen: str | None = None) -> list[Device]:
    """One device per channel of ``recorder``, linked to it (``recorder``, ``channel``,
    ``segment_ip``); its address is ``<recorder>/ch<channel>``."""
    out: list[Device] = []
    for ch in channels:
        obs = observations(recorder.ip, ch)
        if not obs and not ch.address:
            continue
        device = build_device(key(recorder.ip, ch.number), (), obs, matcher.match_all(obs),
                              (), seen)
        out.append(dataclasses.replace(device, recorder=recorder.ip, channel=ch.number,
                                       segment_ip=ch.address))
    return out
