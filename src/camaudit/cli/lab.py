"""``camaudit lab up|down|list`` and ``camaudit demo``: the emulated lab on 127.0.0.0/8."""

from __future__ import annotations

import ipaddress
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from camaudit.cli.output import HELP_SETTINGS
from camaudit.errors import LabError, UsageError
from camaudit.lab import userns

DEMO_NET = "127.77.0.0/24"
_LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")


def require_loopback_net(net: str) -> None:
    """The lab only ever binds loopback addresses: refuse any other network."""
    try:
        parsed = ipaddress.ip_network(net, strict=False)
    except ValueError as e:
        raise UsageError(f"bad lab network '{net}': {e}") from e
    if not (isinstance(parsed, ipaddress.IPv4Network) and parsed.subnet_of(_LOOPBACK)):
        raise UsageError(f"lab network '{net}' must lie inside 127.0.0.0/8")


def _state_option(f: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--state", "state_path", type=click.Path(path_type=Path, dir_okay=False),
        help="State file of the running lab (default: $CAMAUDIT_LAB_STATE or "
             "/tmp/camaudit-lab-<uid>.json).")(f)


@click.group(context_settings=HELP_SETTINGS)
def lab() -> None:
    """Run emulated cameras, NVRs, DVRs and negatives on loopback addresses.

    Each device binds its own 127.x.y.z address on its real ports (80, 443, 554, 8000,
    37777, 34567 ...) and answers with responses taken from public captures of real devices.
    Binding ports below 1024 needs root (or CAP_NET_BIND_SERVICE).

    \b
      camaudit lab up --net 127.77.0.0/24 --devices 30 --background --log lab.jsonl
      camaudit lab list --format json
      camaudit scan 127.77.0.0/24
      camaudit lab down
    """


@lab.command("up")
@click.option("--net", default=DEMO_NET, show_default=True, help="Loopback CIDR to use.")
@click.option("--devices", "count", type=click.IntRange(1, 4096),
              help="Number of devices (default: one per profile).")
@click.option("--profile", "profiles", multiple=True, metavar="NAME",
              help="Only these profiles (repeatable; see 'lab profiles').")
@click.option("--hostile", is_flag=True,
              help="Also run the hostile profiles (slow, malformed ...).")
@click.option("--log", "log_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Append one JSON line per request received to FILE.")
@click.option("-d", "--background", is_flag=True, help="Detach and return once listening.")
@click.option("--netns", is_flag=True,
              help="Instead: build the discovery lab (root): a bridge, one network namespace "
                   "per device answering SADP/DHIP/Dahua legacy/DVRIP/WS-Discovery/SSDP/mDNS, "
                   "and namespace camaudit-scan with interface lab0. Returns once it is up.")
@_state_option
def lab_up(net: str, count: int | None, profiles: tuple[str, ...], hostile: bool,
           log_path: Path | None, background: bool, netns: bool,
           state_path: Path | None) -> None:
    """Start the lab (foreground until Ctrl-C, or detached with --background).

    With --netns, build the namespace lab for discovery instead, then run for example
    'ip netns exec camaudit-scan camaudit discover --iface lab0'.
    """
    from camaudit.lab.control import up

    if not netns and not userns.low_ports_allowed():
        raise LabError("the lab's devices listen on ports below 1024, which only root may bind; "
                       "as a normal user, 'camaudit demo' runs in a private user and network "
                       "namespace by itself, or run your commands in one: unshare --user "
                       "--map-root-user --net sh -c 'ip link set lo up; camaudit lab up -d; "
                       "camaudit scan 127.77.0.0/24' (docs/lab.md)")
    if netns:
        from camaudit.lab.netns import netns_up

        built = netns_up(list(profiles) or None)
        click.echo(json.dumps([d.to_json() for d in built], indent=2))
        return
    require_loopback_net(net)
    devices = up(net, count, list(profiles) or None, log_path, state_path,
                 background=background, include_hostile=hostile)
    if background:
        click.echo(f"lab up: {len(devices)} device(s) on {net}", err=True)


@lab.command("down")
@_state_option
def lab_down(state_path: Path | None) -> None:
    """Stop the lab started by 'lab up' (foreground or background), and remove the
    namespace lab of 'lab up --netns' with every namespace, link and process it made."""
    from camaudit.lab.control import down
    from camaudit.lab.netns import lab_namespaces, netns_down

    n = down(state_path)
    if lab_namespaces():
        n += netns_down()
    click.echo(f"lab down: {n} device(s) stopped", err=True)


