"""A CycloneDX hardware bill of materials (JSON, spec 1.6) of the devices, with
``cyclonedx-python-lib`` writing it (and, in the tests, validating it).

One component of type ``device`` per device record (docs/formats.md has the full mapping):

* ``name``: the model, else ``<maker> <device type>``; ``manufacturer``: the firmware's maker;
  ``supplier``: the brand on the label (a relabeler is a supplier that is not the maker);
  ``description``: one line saying both and the policies that cover it;
* a nested component of type ``firmware`` named ``<maker> firmware`` with the firmware
  version, when camaudit read one;
* ``properties`` named ``camaudit:*``: address, MAC, serial, device type, brand, relabeled,
  confidence, open ports, one ``camaudit:verdict:<policy>`` per policy (its status),
  ``camaudit:exposure:<id>`` (its severity) and ``camaudit:risk:<CVE>`` (affected or possible);
* the BOM's ``vulnerabilities``: one per CVE, affecting each device's firmware component
  (status ``affected``, or ``unknown`` for a ``possible`` risk) or, without a firmware
  version, the device.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from cyclonedx.model import Property, XsUri
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.impact_analysis import ImpactAnalysisAffectedStatus
from cyclonedx.model.tool import ToolRepository
from cyclonedx.model.vulnerability import (
    BomTarget,
    BomTargetVersionRange,
    Vulnerability,
    VulnerabilitySource,
)
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion

from camaudit import __version__
from camaudit.model import Device

SCHEMA_VERSION = SchemaVersion.V1_6
NVD = "https://nvd.nist.gov/vuln/detail/"


def _name(d: Device) -> str:
    if d.model:
        return d.model
    return f"{d.maker or 'unknown'} {(d.device_type or 'device').replace('-', ' ')}"


def describe(d: Device) -> str:
    text = f"{(d.device_type or 'device').replace('-', ' ')} at {d.ip}, firmware by " \
           f"{d.maker or 'an unknown maker'}"
    if d.brand and d.brand != d.maker:
        text += f", labelled {d.brand}"
    elif d.relabeled:
        text += ", brand-neutral OEM build"
    covered = [v.policy for v in d.verdicts if v.status == "covered"]
    return text + (f"; covered by {', '.join(covered)}" if covered else "")


def _properties(d: Device) -> Iterator[Property]:
    plain = (("ip", d.ip), ("mac", d.mac), ("serial", d.serial), ("device_type", d.device_type),
             ("maker", d.maker), ("brand", d.brand),
             ("relabeled", "true" if d.relabeled else "false"),
             ("confidence", f"{d.confidence:.2f}"), ("first_seen", d.first_seen),
             ("last_seen", d.last_seen), ("recorder", d.recorder))
    for name, value in plain:
        if value:
            yield Property(name=f"camaudit:{name}", value=value)
    for hostname in d.hostnames:
        yield Property(name="camaudit:hostname", value=hostname)
    for p in d.ports:
        yield Property(name="camaudit:port", value=f"{p.port}/{p.proto}")
    for v in d.verdicts:
        yield Property(name=f"camaudit:verdict:{v.policy}", value=v.status)
    for x in d.exposures:
        yield Property(name=f"camaudit:exposure:{x.id}", value=x.severity)
    for r in d.risks:
        yield Property(name=f"camaudit:risk:{r.cve}", value=r.status)


def _component(d: Device) -> Component:
    maker = OrganizationalEntity(name=d.maker) if d.maker else None
    firmware = []
    if d.firmware:
        firmware.append(Component(type=ComponentType.FIRMWARE, bom_ref=f"firmware:{d.ip}",
                                  name=f"{d.maker or 'unknown'} firmware", version=d.firmware,
                                  manufacturer=maker))
    return Component(type=ComponentType.DEVICE, bom_ref=f"device:{d.ip}", name=_name(d),
                     manufacturer=maker,
                     supplier=OrganizationalEntity(name=d.brand) if d.brand else None,
                     description=describe(d), properties=_properties(d),
                     components=firmware)


def _vulnerabilities(devices: Sequence[Device]) -> list[Vulnerability]:
    targets: dict[str, list[BomTarget]] = {}
    first: dict[str, Any] = {}
    for d in devices:
        for r in d.risks:
            status = (ImpactAnalysisAffectedStatus.AFFECTED if r.status == "affected"
                      else ImpactAnalysisAffectedStatus.UNKNOWN)
            if d.firmware:
                target = BomTarget(ref=f"firmware:{d.ip}", versions=[
                    BomTargetVersionRange(version=d.firmware, status=status)])
            else:
                target = BomTarget(ref=f"device:{d.ip}")
            targets.setdefault(r.cve, []).append(target)
            first.setdefault(r.cve, r)
    out = []
    for cve, affects in targets.items():
        r = first[cve]
        props = [Property(name="camaudit:kev", value=r.kev)] if r.kev else []
        out.append(Vulnerability(
            bom_ref=f"vulnerability:{cve}", id=cve,
            source=VulnerabilitySource(name="NVD", url=XsUri(NVD + cve)) if
            cve.startswith("CVE-") else None,
            description=r.title or None, affects=affects, properties=props))
    return out


def bom(devices: Sequence[Device], meta: dict[str, Any]) -> Bom:
    """The bill of materials of ``devices`` (``meta["time"]``, ISO 8601, dates it)."""
    when = datetime.now(UTC)
    if isinstance(meta.get("time"), str):
        try:
            when = datetime.fromisoformat(meta["time"].replace("Z", "+00:00"))
        except ValueError:
            pass
    tool = Component(type=ComponentType.APPLICATION, name="camaudit", version=__version__)
    site = str(meta.get("site") or "")
    props = [Property(name="camaudit:site", value=site)] if site else []
    metadata = BomMetaData(tools=ToolRepository(components=[tool]), timestamp=when,
                           properties=props)
    return Bom(serial_number=uuid.uuid4(), metadata=metadata,
               components=[_component(d) for d in devices],
               vulnerabilities=_vulnerabilities(devices))


def render(devices: Sequence[Device], meta: dict[str, Any],
           version: SchemaVersion = SCHEMA_VERSION) -> str:
    """The bill of materials as CycloneDX JSON of spec ``version`` (default 1.6)."""
    outputter = make_outputter(bom(devices, meta), OutputFormat.JSON, version)
    return outputter.output_as_string(indent=2) + "\n"
