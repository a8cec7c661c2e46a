"""How the City of Bochum's POI categories become our kinds, school types and groups.

The planner treats a layer feature as a demand point only when its kind is ``school`` or
``daycare`` and uses ``groups`` (taxonomy ids) to match offers. Everything else in the
schools file (universities, research, further education, music and sports schools) keeps
its place on the map as ``other_education`` with no groups, so it never counts as demand.
The table is documented in docs/pipeline.md; keep the two in step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SCHOOL, DAYCARE, OTHER = "school", "daycare", "other_education"


@dataclass(frozen=True)
class Rule:
    kind: str
    school_type: str | None
    groups: tuple[str, ...]
    derive: bool = False  # groups read from name/description when possible (see levels)
    generic: bool = False  # loses against a specific school type of the same place


SEK = ("sek1", "sek2")
SCHOOL_RULES: dict[str, Rule] = {
    "Grundschulen": Rule(SCHOOL, "grundschule", ("grundschule",)),
    "Gymnasien": Rule(SCHOOL, "gymnasium", SEK),
    "Private Gymnasien": Rule(SCHOOL, "gymnasium", SEK),
    "Gesamtschulen": Rule(SCHOOL, "gesamtschule", SEK),
    "Realschulen": Rule(SCHOOL, "realschule", ("sek1",)),
    "Hauptschulen": Rule(SCHOOL, "hauptschule", ("sek1",)),
    "Sekundarschulen": Rule(SCHOOL, "sekundarschule", ("sek1",)),
    "Förderschulen": Rule(SCHOOL, "foerderschule", ("sek1",), derive=True),
    "Private Förderschulen": Rule(SCHOOL, "foerderschule", ("sek1",), derive=True),
    "Berufskollegs": Rule(SCHOOL, "berufskolleg", ("sek2",)),
    "Waldorfschulen": Rule(SCHOOL, "waldorfschule", ("grundschule", *SEK), derive=True),
    "Private Ersatzschulen": Rule(SCHOOL, "ersatzschule", ("sek1",), derive=True,
                                  generic=True),
    "Schulzentren": Rule(SCHOOL, "schulzentrum", ("sek1",), derive=True, generic=True),
    # Not demand points: higher education and research ...
    "Hochschulen": Rule(OTHER, "hochschule", ()),
    "Staatliche Universitäten": Rule(OTHER, "hochschule", ()),
    "Staatliche Fachhochschulen": Rule(OTHER, "hochschule", ()),
    "Private Fachhochschulen": Rule(OTHER, "hochschule", ()),
    "Fernuniversität": Rule(OTHER, "hochschule", ()),
    "Studentenwerke": Rule(OTHER, "hochschule", ()),
    "Wissenschaft und Forschung": Rule(OTHER, "forschung", ()),
    # ... adult and vocational training (pupils of a Berufskolleg come via "Berufskollegs") ...
    "Weiterbildungseinrichtungen": Rule(OTHER, "weiterbildung", ()),
    "Volkshochschulen": Rule(OTHER, "weiterbildung", ()),
    "Abendschulen": Rule(OTHER, "weiterbildung", ()),
    "Berufsbildende Schulen": Rule(OTHER, "berufsbildung", ()),
    "Schulen im Gesundheitsbereich": Rule(OTHER, "berufsbildung", ()),
    "Schulen im sozialen Bereich": Rule(OTHER, "berufsbildung", ()),
    "Altenpflegeschulen": Rule(OTHER, "berufsbildung", ()),
    "Private Lehrinstitute": Rule(OTHER, "berufsbildung", ()),
    # ... and out-of-school learning (music, sport, art, nature schools).
    "Musikschulen": Rule(OTHER, "spezialschule", ()),
    "Sportschulen": Rule(OTHER, "spezialschule", ()),
    "Kunstschulen": Rule(OTHER, "spezialschule", ()),
    "Natur- Wald- Biologieschulen": Rule(OTHER, "spezialschule", ()),
    "Sonstige Spezialschulen": Rule(OTHER, "spezialschule", ()),
    "Internate": Rule(OTHER, "spezialschule", ()),
}
UNKNOWN_SCHOOL = Rule(OTHER, "sonstige", ())
DAYCARE_RULE = Rule(DAYCARE, None, ("kita",))

_STUFE = re.compile(r"Sekundarstufen?\s+(II|I)\b(?:\s*(?:und|/|,)\s*(II)\b)?")
_PRIMAR = re.compile(r"Primar|Grundschul")
_GYMNASIUM = re.compile(r"Gymnasi(um|al)")


def levels(text: str) -> set[str]:
    """School levels named in a name or description, e.g. 'Primarstufe, Sekundarstufe I'."""
    found: set[str] = set()
    if _PRIMAR.search(text):
        found.add("grundschule")
    if _GYMNASIUM.search(text):
        found.update(SEK)
    for match in _STUFE.finditer(text):
        found.update("sek2" if level == "II" else "sek1" for level in match.groups() if level)
    return found


def rule_for(category: str, daycare: bool) -> Rule:
    if daycare:
        return DAYCARE_RULE  # every category of the day-care file is a kind of Kita
    return SCHOOL_RULES.get(category, UNKNOWN_SCHOOL)


def classify(categories: list[str], text: str, daycare: bool) -> tuple[str, str | None,
                                                                     list[str]]:
    """(kind, school_type, groups) for a place with ``categories`` (main category first)."""
    if daycare:
        return DAYCARE, None, ["kita"]
    rules = [rule_for(c, daycare=False) for c in categories] or [UNKNOWN_SCHOOL]
    schools = [r for r in rules if r.kind == SCHOOL]
    if not schools:
        return OTHER, rules[0].school_type, []
    specific = [r for r in schools if not r.generic] or schools
    groups = {g for r in schools if not r.derive for g in r.groups}
    if any(r.derive for r in schools):
        groups |= levels(text)
    if not groups:  # nothing fixed, nothing derivable: the first category's fallback
        groups = set(next(r for r in schools if r.derive).groups)
    order = ("kita", "grundschule", "sek1", "sek2")
    return SCHOOL, specific[0].school_type, sorted(groups, key=order.index)
