"""Validation of the curated data files.

Each check returns a list of :class:`Problem` rather than raising on the first one, so a
maintainer sees every broken record in one run (``explorer check``), and start-up can
refuse a bad file with messages that name file, record and field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .districts import STADTBEZIRKE, stadtteil_problem
from .schema_offer import check_offer
from .when import NO_HOLIDAYS, Holidays, local_today

# Bochum's extent with a small margin (the city spans about 7.10-7.35 E, 51.41-51.53 N).
BOCHUM_BBOX = (7.10, 51.40, 7.35, 51.54)  # W, S, E, N
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
POSTCODE = re.compile(r"^\d{5}$")
LANGS = ("de", "en")
WHEELCHAIR = {"yes", "limited", "no", None}
TAXONOMY_SECTIONS = ("topics", "groups", "kinds", "formats", "costs")
MAX_SECTION = 64
CITY_DATASETS = ("schools", "daycare_centers", "playgrounds", "natural_monuments",
                 "defibrillators")


# What kind of failure a Problem is (see DataLoadError): the file could not be read (os),
# its bytes are not JSON text (decode: bad UTF-8, invalid JSON, NaN or Infinity, a lone
# surrogate), its shape is beyond what the loader handles (structure: nested too deeply),
# or a record breaks a rule of the data format (schema).
OS, DECODE, STRUCTURE, SCHEMA = "os", "decode", "structure", "schema"
UNEXPECTED = "unexpected"  # anything else that stopped a load (a bug; logged with traceback)


def printable(text: str) -> str:
    """``text`` with lone surrogates as ``\\udXXX`` escapes: safe to print, log and encode."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True)
class Problem:
    file: str
    record: str
    field: str
    message: str
    kind: str = SCHEMA

    def __str__(self) -> str:
        return printable(f"{self.file}: record {self.record!r}, field {self.field!r}: "
                         f"{self.message}")


