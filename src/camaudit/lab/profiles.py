"""Lab profiles: one YAML file per kind of emulated device, loaded and validated here.

A profile is ``lab/profiles/<id>.yaml``: ground truth (maker, brand, device type, MAC prefix,
models, serial pattern, firmware), the sources of every reply, and services (http, https, rtsp,
banner, silent, dvrip) with routes, replies, TLS certificates and optional credentials, plus
optional discovery answers and the depth sections of lab/specs.py (a recorder's cameras, ONVIF,
DVRIP login). docs/lab.md describes every field with an example.

Header lines are written exactly as sent (``"Date:  {date_rtsp_hik}"`` keeps two spaces).
A bad file raises ``RuleError("<file>:<line>: <field>: <problem>")``.
"""

from __future__ import annotations

import base64
import binascii
import http
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from camaudit.lab.auth import AuthSpec, SpecError, spec_from_yaml
from camaudit.lab.render import DEVICE_NAMES, REQUEST_NAMES
from camaudit.lab.specs import (
    DvripSpec,
    OnvifSpec,
    RecorderSpec,
    parse_dvrip,
    parse_onvif,
    parse_recorder,
)
from camaudit.lab.tlsspec import TlsSpec, parse_tls
from camaudit.lab.yamldoc import Doc
from camaudit.protocols import REGISTRY
from camaudit.rulefiles.vocab import is_device_type, is_label, is_maker
from camaudit.rulefiles.where import rule_error
from camaudit.yamlfile import META_KEYS, load_yaml

SERVICE_KINDS = ("http", "https", "rtsp", "banner", "silent", "dvrip")
BEHAVIOURS = ("normal", "slow", "garbage", "endless_body", "endless_header")
_PROFILE_KEYS = {"id", "description", "maker", "brand", "device_type", "hostile", "sources",
                 "mac_prefix", "mac_note", "models", "serial", "extras", "services",
                 "discovery", "screening_fixture", "exposure_fixture", "firmware", "recorder",
                 "onvif"}
# Discovery protocols a profile may answer (lab/responders.py builds the replies).
# the discovery protocols (camaudit.protocols), plus mDNS and the ONVIF device service
DISCOVERY_KINDS = (*REGISTRY, "mdns", "onvif")
_REPLY_KEYS = {"status", "reason", "version", "headers", "body", "body_b64", "template"}
_SERVICE_KEYS = {"kind", "port", "behaviour", "version", "routes", "routes_from", "default",
                 "methods", "banner", "banner_b64", "tls", "auth", "unauthorized",
                 "credentials", "login_reply", "system_info"}
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH")

_META = META_KEYS  # line numbers the loader adds to every mapping

@dataclass(frozen=True, slots=True)
class Reply:
    """One canned reply: status line parts, raw header lines (templates), body bytes."""

    status: int
    reason: str
    version: str
    headers: tuple[str, ...]
    body: bytes = b""
    template_body: bool = True


