"""Rules for devices that state their own maker in ONVIF GetDeviceInformation's Manufacturer.

The ONVIF Core specification defines ``Manufacturer`` as the manufacturer of the device, and
firmware fills it with the maker's short name (``AXIS``, ``Bosch``) or its company name
(``Milesight Technology Co.,Ltd.``). Writing one hand-made rule per maker would only repeat the
vocabulary, so the rules are generated from it:

* every maker of ``rules/vocab/makers.txt`` gets a rule naming it at grade ``onvif`` when the
  Manufacturer is its name, spelt with any case and separators, optionally after a Chinese city
  of registration and before company-form words (``Zhejiang Uniview Technologies Co.,Ltd.``);
* except the makers a shipped policy covers or sends to review (they keep their own
  hand-written, sourced rules, so nothing generated can ever lead to a "covered" verdict),
  makers that the attribution data lists as a brand of another maker (Amcrest, FLIR and
  Panasonic also sell relabelled hardware), and names of software or chips rather than device
  makers;
* every brand and alias of ``rules/attribution`` gets a rule that sets only ``hw.brand``: a
  relabel's Manufacturer is its label, and the firmware's maker is for other evidence to say.

A hand-written rule for the same key comes first and wins. The generated rules are verified
like any other (examples, shadowing, vocabulary) by ``camaudit rules verify``.
"""

from __future__ import annotations

import re

from camaudit.fingerprints.schema import Example, Rule

KEY = "onvif.manufacturer"
CONFIDENCE = 0.6
SOURCE = ("ONVIF Core Specification, GetDeviceInformation: Manufacturer is the manufacturer of "
          "the device; names from rules/vocab/makers.txt and rules/attribution")
# Names in makers.txt that are software, libraries or chips: a device reporting one of them as
# its manufacturer runs that component, it was not made by it.
NOT_DEVICE_MAKERS = frozenset({"HiSilicon", "OpenWrt", "Wowza", "ZLMediaKit", "minisatip",
                               "Tasmota", "OpenBMC"})
_CITY = r"(?:(?:zhejiang|hangzhou|shenzhen|guangzhou|beijing|shanghai|tianjin|xiamen)\s+)?"
_FORM = (r"(?:[\s,.]+(?:co|company|ltd|limited|inc|incorporated|corp|corporation|llc|ab|ag|"
         r"gmbh|sa|bv|plc|kk|technology|technologies|tech|communications|systems|networks|"
         r"network|electronics|digital|international|group|industrial|innovation))*[\s,.]*")


def _spelling(name: str) -> str:
    """``TP-Link`` -> ``tp[-_ .]?link``: any case, with or without separators."""
    words = [re.escape(w) for w in re.findall(r"[A-Za-z0-9]+", name)]
    return r"[-_ .]?".join(words)


def _rule(rid: str, name: str, fields: dict[str, str], grade: str, confidence: float,
          line: int) -> Rule:
    return Rule(
        id=rid, key=KEY, description=f"ONVIF Manufacturer naming {name}",
        pattern=re.compile(rf"^\s*{_CITY}{_spelling(name)}{_FORM}$", re.IGNORECASE),
        grade=grade, confidence=confidence, source=SOURCE, set=fields, capture={},
        examples=(Example(value=name.upper(), expect=dict(fields), line=line),),
        file="generated:onvif.manufacturer", line=line)


def _slug(name: str) -> str:
    return "-".join(w.lower() for w in re.findall(r"[A-Za-z0-9]+", name))


def generated_rules(hand_written: list[Rule]) -> list[Rule]:
    """The generated Manufacturer rules that no hand-written rule for the key already covers."""
    from camaudit.attribution import load_attribution
    from camaudit.policy import covered_makers, load_policies
    from camaudit.rulefiles.vocab import BRANDS, MAKERS, vocab

    earlier = [r for r in hand_written if r.key == KEY]
    links = load_attribution()[0]
    relabels = {lk.brand for lk in links} | {a for lk in links for a in lk.aliases}
    policies = load_policies()
    covered = frozenset().union(*(covered_makers(p) for p in policies),
                                (r.maker for p in policies for r in p.review))
    labels = vocab(BRANDS) | vocab(MAKERS)
    out: list[Rule] = []
    for i, maker in enumerate(sorted(vocab(MAKERS))):
        if maker in covered or maker in relabels or maker in NOT_DEVICE_MAKERS:
            continue
        rule = _rule(f"onvif-manufacturer-is-{_slug(maker)}", maker, {"hw.maker": maker},
                     "onvif", CONFIDENCE, i + 1)
        if not any(r.pattern.search(rule.examples[0].value) for r in earlier):
            out.append(rule)
    seen: set[str] = set()
    for i, link in enumerate(links):
        if link.brand not in labels or link.brand in covered:
            continue
        for name in (link.brand, *link.aliases):
            rid = f"onvif-manufacturer-brand-{_slug(name)}"
            if rid in seen or not _slug(name):
                continue
            seen.add(rid)
            rule = _rule(rid, name, {"hw.brand": link.brand}, "identity", 0.0, 1000 + i)
            if not any(r.pattern.search(rule.examples[0].value) for r in earlier + out):
                out.append(rule)
    return out
