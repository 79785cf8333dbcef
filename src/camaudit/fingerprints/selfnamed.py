"""Rules for devices that state their own maker: ONVIF GetDeviceInformation's Manufacturer and
the WS-Discovery ``name``/``manufacturer`` scopes.

The ONVIF Core specification defines ``Manufacturer`` as the manufacturer of the device, and
firmware fills it with the maker's short name (``AXIS``, ``Bosch``) or its company name
(``Milesight Technology Co.,Ltd.``); the discovery scopes ``onvif://www.onvif.org/name/<...>``
and ``.../manufacturer/<...>`` carry the same name, often followed by the model. Writing one
hand-made rule per maker would only repeat the vocabulary, so the rules are generated from it:

* every maker of ``rules/vocab/makers.txt`` gets a rule naming it at grade ``onvif`` when the
  Manufacturer is its name, spelt with any case and separators, optionally after a Chinese city
  of registration and before company-form words (``Zhejiang Uniview Technologies Co.,Ltd.``),
  and one for the scope (the name may be followed by a space and a model; the name scope can be
  renamed by the owner, so it counts less);
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

# (key, rule id prefix, what comes before the name, what may follow it, confidence, example)
_KINDS = (
    ("onvif.manufacturer", "onvif-manufacturer", r"^\s*", "", 0.6, "{}"),
    ("wsd.scope", "wsd-scope-name", r"^onvif://www\.onvif\.org/(?:name|manufacturer)/",
     r"(?: \S.*)?", 0.5, "onvif://www.onvif.org/name/{}"),
)
SOURCE = ("ONVIF Core Specification: GetDeviceInformation Manufacturer is the manufacturer of the "
          "device; WS-Discovery name and manufacturer scopes; names from rules/vocab/makers.txt "
          "and rules/attribution")
# Names in makers.txt that are software, libraries or chips: a device reporting one of them as
# its manufacturer runs that component, it was not made by it.
NOT_DEVICE_MAKERS = frozenset({"HiSilicon", "OpenWrt", "Wowza", "ZLMediaKit", "minisatip",
                               "Tasmota", "OpenBMC", "VideoLAN"})
_CITY = r"(?:(?:zhejiang|hangzhou|shenzhen|guangzhou|beijing|shanghai|tianjin|xiamen)\s+)?"
_FORM = (r"(?:[\s,.]+(?:co|company|ltd|limited|inc|incorporated|corp|corporation|llc|ab|ag|"
         r"gmbh|sa|bv|plc|kk|technology|technologies|tech|communications|systems|networks|"
         r"network|electronics|digital|international|group|industrial|innovation))*[\s,.]*")


def _spelling(name: str) -> str:
    """``TP-Link`` -> ``tp[-_ .]?link``: any case, with or without separators."""
    words = [re.escape(w) for w in re.findall(r"[A-Za-z0-9]+", name)]
    return r"[-_ .]?".join(words)


def _rule(kind: tuple[str, str, str, str, float, str], rid: str, name: str,
          fields: dict[str, str], grade: str, line: int) -> Rule:
    key, _, before, after, confidence, example = kind
    return Rule(
        id=rid, key=key, description=f"{key} naming {name}",
        pattern=re.compile(rf"{before}{_CITY}{_spelling(name)}{_FORM}{after}$", re.IGNORECASE),
        grade=grade, confidence=confidence if grade != "identity" else 0.0, source=SOURCE,
        set=fields, capture={},
        examples=(Example(value=example.format(name.upper()), expect=dict(fields), line=line),),
        file=f"generated:{key}", line=line)


def _slug(name: str) -> str:
    return "-".join(w.lower() for w in re.findall(r"[A-Za-z0-9]+", name))


def generated_rules(hand_written: list[Rule]) -> list[Rule]:
    """The generated rules that no hand-written rule for their key already covers."""
    from camaudit.attribution import load_attribution
    from camaudit.policy import covered_makers, load_policies
    from camaudit.rulefiles.vocab import BRANDS, MAKERS, vocab

    links = load_attribution()[0]
    relabels = {lk.brand for lk in links} | {a for lk in links for a in lk.aliases}
    policies = load_policies()
    covered = frozenset().union(*(covered_makers(p) for p in policies),
                                (r.maker for p in policies for r in p.review))
    labels = vocab(BRANDS) | vocab(MAKERS)
    out: list[Rule] = []
    for kind in _KINDS:
        key, prefix = kind[0], kind[1]
        mine = [r for r in hand_written if r.key == key]
        first = len(mine)
        for i, maker in enumerate(sorted(vocab(MAKERS))):
            if maker not in covered and maker not in relabels and maker not in NOT_DEVICE_MAKERS:
                _keep(mine, _rule(kind, f"{prefix}-is-{_slug(maker)}", maker,
                                  {"hw.maker": maker}, "onvif", i + 1))
        seen: set[str] = set()
        for i, link in enumerate(links):
            if link.brand not in labels or link.brand in covered:
                continue
            for name in (link.brand, *link.aliases):
                rid = f"{prefix}-brand-{_slug(name)}"
                if _slug(name) and rid not in seen:
                    seen.add(rid)
                    _keep(mine, _rule(kind, rid, name, {"hw.brand": link.brand}, "identity",
                                      1000 + i))
        out += mine[first:]
    return out


def _keep(rules: list[Rule], rule: Rule) -> None:
    """Append ``rule`` unless an earlier rule of the list already matches its example."""
    value = rule.examples[0].value
    if not any(r.pattern.search(value) for r in rules):
        rules.append(rule)