@dataclass(frozen=True, slots=True)
class Route:
    """An HTTP path (exact, or any query when ``path`` has no ``?``) or a path prefix;
    ``auth`` None = no credentials needed; ``unauthorized`` the 401 sent without valid
    credentials (None: the lab's generic one); ``methods`` () = any method."""

    path: str
    prefix: bool
    reply: Reply
    auth: AuthSpec | None = None
    unauthorized: Reply | None = None
    methods: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Service:
    """One listening port of a device and how it answers."""

    kind: str
    port: int
    behaviour: str = "normal"
    routes: tuple[Route, ...] = ()
    default: Reply | None = None
    methods: tuple[tuple[str, Reply], ...] = ()
    banner: bytes = b""
    tls: TlsSpec | None = None
    auth: AuthSpec | None = None  # what ``default`` needs; routes carry their own
    dvrip: DvripSpec | None = None  # kind dvrip: login and SystemInfo (lab/dvrip_service.py)

    def route_for(self, target: str) -> Route | None:
        """HTTP: exact target, then path without query, then longest prefix; None = default."""
        path = target.split("?", 1)[0]
        for route in self.routes:
            if not route.prefix and route.path == target:
                return route
        for route in self.routes:
            if not route.prefix and "?" not in route.path and route.path == path:
                return route
        prefixed = [r for r in self.routes if r.prefix and path.startswith(r.path)]
        return max(prefixed, key=lambda r: len(r.path)) if prefixed else None

    def reply_for(self, target: str) -> Reply | None:
        """The reply of ``route_for(target)``, else the default."""
        route = self.route_for(target)
        return self.default if route is None else route.reply

    def auth_for(self, target: str) -> AuthSpec | None:
        """The credentials ``target`` needs (None: none)."""
        route = self.route_for(target)
        return self.auth if route is None else route.auth

    def unauthorized_for(self, target: str) -> Reply | None:
        """The 401 ``target`` sends without valid credentials (None: the lab's generic one)."""
        route = self.route_for(target)
        return None if route is None else route.unauthorized

    def allows(self, target: str, method: str) -> bool:
        """Whether ``target``'s route answers ``method`` (routes without ``methods``: any)."""
        route = self.route_for(target)
        return route is None or not route.methods or method in route.methods

    def reply_to(self, method: str) -> Reply | None:
        """RTSP: the reply for ``method``, else the default."""
        for name, reply in self.methods:
            if name == method:
                return reply
        return self.default


@dataclass(frozen=True, slots=True)
class Profile:
    """One kind of emulated device, with its ground truth (maker, brand)."""

    id: str
    description: str
    maker: str | None
    brand: str | None
    device_type: str | None
    hostile: bool
    sources: tuple[str, ...]
    mac_prefix: bytes
    mac_note: str | None
    models: tuple[str, ...]
    serial: str
    extras: tuple[tuple[str, str], ...]
    services: tuple[Service, ...]
    # (protocol, ((field, template text), ...)); lists are joined with newlines
    discovery: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    screening_fixture: bool = False  # runs only when named (plan.select_profiles)
    exposure_fixture: bool = False  # likewise: certificate hygiene and exposure cases
    firmware: str | None = None  # ground truth, rendered as {firmware} (lab/render.py)
    recorder: RecorderSpec | None = None  # cameras behind this recorder (lab/specs.py)
    onvif: OnvifSpec | None = None  # ONVIF device and media services (lab/onvif.py)

    @property
    def ports(self) -> tuple[int, ...]:
        return tuple(sorted(s.port for s in self.services))


def _reply(doc: Doc, raw: Any, field: str, version: str, names: set[str]) -> Reply:
    node = doc.keys(raw, _REPLY_KEYS, field + ".")
    status = doc.get(node, "status", field + ".", int)
    if not 100 <= status <= 999:
        doc.fail(node, f"{field}.status", "must be 100..999")
    try:
        default_reason = http.HTTPStatus(status).phrase
    except ValueError:
        default_reason = "Unknown"
    reason = str(doc.get(node, "reason", field + ".", (str, int), required=False,
                         default=default_reason))
    headers = doc.get(node, "headers", field + ".", list, required=False, default=[])
    for i, line in enumerate(headers):
        where = f"{field}.headers[{i}]"
        if not isinstance(line, str) or ":" not in line or "\r" in line or "\n" in line:
            doc.fail(node, where, "expected one 'Name: value' line")
        doc.text(node, line, where, names | {"content_length"})
    if "body" in node and "body_b64" in node:
        doc.fail(node, f"{field}.body", "give body or body_b64, not both")
    template = doc.get(node, "template", field + ".", bool, required=False, default=True)
    body = b""
    if "body_b64" in node:
        body = _b64(doc, node, "body_b64", f"{field}.body_b64")
        template = False
    elif "body" in node:
        text = str(doc.get(node, "body", field + ".", str))
        if template:
            doc.text(node, text, f"{field}.body", names)
        body = text.encode("utf-8")
    return Reply(status, reason, str(doc.get(node, "version", field + ".", str, required=False,
                                             default=version)),
                 tuple(headers), body, template)


