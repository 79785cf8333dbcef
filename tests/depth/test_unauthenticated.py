"""Depth before login: the vendors' discovery searches sent to one host (routed scans)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from camaudit.depth.run import deepen
from camaudit.fingerprints.corpus import load_corpus
from camaudit.fingerprints.matcher import default_matcher
from camaudit.model import Port

IP = "127.0.0.5"


def sadp_reply() -> bytes:
    """The DS-7804HQH-K1 SADP reply of the corpus (a real device's, with its source)."""
    from pathlib import Path

    corpus = Path(__file__).resolve().parents[1] / "corpus"
    entry = next(e for e in load_corpus(corpus) if e.id == "hik-ds-7804hqh-k1-sadp-probematch")
    return entry.data


def test_sadp_search_to_a_host_with_the_hikvision_port(make_device: Callable[..., Any]) -> None:
    device, transport = make_device({}, guarded=set(), ports={80, 8000},
                                    datagrams={37020: sadp_reply()})
    got = asyncio.run(deepen(IP, (Port(80, "tcp", "http"), Port(8000, "tcp", "hik-sdk")), (),
                             transport, default_matcher()))
    keys = {(o.key, o.value) for o in got.observations}
    assert ("sadp.model", "DS-7804HQH-K1") in keys
    assert ("sadp.firmware", "V3.5.38build 191215") in keys
    assert device.udp == [37020]  # no Dahua or Xiongmai search: their ports are closed
    assert device.logins() == 0


def test_no_search_without_the_maker_ports(make_device: Callable[..., Any]) -> None:
    device, transport = make_device({}, guarded=set(), ports={80})
    asyncio.run(deepen(IP, (Port(80, "tcp", "http"),), (), transport, default_matcher()))
    assert device.udp == []


def test_silent_udp_costs_nothing_but_the_wait(make_device: Callable[..., Any]) -> None:
    device, transport = make_device({}, guarded=set(), ports={37777, 34567})
    got = asyncio.run(deepen(IP, (Port(37777, "tcp", "dahua-sdk"), Port(34567, "tcp", "")),
                             (), transport, default_matcher()))
    assert sorted(device.udp) == [34569, 37810] and not got.errors and not got.observations


def test_a_maker_named_by_the_search_picks_a_maker_scoped_credential(
        make_device: Callable[..., Any]) -> None:
    """Nothing the probes saw named the maker; the DHIP answer does, so the operator's
    credential for Dahua devices is the one used (and only it)."""
    from camaudit.credentials import Credential, CredentialSet, _Entry
    from camaudit.lab.plan import plan
    from camaudit.lab.profiles import load_profiles
    from camaudit.lab.responders import Responder
    from camaudit.protocols import REGISTRY

    from .conftest import PASSWORD, USER

    (lab,) = plan("127.66.0.0/29", 1, ["dahua-ipc"])
    reply = Responder(load_profiles()["dahua-ipc"], lab).answer(
        "dhip", REGISTRY["dhip"].probes()[0])
    assert reply
    info = (b"deviceType=IPC-HDW5421S\r\nserialNumber=SN1\r\n")
    device, transport = make_device(
        {"/cgi-bin/magicBox.cgi?action=getSystemInfo": (200, info)}, ports={80, 37777},
        datagrams={37810: reply})
    creds = CredentialSet((_Entry(Credential(USER, PASSWORD, "t"), maker="Dahua"),))
    got = asyncio.run(deepen(IP, (Port(80, "tcp", "http"), Port(37777, "tcp", "dahua-sdk")),
                             (), transport, default_matcher(), creds))
    assert ("cgi.field", "serialNumber=SN1") in {(o.key, o.value) for o in got.observations}
    assert got.logins == 1 and not got.refused
