"""Zeek conn/dns/ssl logs (TSV or JSON) of the generated cameras: file content only."""

from __future__ import annotations

import json
from pathlib import Path

from tests.egress.pcapgen import DAHUA, EZVIZ, HIK, T0, XM

CONN_FIELDS = ("ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration "
               "orig_bytes resp_bytes conn_state local_orig local_resp missed_bytes history "
               "orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents ip_proto").split()
CONN_TYPES = ("time string addr port addr port enum string interval count count string bool "
              "bool count string count count count count set[string] count").split()

# (ts, orig, orig_p, resp, resp_p, proto, duration, orig_pkts, orig_ip_bytes, resp_pkts,
#  resp_ip_bytes)
CONNS = [
    (T0 + 1, HIK, 41000, "34.241.130.159", 8555, "tcp", 2.5, 3, 420, 3, 240),
    (T0 + 11, DAHUA, 38000, "47.88.1.1", 8800, "udp", 2.0, 2, 94, 1, 37),
    (T0 + 20, XM, 50003, "114.114.114.114", 53, "udp", 0.01, 1, 65, 1, 100),
    (T0 + 30, EZVIZ, 43000, "162.62.52.164", 8666, "tcp", 1.0, 1, 100, 1, 240),
    (T0 + 40, EZVIZ, 43001, "162.62.52.164", 8666, "tcp", 5.0, 4, 400, 2, 80),
    (T0 + 50, "192.168.1.40", 123, "192.168.1.5", 123, "udp", 0.1, 1, 76, 1, 76),
]


def conn_rows(n_extra: int = 0) -> list[tuple]:
    rows = list(CONNS)
    for i in range(n_extra):
        rows.append((T0 + 100 + i, f"192.168.2.{i % 200 + 1}", 40000 + i % 1000,
                     f"{1 + i % 223}.{i % 251}.{i % 241}.{i % 239}", 443, "tcp", 1.0, 2, 200,
                     2, 300))
    return rows


def write_conn_tsv(path: Path, rows: list[tuple]) -> None:
    lines = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)",
             "#unset_field\t-", "#path\tconn", "#open\t2023-11-14-22-13-20",
             "#fields\t" + "\t".join(CONN_FIELDS), "#types\t" + "\t".join(CONN_TYPES)]
    for i, (ts, o, op, r, rp, pr, du, opk, ob, rpk, rb) in enumerate(rows):
        lines.append("\t".join([f"{ts:.6f}", f"C{i}", o, str(op), r, str(rp), pr, "-",
                                f"{du:.6f}", str(max(ob - 40, 0)), str(max(rb - 40, 0)), "SF",
                                "-", "-", "0", "ShADadFf", str(opk), str(ob), str(rpk), str(rb),
                                "(empty)", "6" if pr == "tcp" else "17"]))
    lines.append("#close\t2023-11-14-23-00-00")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_conn_json(path: Path, rows: list[tuple]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i, (ts, o, op, r, rp, pr, du, opk, ob, rpk, rb) in enumerate(rows):
            f.write(json.dumps({"ts": ts, "uid": f"C{i}", "id.orig_h": o, "id.orig_p": op,
                                "id.resp_h": r, "id.resp_p": rp, "proto": pr, "duration": du,
                                "orig_pkts": opk, "orig_ip_bytes": ob, "resp_pkts": rpk,
                                "resp_ip_bytes": rb}) + "\n")


def write_dns_ssl(directory: Path) -> tuple[Path, Path]:
    dns = directory / "dns.log"
    dns.write_text("\n".join([
        "#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
        "#path\tdns",
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tanswers",
        "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tvector[string]",
        f"{T0:.6f}\tD1\t{HIK}\t50001\t192.168.1.1\t53\tudp\tdev.hik-connect.com\t"
        "dev-hik.eu-west-1.elb.amazonaws.com,34.241.130.159",
        f"{T0 + 10:.6f}\tD2\t{DAHUA}\t50002\t192.168.1.1\t53\tudp\twww.easy4ipcloud.com\t"
        "47.88.1.1"]) + "\n", encoding="utf-8")
    ssl = directory / "ssl.log"
    ssl.write_text("\n".join(json.dumps(r) for r in [
        {"ts": "2023-11-14T22:13:25.000000Z", "uid": "S1", "id.orig_h": HIK, "id.orig_p": 41001,
         "id.resp_h": "35.158.174.16", "id.resp_p": 443, "server_name": "litedev.hik-connect.com",
         "_path": "ssl"}]) + "\n", encoding="utf-8")
    return dns, ssl