def _b64(doc: Doc, node: dict[str, Any], key: str, field: str) -> bytes:
    try:
        return base64.b64decode(str(node[key]), validate=True)
    except (binascii.Error, ValueError):
        doc.fail(node, field, "invalid base64")


def _service(doc: Doc, raw: Any, field: str, names: set[str],
             done: dict[int, Service]) -> Service:
    node = doc.keys(raw, _SERVICE_KEYS, field + ".")
    kind = doc.get(node, "kind", field + ".", str)
    if kind not in SERVICE_KINDS:
        doc.fail(node, f"{field}.kind", f"must be one of {', '.join(SERVICE_KINDS)}")
    port = doc.get(node, "port", field + ".", int)
    if not 1 <= port <= 65535 or port in done:
        doc.fail(node, f"{field}.port", "must be 1..65535 and unique in the profile")
    behaviour = doc.get(node, "behaviour", field + ".", str, required=False, default="normal")
    if behaviour not in BEHAVIOURS:
        doc.fail(node, f"{field}.behaviour", f"must be one of {', '.join(BEHAVIOURS)}")
    version = doc.get(node, "version", field + ".", str, required=False,
                      default="RTSP/1.0" if kind == "rtsp" else "HTTP/1.1")
    routes: tuple[Route, ...] = ()
    default: Reply | None = None
    methods: list[tuple[str, Reply]] = []
    auth = None
    dvrip = None
    for key in ("auth", "unauthorized"):
        if key in node and kind not in ("http", "https"):
            doc.fail(node, f"{field}.{key}", f"only http and https services take {key}")
    for key in ("credentials", "login_reply", "system_info"):
        if key in node and kind != "dvrip":
            doc.fail(node, f"{field}.{key}", "only dvrip services take it")
    if kind in ("http", "https"):
        if "routes_from" in node:
            src = done.get(doc.get(node, "routes_from", field + ".", int))
            if src is None or src.kind != "http":
                doc.fail(node, f"{field}.routes_from", "must name an earlier http port")
            for key in ("auth", "unauthorized"):
                if key in node:
                    doc.fail(node, f"{field}.{key}", "comes with routes_from (the http port's)")
            routes, default, auth = src.routes, src.default, src.auth
        else:
            auth = _auth(doc, node, f"{field}.auth", None)
            unauthorized = None
            if "unauthorized" in node:
                unauthorized = _reply(doc, node["unauthorized"], f"{field}.unauthorized",
                                      version, names)
            routes = _routes(doc, node, field, version, names, auth, unauthorized)
            default = _reply(doc, doc.get(node, "default", field + ".", dict),
                             f"{field}.default", version, names)
    elif kind == "rtsp":
        for method, reply in doc.get(node, "methods", field + ".", dict,
                                      required=False, default={}).items():
            if method not in _META:
                methods.append((str(method), _reply(doc, reply, f"{field}.methods.{method}",
                                                    version, names)))
        default = _reply(doc, doc.get(node, "default", field + ".", dict), f"{field}.default",
                         version, names)
    if kind == "dvrip":
        dvrip = parse_dvrip(doc, node, field, names)
    banner = b""
    if kind == "banner":
        if "banner_b64" in node:
            banner = _b64(doc, node, "banner_b64", f"{field}.banner_b64")
        else:
            text = doc.get(node, "banner", field + ".", str)
            banner = doc.text(node, text, f"{field}.banner", set()).encode("utf-8")
    tls = parse_tls(doc, node, field, names) if kind == "https" else None
    return Service(kind, port, behaviour, routes, default, tuple(methods), banner, tls, auth,
                   dvrip)