@lab.command("list")
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table",
              show_default=True, help="table for people, json for scripts and tests.")
@_state_option
def lab_list(fmt: str, state_path: Path | None) -> None:
    """Show the running devices and their ground truth (maker, brand, ports ...): the
    loopback lab of 'lab up' and the namespace lab of 'lab up --netns', whichever is up (a
    namespace lab device carries its "namespace")."""
    from camaudit.lab.control import list_devices
    from camaudit.lab.netns import running_devices

    devices: list[dict[str, Any]] = [d.to_json() for d in list_devices(state_path)]
    try:
        devices += running_devices()
    except LabError:
        pass  # no iproute2 here: no namespace lab either
    if fmt == "json":
        click.echo(json.dumps(devices, indent=2))
        return
    for d in devices:
        ports = ",".join(str(p) for p in d.get("ports") or ())
        where = f"  [{d['namespace']}]" if d.get("namespace") else ""
        click.echo(f"{d['ip']:<16} {d['profile']:<16} {d.get('maker') or '-':<10} "
                   f"{d.get('brand') or '-':<10} {d.get('mac')}  {ports}{where}")


@lab.command("profiles")
def lab_profiles() -> None:
    """List the device profiles the lab can run."""
    from camaudit.lab.profiles import load_profiles

    for name, p in sorted(load_profiles().items()):
        click.echo(f"{name:<16} maker={p.maker or '-':<10} brand={p.brand or '-':<10} "
                   f"{p.description}")


@click.command(context_settings=HELP_SETTINGS)
@click.option("--net", default=DEMO_NET, show_default=True, help="Loopback CIDR for the lab.")
@click.option("--devices", "count", default=30, show_default=True, type=click.IntRange(1, 250),
              help="Number of emulated devices (profiles are dealt round-robin).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("camaudit-demo.json"), show_default=True,
              help="Where to write the scan as JSON.")
def demo(net: str, count: int, output: Path) -> None:
    """Bring up a lab of emulated devices, scan it, print the table, take the lab down.

    Writes the scan as JSON (-o, default camaudit-demo.json) and the HTML report beside it
    (camaudit-demo.html). The demo does not touch the inventory.
    """
    from camaudit.cli.console import Progress
    from camaudit.lab.control import down, up
    from camaudit.reports import REPORTERS
    from camaudit.scan.job import scan_devices
    from camaudit.targets import DEFAULT_PORTS, expand

    require_loopback_net(net)
    if not userns.low_ports_allowed():
        if not userns.possible():
            raise LabError("the lab's devices listen on ports below 1024: run the demo as "
                           "root, or on Linux with unshare (util-linux)")
        click.echo("camaudit: this user may not listen on ports below 1024, so the demo runs in "
                   "a private user and network namespace (unshare --user --net), where its lab "
                   "may; the lab and the scan are the same, and nothing outside changes",
                   err=True)
        userns.reexec(sys.argv[1:])
    state = Path(tempfile.gettempdir()) / f"camaudit-demo-{os.getpid()}.json"
    truth = up(net, count, None, None, state, background=True, include_hostile=False)
    try:
        ips = expand([d.ip for d in truth], [], [], False)
        with Progress(total=len(ips), quiet=False) as progress:
            devices = scan_devices(ips, list(DEFAULT_PORTS), timeout=2.0,
                                   progress=progress.advance)
    finally:
        down(state)
    meta = {"targets": [net], "hosts": len(ips), "ports": list(DEFAULT_PORTS), "lab": True}
    click.echo(REPORTERS["table"](devices, meta), nl=False)
    output.write_text(REPORTERS["json"](devices, meta), encoding="utf-8")
    page = output.with_suffix(".html")
    page.write_text(REPORTERS["html"](devices, meta), encoding="utf-8")
    by_ip = {d.ip: d for d in devices}
    right = sum(1 for t in truth if (by_ip[t.ip].maker if t.ip in by_ip else None) == t.maker)
    click.echo(f"maker right for {right}/{len(truth)} lab devices; wrote {output} and {page}",
               err=True)
