"""Record forms: which fields a place or an offer form shows, and the way between the
form's strings and a record of the geodata format.

The form edits the fields people keep current; every other field of the record is kept
as it was. Numbers and JSON are parsed here (with messages in the page's language), the
rules themselves are the ones of ``explorer check`` (see :func:`workflow.problems_for`).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Any

from ..when import local_today

MAX_TEXT = 5000


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text | area | int | float | select | multi | json | hidden
    section: str | None = None  # taxonomy section or a fixed choice list


PLACE_FIELDS = [
    Field("name", "text"), Field("kind", "select", "kinds"), Field("street", "text"),
    Field("postcode", "text"), Field("stadtteil", "select", "stadtteile"),
    Field("stadtbezirk", "select", "stadtbezirke"), Field("lat", "float"),
    Field("lon", "float"), Field("coordinate_text", "text"), Field("coordinate_url", "text"),
    Field("website", "text"), Field("description_de", "area"), Field("description_en", "area"),
    Field("wheelchair", "select", "wheelchair"), Field("transit_stop", "text"),
    Field("transit_lines", "text"), Field("source_url", "text"),
]
OFFER_FIELDS = [
    Field("title_de", "text"), Field("title_en", "text"), Field("description_de", "area"),
    Field("description_en", "area"), Field("topics", "multi", "topics"),
    Field("groups", "multi", "groups"), Field("format", "select", "formats"),
    Field("grade_min", "int"), Field("grade_max", "int"), Field("age_min", "int"),
    Field("age_max", "int"), Field("cost", "select", "costs"), Field("price_eur", "float"),
    Field("booking_url", "text"), Field("booking_email", "text"),
    Field("booking_phone", "text"), Field("group_booking", "select", "tristate"),
    Field("when", "json"), Field("status", "select", "statuses"), Field("ended_on", "text"),
    Field("source_url", "text"), Field("notes", "area"),
]
# explorer check's field paths -> form fields (offers: after their "offers[id]." prefix)
PLACE_PATHS = {"address.street": "street", "address.postcode": "postcode",
               "address.city": "street", "geometry": "lat", "geometry.coordinates": "lat",
               "coordinate_source": "coordinate_text", "coordinate_source.text":
               "coordinate_text", "coordinate_source.url": "coordinate_url",
               "description": "description_de", "description.de": "description_de",
               "description.en": "description_en", "transit": "transit_stop",
               "sources": "source_url"}
OFFER_PATHS = {"title": "title_de", "title.de": "title_de", "title.en": "title_en",
               "description": "description_de", "description.de": "description_de",
               "description.en": "description_en", "booking": "booking_url",
               "booking.url": "booking_url", "booking.email": "booking_email",
               "booking.phone": "booking_phone", "source": "source_url",
               "source.url": "source_url", "price_note": "price_eur"}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def form_field(path: str, kind: str) -> str:
    """The form field that a problem's field path points at ("" for the whole form)."""
    if kind == "offer":
        path = re.sub(r"^offers\[[^\]]*\]\.?", "", path)
        if path.startswith("when"):
            return "when"
        names = {f.name for f in OFFER_FIELDS}
        return OFFER_PATHS.get(path, path if path in names else "")
    names = {f.name for f in PLACE_FIELDS}
    if path.startswith("sources"):
        return "source_url"
    return PLACE_PATHS.get(path, path if path in names else "")


def _label(labels: Any, lang: str) -> str:
    return (labels or {}).get(lang) or "" if isinstance(labels, dict) else ""


def values_of(kind: str, data: dict | None) -> dict[str, Any]:
    """A record as the form's values (strings; lists for multi-choice fields)."""
    if not data:
        return {}
    if kind == "place":
        p = data.get("properties", {})
        coords = (data.get("geometry") or {}).get("coordinates") or [None, None]
        address, source = p.get("address") or {}, p.get("coordinate_source") or {}
        transit = p.get("transit") or {}
        return {"name": p.get("name"), "kind": p.get("kind"), "street": address.get("street"),
                "postcode": address.get("postcode"), "stadtteil": p.get("stadtteil"),
                "stadtbezirk": p.get("stadtbezirk"), "lat": coords[1], "lon": coords[0],
                "coordinate_text": source.get("text"), "coordinate_url": source.get("url"),
                "website": p.get("website"),
                "description_de": _label(p.get("description"), "de"),
                "description_en": _label(p.get("description"), "en"),
                "wheelchair": p.get("wheelchair"), "transit_stop": transit.get("stop"),
                "transit_lines": ", ".join(transit.get("lines") or []),
                "source_url": ((p.get("sources") or [{}])[-1]).get("url")}
    booking = data.get("booking") or {}
    tri = data.get("group_booking")
    return {"title_de": _label(data.get("title"), "de"),
            "title_en": _label(data.get("title"), "en"),
            "description_de": _label(data.get("description"), "de"),
            "description_en": _label(data.get("description"), "en"),
            "topics": data.get("topics") or [], "groups": data.get("groups") or [],
            **{k: data.get(k) for k in ("format", "grade_min", "grade_max", "age_min",
                                         "age_max", "cost", "price_eur", "status",
                                         "ended_on", "notes")},
            "booking_url": booking.get("url"), "booking_email": booking.get("email"),
            "booking_phone": booking.get("phone"),
            "group_booking": "" if tri is None else ("yes" if tri else "no"),
            "when": json.dumps(data["when"], ensure_ascii=False, indent=1)
            if data.get("when") else "",
            "source_url": (data.get("source") or {}).get("url")}