def _auth(doc: Doc, node: dict[str, Any], field: str,
          inherited: AuthSpec | None) -> AuthSpec | None:
    """``auth:`` of a service or route: a mapping, ``false`` (none), absent (``inherited``)."""
    if "auth" not in node:
        return inherited
    if node["auth"] is False:
        return None
    try:
        return spec_from_yaml(node["auth"])
    except SpecError as e:
        where = node["auth"] if isinstance(node["auth"], dict) else node
        doc.fail(where, field if e.field == "auth" else f"{field}.{e.field}", e.problem)


_ROUTE_KEYS = ("path", "prefix", "auth", "unauthorized", "methods")


def _routes(doc: Doc, node: dict[str, Any], field: str, version: str, names: set[str],
            auth: AuthSpec | None, unauthorized: Reply | None) -> tuple[Route, ...]:
    out: list[Route] = []
    for i, raw in enumerate(doc.get(node, "routes", field + ".", list, required=False,
                                    default=[])):
        where = f"{field}.routes[{i}]"
        rnode = doc.keys(raw, _REPLY_KEYS | set(_ROUTE_KEYS), where + ".")
        is_prefix = "prefix" in rnode
        path = doc.get(rnode, "prefix" if is_prefix else "path", where + ".", str)
        if not path.startswith("/"):
            doc.fail(rnode, f"{where}.path", "must start with /")
        methods = doc.get(rnode, "methods", where + ".", list, required=False, default=[])
        if not all(m in HTTP_METHODS for m in methods):
            doc.fail(rnode, f"{where}.methods", f"expected methods of {', '.join(HTTP_METHODS)}")
        route_401 = unauthorized
        if "unauthorized" in rnode:
            route_401 = _reply(doc, rnode["unauthorized"], f"{where}.unauthorized", version,
                               names)
        reply_node = {k: v for k, v in rnode.items() if k not in _ROUTE_KEYS}
        out.append(Route(path, is_prefix, _reply(doc, reply_node, where, version, names),
                         _auth(doc, rnode, f"{where}.auth", auth), route_401,
                         tuple(str(m) for m in methods)))
    return tuple(out)


def _mac_prefix(doc: Doc, node: dict[str, Any]) -> bytes:
    text = str(doc.get(node, "mac_prefix", "", str))
    try:
        prefix = bytes.fromhex(text.replace(":", "").replace("-", ""))
    except ValueError:
        prefix = b""
    if len(prefix) != 3 or prefix[0] & 1:
        doc.fail(node, "mac_prefix", "expected 3 unicast octets like 44:47:CC")
    return prefix


def _discovery(doc: Doc, node: dict[str, Any], names: set[str]
               ) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    raw = doc.get(node, "discovery", "", dict, required=False, default={})
    out = []
    for kind, fields in ((k, v) for k, v in raw.items() if k not in _META):
        where = f"discovery.{kind}"
        if kind not in DISCOVERY_KINDS:
            doc.fail(raw, where, f"must be one of {', '.join(DISCOVERY_KINDS)}")
        if not isinstance(fields, dict):
            doc.fail(raw, where, "expected a mapping of reply fields")
        items = []
        for name, value in ((k, v) for k, v in fields.items() if k not in _META):
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                value = "\n".join(value)
            if isinstance(value, bool) or not isinstance(value, str | int):
                doc.fail(fields, f"{where}.{name}", "expected text, a number or a list of text")
            items.append((str(name), doc.text(fields, str(value), f"{where}.{name}", names)))
        out.append((str(kind), tuple(items)))
    return tuple(out)