class DataLoadError(Exception):
    """Data could not be loaded: every problem found, each with file, record, field, message
    and kind. The same error stops ``explorer check`` and start-up and is what a reload
    reports at ``/healthz`` (keeping the last good data)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @property
    def kinds(self) -> set[str]:
        return {p.kind for p in self.problems}

    @property
    def exit_code(self) -> int:
        """2 for every load failure (os, decode, structure, schema, unexpected): one
        classification, one exit code for scripts; the kinds tell them apart in the text."""
        return 2


DataError = DataLoadError  # the name most of the code base uses


def known(value: Any, ids: Any) -> bool:
    """Membership that cannot raise: a list or dict from a bad file is simply unknown."""
    return isinstance(value, str) and value in ids


def in_bochum(lon: float, lat: float) -> bool:
    w, s, e, n = BOCHUM_BBOX
    return w <= lon <= e and s <= lat <= n


def is_http_url(value: Any) -> bool:
    if not isinstance(value, str) or any(c.isspace() for c in value):
        return False
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def validate_taxonomy(tax: Any, file: str) -> list[Problem]:
    if not isinstance(tax, dict):
        return [Problem(file, "-", "-", "must be a JSON object")]
    problems = []
    for section in TAXONOMY_SECTIONS:
        entries = tax.get(section)
        if not isinstance(entries, dict) or not entries:
            problems.append(Problem(file, section, section, "missing or empty section"))
            continue
        if len(entries) > MAX_SECTION:  # filters are 64-bit masks in the store
            problems.append(Problem(file, section, section,
                                    f"more than {MAX_SECTION} entries"))
        for key, labels in entries.items():
            if not SLUG.match(key.replace("_", "-")):
                problems.append(Problem(file, key, section, "id must be lower-case ascii"))
            if not isinstance(labels, dict) or not all(
                isinstance(labels.get(lang), str) and labels.get(lang) for lang in LANGS
            ):
                problems.append(Problem(file, key, section, "needs labels 'de' and 'en'"))
    return problems


class _Checker:
    """Collects problems for one record; keeps the per-field checks short."""

    def __init__(self, file: str, record: str):
        self.file, self.record, self.problems = file, record, []

    def add(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.record, field, message))

    def text(self, obj: dict, key: str, field: str, required: bool = True) -> None:
        value = obj.get(key)
        if value is None and not required:
            return
        if not isinstance(value, str) or not value.strip():
            self.add(field, "must be a non-empty text")

    def labels(self, obj: dict, key: str, field: str, required: bool = True) -> None:
        value = obj.get(key)
        if value is None and not required:
            return
        if not isinstance(value, dict):
            self.add(field, "must be an object with 'de' (and optionally 'en')")
            return
        self.text(value, "de", f"{field}.de")
        self.text(value, "en", f"{field}.en", required=False)

    def url(self, value: Any, field: str) -> None:
        if value is not None and not is_http_url(value):
            self.add(field, f"{value!r} is not an absolute http(s) URL")

    def ids(self, value: Any, field: str, known: dict) -> None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(field, "must be a list of ids")
            return
        for v in value:
            if v not in known:
                self.add(field, f"unknown id {v!r} (known: {', '.join(sorted(known))})")
        if len(set(value)) != len(value):
            self.add(field, "lists an id twice")


def _check_point(c: _Checker, geometry: Any) -> None:
    if geometry is None:
        return  # still to be geocoded
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        c.add("geometry", "must be a GeoJSON Point or null")
        return
    coords = geometry.get("coordinates")
    if (
        not isinstance(coords, list)
        or len(coords) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in coords)
    ):
        c.add("geometry.coordinates", "must be [lon, lat] numbers")
        return
    lon, lat = coords
    if not in_bochum(lon, lat):
        c.add("geometry.coordinates", f"[{lon}, {lat}] is outside Bochum {BOCHUM_BBOX}")


def _check_coordinate_source(c: _Checker, source: Any) -> None:
    if not isinstance(source, dict):
        c.add("coordinate_source", "must be an object with 'text' (and 'url')")
        return
    c.text(source, "text", "coordinate_source.text")
    c.url(source.get("url"), "coordinate_source.url")
    ref = source.get("city_ref")
    if ref is not None and (not isinstance(ref, dict)
                            or not known(ref.get("dataset"), CITY_DATASETS)
                            or not isinstance(ref.get("id"), str) or not ref["id"].strip()):
        c.add("coordinate_source.city_ref",
              f"must be {{'dataset': one of {', '.join(CITY_DATASETS)}, 'id': text}}")


def _check_sources(c: _Checker, sources: Any) -> None:
    """Every place cites at least one page that supports it, with the day it was read."""
    if not isinstance(sources, list) or not sources:
        c.add("sources", "must list at least one {'url', 'read'} (the pages that support "
                         "the place)")
        return
    for i, entry in enumerate(sources):
        field = f"sources[{i}]"
        if not isinstance(entry, dict):
            c.add(field, "must be an object {'url', 'read', 'about'}")
            continue
        if not is_http_url(entry.get("url")):
            c.add(f"{field}.url", f"{entry.get('url')!r} is not an absolute http(s) URL")
        try:
            read = dt.date.fromisoformat(str(entry.get("read")))
        except ValueError:
            c.add(f"{field}.read", f"{entry.get('read')!r} is not an ISO date")
        else:
            if read > local_today():
                c.add(f"{field}.read", f"{read} is in the future")
        c.text(entry, "about", f"{field}.about", required=False)


def validate_place(feature: Any, file: str, tax: dict, index: int,
                   holidays: Holidays = NO_HOLIDAYS, seen: set | None = None) -> list[Problem]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return [Problem(file, f"#{index}", "type", "must be a GeoJSON Feature")]
    pid = feature.get("id")
    c = _Checker(file, pid if isinstance(pid, str) else f"#{index}")
    if not isinstance(pid, str) or not SLUG.match(pid):
        c.add("id", "must be a slug like 'zeiss-planetarium-bochum'")
    _check_point(c, feature.get("geometry"))
    props = feature.get("properties")
    if not isinstance(props, dict):
        c.add("properties", "must be an object")
        return c.problems
    c.text(props, "name", "name")
    if not known(props.get("kind"), tax["kinds"]):
        c.add("kind", f"unknown kind {props.get('kind')!r}")
    address = props.get("address")
    if not isinstance(address, dict):
        c.add("address", "must be an object with street, postcode, city")
    else:
        c.text(address, "street", "address.street")
        if not POSTCODE.match(str(address.get("postcode", ""))):
            c.add("address.postcode", f"{address.get('postcode')!r} is not a 5-digit postcode")
        if address.get("city") != "Bochum":
            c.add("address.city", f"{address.get('city')!r} is not 'Bochum'")
    if not known(props.get("stadtbezirk"), STADTBEZIRKE):
        c.add("stadtbezirk", f"{props.get('stadtbezirk')!r} is not one of {STADTBEZIRKE}")
    elif problem := stadtteil_problem(props.get("stadtteil"), props["stadtbezirk"]):
        c.add("stadtteil", problem)
    _check_coordinate_source(c, props.get("coordinate_source"))
    _check_sources(c, props.get("sources"))
    c.url(props.get("website"), "website")
    c.labels(props, "description", "description")
    for derived in ("topics", "groups"):
        if derived in props:
            c.add(derived, "is derived from the offers; give it on each offer instead")
    offers = props.get("offers", [])
    if not isinstance(offers, list):
        c.add("offers", "must be a list")
    else:
        seen = set() if seen is None else seen
        for i, offer in enumerate(offers):
            check_offer(c, offer, i, tax, holidays, seen)
    wheelchair = props.get("wheelchair")
    if wheelchair is not None and not known(wheelchair, WHEELCHAIR):
        c.add("wheelchair", "must be 'yes', 'limited', 'no' or null")
    transit = props.get("transit")
    if transit is not None and (
        not isinstance(transit, dict)
        or not isinstance(transit.get("stop"), str)
        or not isinstance(transit.get("lines", []), list)
        or not all(isinstance(line, str) for line in transit.get("lines", []))
    ):
        c.add("transit", "must be null or {'stop': text, 'lines': [text, ...]}")
    try:
        dt.date.fromisoformat(str(props.get("checked")))
    except ValueError:
        c.add("checked", f"{props.get('checked')!r} is not an ISO date")
    return c.problems


def validate_places(collection: Any, file: str, tax: dict,
                    holidays: Holidays = NO_HOLIDAYS) -> list[Problem]:
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        return [Problem(file, "-", "type", "must be a GeoJSON FeatureCollection")]
    features = collection.get("features")
    if not isinstance(features, list):
        return [Problem(file, "-", "features", "must be a list")]
    problems: list[Problem] = []
    seen: set[str] = set()
    offer_ids: set[str] = set()  # unique across the whole data set
    for i, feature in enumerate(features):
        problems += validate_place(feature, file, tax, i, holidays, offer_ids)
        pid = feature.get("id") if isinstance(feature, dict) else None
        if isinstance(pid, str):
            if pid in seen:
                problems.append(Problem(file, pid, "id", "is used by more than one record"))
            seen.add(pid)
    return problems


def validate_areas(collection: Any, file: str) -> list[Problem]:
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        return [Problem(file, "-", "type", "must be a GeoJSON FeatureCollection")]
    problems: list[Problem] = []
    seen: set[str] = set()
    features = collection.get("features")
    if not isinstance(features, list):
        return [Problem(file, "-", "features", "must be a list")]
    for i, feature in enumerate(features):
        aid = feature.get("id") if isinstance(feature, dict) else None
        c = _Checker(file, aid if isinstance(aid, str) else f"#{i}")
        if not isinstance(aid, str) or not SLUG.match(aid):
            c.add("id", "must be a slug like 'wlab'")
        elif aid in seen:
            c.add("id", "is used by more than one area")
        seen.add(str(aid))
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in {
            "Polygon", "MultiPolygon"
        }:
            c.add("geometry", "must be a Polygon or MultiPolygon")
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            c.add("properties", "must be an object")
        else:
            c.labels(props, "name", "name")
        problems += c.problems
    return problems