class FormErrors(dict):
    """field name -> list of messages (English; the page translates them)."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)


def _text(form, name: str, errors: FormErrors) -> str | None:
    value = (form.get(name) or "").strip()
    if len(value) > MAX_TEXT:
        errors.add(name, f"is longer than {MAX_TEXT} characters")
    return value or None


def _number(form, name: str, errors: FormErrors, cast) -> Any:
    value = (form.get(name) or "").strip().replace(",", ".") if cast is float else \
        (form.get(name) or "").strip()
    if not value:
        return None
    try:
        return cast(value)
    except ValueError:
        errors.add(name, "must be a whole number" if cast is int else "must be a number")
        return None


def _labels(de: str | None, en: str | None) -> dict | None:
    if de is None and en is None:
        return None
    out = {"de": de}
    if en:
        out["en"] = en
    return out


def place_from_form(form, base: dict | None, record_id: str) -> tuple[dict, FormErrors]:
    errors = FormErrors()
    data = copy.deepcopy(base) if base else {
        "type": "Feature", "id": record_id, "geometry": None,
        "properties": {"name": None, "kind": None, "address": {}, "stadtteil": None,
                       "stadtbezirk": None, "coordinate_source": {}, "website": None,
                       "description": None, "offers": [], "wheelchair": None,
                       "transit": None, "checked": local_today().isoformat()}}
    p = data["properties"]
    p["name"], p["kind"] = _text(form, "name", errors), _text(form, "kind", errors)
    p["address"] = {**(p.get("address") or {}), "street": _text(form, "street", errors),
                    "postcode": _text(form, "postcode", errors), "city": "Bochum"}
    p["stadtteil"] = _text(form, "stadtteil", errors)
    p["stadtbezirk"] = _text(form, "stadtbezirk", errors)
    lat, lon = _number(form, "lat", errors, float), _number(form, "lon", errors, float)
    if (lat is None) != (lon is None):
        errors.add("lat", "give both latitude and longitude, or neither")
    data["geometry"] = None if lat is None or lon is None else {
        "type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}
    p["coordinate_source"] = {**(p.get("coordinate_source") or {}),
                              "text": _text(form, "coordinate_text", errors),
                              "url": _text(form, "coordinate_url", errors)}
    p["website"] = _text(form, "website", errors)
    p["description"] = _labels(_text(form, "description_de", errors),
                               _text(form, "description_en", errors))
    p["wheelchair"] = _text(form, "wheelchair", errors)
    stop = _text(form, "transit_stop", errors)
    lines = [x.strip() for x in (form.get("transit_lines") or "").split(",") if x.strip()]
    p["transit"] = {"stop": stop, "lines": lines} if stop else None
    p["sources"] = _with_source(p.get("sources"), _text(form, "source_url", errors))
    return data, errors


def _with_source(sources: Any, url: str | None) -> list:
    """A page given in the form is added (read today) unless the place already cites it."""
    sources = list(sources) if isinstance(sources, list) else []
    if url and not any(isinstance(s, dict) and s.get("url") == url for s in sources):
        sources.append({"url": url, "read": local_today().isoformat()})
    return sources


def offer_from_form(form, base: dict | None, record_id: str) -> tuple[dict, FormErrors]:
    errors = FormErrors()
    data = copy.deepcopy(base) if base else {
        "id": record_id, "title": None, "description": None, "topics": [], "groups": [],
        "format": None, "grade_min": None, "grade_max": None, "age_min": None,
        "age_max": None, "cost": "unknown", "price_eur": None, "but_eligible": None,
        "group_size": None, "duration_min": None, "languages": [], "booking": None,
        "group_booking": None, "when": None, "status": "active", "ended_on": None,
        "source": {}, "notes": None}
    data["title"] = _labels(_text(form, "title_de", errors), _text(form, "title_en", errors))
    data["description"] = _labels(_text(form, "description_de", errors),
                                  _text(form, "description_en", errors))
    data["topics"] = form.getlist("topics")
    data["groups"] = form.getlist("groups")
    data["format"] = _text(form, "format", errors)
    for name in ("grade_min", "grade_max", "age_min", "age_max"):
        data[name] = _number(form, name, errors, int)
    data["cost"] = _text(form, "cost", errors) or "unknown"
    data["price_eur"] = _number(form, "price_eur", errors, float)
    booking = {k: _text(form, f"booking_{k}", errors) for k in ("url", "email", "phone")}
    data["booking"] = booking if any(booking.values()) else None
    data["group_booking"] = {"yes": True, "no": False}.get(form.get("group_booking") or "")
    raw_when = (form.get("when") or "").strip()
    if len(raw_when) > MAX_TEXT:
        errors.add("when", f"is longer than {MAX_TEXT} characters")
        raw_when = ""
    try:
        data["when"] = json.loads(raw_when) if raw_when else None
    except json.JSONDecodeError as exc:
        errors.add("when", f"is not valid JSON (line {exc.lineno}, column {exc.colno})")
    except RecursionError:
        errors.add("when", "is nested too deeply")
    data["status"] = _text(form, "status", errors) or "active"
    data["ended_on"] = _text(form, "ended_on", errors)
    source = data.get("source") or {}
    url = _text(form, "source_url", errors)
    if url != source.get("url"):  # a new source is checked today
        source = {"url": url, "checked": local_today().isoformat()}
    data["source"] = source
    data["notes"] = _text(form, "notes", errors)
    return data, errors


def new_id(form, errors: FormErrors) -> str:
    value = (form.get("id") or "").strip()
    if not SLUG.match(value) or len(value) > 120:
        errors.add("id", "must be a slug like 'zeiss-planetarium-bochum'")
    return value