def parse_profile(text: str, filename: str) -> Profile:
    """Parse and validate one profile file's text; ``filename`` names it in errors."""
    doc = Doc(filename)
    raw = load_yaml(text, filename, key_lines=True)
    node = doc.keys(raw, _PROFILE_KEYS, "")
    pid = doc.get(node, "id", "", str)
    if pid != Path(filename).stem:
        doc.fail(node, "id", f"must equal the file name ({Path(filename).stem})")
    maker = doc.get(node, "maker", "", str, required=False)
    if maker is not None and not is_maker(maker):
        doc.fail(node, "maker", f"{maker!r} not in makers.txt")
    brand = doc.get(node, "brand", "", str, required=False)
    if brand is not None and not is_label(brand):
        doc.fail(node, "brand", f"{brand!r} not in brands.txt or makers.txt")
    device_type = doc.get(node, "device_type", "", str, required=False)
    if device_type is not None and not is_device_type(device_type):
        doc.fail(node, "device_type", f"{device_type!r} not in device_types.txt")
    sources = doc.get(node, "sources", "", list)
    if not sources or not all(isinstance(s, str) and s for s in sources):
        doc.fail(node, "sources", "expected a non-empty list of strings")
    models = doc.get(node, "models", "", list, required=False, default=[])
    extras_raw = doc.get(node, "extras", "", dict, required=False, default={})
    extras = tuple((str(k), str(v)) for k, v in extras_raw.items() if k not in _META)
    clash = {k for k, _ in extras} & (DEVICE_NAMES | REQUEST_NAMES)
    if clash:
        doc.fail(node, "extras", f"{sorted(clash)[0]!r} is a built-in template name")
    recorder = parse_recorder(doc, node)
    names = set(DEVICE_NAMES | REQUEST_NAMES) | {k for k, _ in extras}
    names |= {k for k, _ in recorder.per_channel} if recorder else set()
    serial = doc.text(node, doc.get(node, "serial", "", str), "serial", {"model"})
    services: dict[int, Service] = {}
    raw_services = doc.get(node, "services", "", list)
    if not raw_services:
        doc.fail(node, "services", "expected at least one service")
    for i, item in enumerate(raw_services):
        svc = _service(doc, item, f"services[{i}]", names, services)
        services[svc.port] = svc
    onvif = parse_onvif(doc, node, names)
    if onvif is not None and (onvif.port not in services or services[onvif.port].kind != "http"):
        doc.fail(node["onvif"], "onvif.port", "must name an http service of the profile")
    firmware = doc.get(node, "firmware", "", str, required=False)
    return Profile(pid, str(doc.get(node, "description", "", str)), maker, brand, device_type,
                   bool(doc.get(node, "hostile", "", bool, required=False, default=False)),
                   tuple(sources), _mac_prefix(doc, node),
                   doc.get(node, "mac_note", "", str, required=False),
                   tuple(str(m) for m in models), serial, extras, tuple(services.values()),
                   _discovery(doc, node, names),
                   doc.get(node, "screening_fixture", "", bool, required=False, default=False),
                   doc.get(node, "exposure_fixture", "", bool, required=False, default=False),
                   firmware, recorder, onvif)


def profiles_dir() -> Path:
    """The package's ``lab/profiles`` directory."""
    return Path(str(resources.files("camaudit.lab").joinpath("profiles")))


def load_profiles(directory: Path | None = None) -> dict[str, Profile]:
    """Every ``*.yaml`` profile of ``directory`` (default: the package's), keyed by id.

    Raises ``RuleError`` naming the file, line and field of the first problem.
    """
    if directory is None:
        return dict(_packaged())
    return _load_dir(directory)


@cache
def _packaged() -> dict[str, Profile]:
    return _load_dir(profiles_dir())


def _load_dir(directory: Path) -> dict[str, Profile]:
    out: dict[str, Profile] = {}
    for path in sorted(directory.glob("*.yaml")):
        profile = parse_profile(path.read_text(encoding="utf-8"), path.name)
        out[profile.id] = profile
    if not out:
        raise rule_error(str(directory), 0, "no lab profiles found")
    for profile in out.values():
        for i, channel in enumerate(profile.recorder.channels if profile.recorder else ()):
            behind = out.get(channel.profile)
            if behind is None or behind.recorder is not None or behind.hostile:
                assert profile.recorder is not None
                raise rule_error(f"{profile.id}.yaml", profile.recorder.line,
                                 f"recorder.channels[{i}].profile: {channel.profile!r} is not "
                                 "a lab camera profile (known, not hostile, not a recorder)")
    return out
