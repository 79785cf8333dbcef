from __future__ import annotations

import ipaddress
import random
from collections import namedtuple
from pathlib import Path

from tests.egress.layoutgen import V6_REMOTE, cameras, generated
from tests.egress.pcapgen import HIK

from camaudit.egress.analysis import Judge, flag_set
from camaudit.egress.geo import GeoDB
from camaudit.egress.load import load
from camaudit.egress.rules import Classifier, load_destinations
from camaudit.egress.sparkjudge import ArrayGeo, judge_rows, problem, tables

Row = namedtuple("Row", "client server proto port bo bi po pi first last hosts cnames snames")


class Shared:
    def __init__(self, value: object) -> None:
        self.value = value


def test_array_lookups_answer_as_geodb() -> None:
    geo = GeoDB()
    rnd = random.Random(7)
    ips = [str(ipaddress.IPv4Address(rnd.getrandbits(32))) for _ in range(5_000)]
    ips += ["34.241.130.159", "162.62.52.164", "192.168.1.64", "10.0.0.1", "0.0.0.0",
            "255.255.255.255", "1.0.0.0", "223.255.255.255", V6_REMOTE, "fd00::1",
            "::ffff:8.8.8.8", "2001:4860:4860::8888"]
    other = [ip for ip in ips if ":" in ip]
    t = tables(geo, load_destinations(), [], set(), False, other)
    arrays = ArrayGeo(t)
    assert [arrays.lookup(ip) for ip in ips] == [geo.lookup(ip) for ip in ips]
    assert arrays.lookup("2a00::1") == arrays.lookup("192.168.0.1")  # not sent: nowhere


def test_a_partition_is_judged_as_analyse_judges_it(tmp_path: Path) -> None:
    cap = load(cameras(tmp_path) + generated(tmp_path))
    geo, rules = GeoDB(), load_destinations()
    flag = flag_set(["CN"])
    judge = Judge([HIK], flag, False, geo, Classifier(rules))
    rows, expect = [], []
    for key, v in cap.conns.items():
        names = {ip: list(cap.names.get(ip, {}).items()) or None for ip in key[:2]}
        rows.append(Row(*key, *v, list(cap.flow_names.get(key, {}).items()) or None,
                        names[key[0]], names[key[1]]))
        expect.append((key, judge.endpoint(key, v, cap.flow_names.get(key, {}), cap.names),
                       problem(key)))
    other = {ip for key in cap.conns for ip in key[:2] if ":" in ip}
    got = list(judge_rows(Shared(tables(geo, rules, [HIK], flag, False, other)), rows))
    assert got == expect
    assert sum(1 for _, v, _ in got if v is not None and v[1] is not None) > 2900


def test_an_address_that_is_not_one_is_a_problem() -> None:
    assert problem(("192.168.1.1", "1.1.1.1", "tcp", 1)) is None
    assert problem(("x", "1.1.1.1", "tcp", 1)) == ("field client: 'x' is not an IP address: "
                                                    "its rows are left out")
    assert problem(("1.1.1.1", "1.1.1.999", "udp", 1)).startswith("field server: '1.1.1.999'")
