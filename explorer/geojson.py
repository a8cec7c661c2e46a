"""Serialise places to GeoJSON once, per language and view, at load time.

Per-request work is then joining pre-encoded bytes (see ../shared/PERFORMANCE.md: dumping a
GeoDataFrame per request was 5-28x slower). Each feature is stored *open*: without its two
closing braces, so a request can append ``,"distance_m":…`` cheaply.

Two views: ``full`` (the API's complete record) and ``map`` (what markers and the result
list need; the page fetches a place's full record when its details open).
"""

from __future__ import annotations

import json
from typing import Any

from .offerindex import is_bookable

LANGS = ("de", "en")
VIEWS = ("full", "map")


def pick(labels: Any, lang: str) -> Any:
    """The text in ``lang``, falling back to German (the data's first language)."""
    if isinstance(labels, dict):
        return labels.get(lang) or labels.get("de")
    return labels


def derived(offers: list[dict], key: str, taxonomy: dict, section: str) -> list[str]:
    """A place's topics or groups: those of its offers that have not ended, in taxonomy order."""
    found = {v for o in offers if o.get("status", "active") != "ended" for v in o.get(key, [])}
    return [k for k in taxonomy[section] if k in found]


def localise_offer(o: dict[str, Any], taxonomy: dict, lang: str) -> dict[str, Any]:
    """The API's view of one offer (without its place) with labels in ``lang``."""
    def label(section: str, key: str | None) -> str | None:
        return pick(taxonomy[section].get(key), lang) if key else None

    cost = o.get("cost", "unknown")
    return {
        "id": o["id"],
        "title": pick(o.get("title"), lang),
        "description": pick(o.get("description"), lang),
        "topics": o.get("topics", []),
        "topic_labels": [label("topics", t) for t in o.get("topics", [])],
        "groups": o.get("groups", []),
        "group_labels": [label("groups", g) for g in o.get("groups", [])],
        "format": o.get("format"),
        "format_label": label("formats", o.get("format")),
        "grade_min": o.get("grade_min"),
        "grade_max": o.get("grade_max"),
        "age_min": o.get("age_min"),
        "age_max": o.get("age_max"),
        "cost": cost,
        "cost_label": label("costs", cost),
        "price_eur": o.get("price_eur"),
        "price_note": pick(o.get("price_note"), lang),
        "but_eligible": o.get("but_eligible"),
        "group_size": o.get("group_size"),
        "duration_min": o.get("duration_min"),
        "languages": o.get("languages", []),
        "booking": o.get("booking"),
        "booking_url": (o.get("booking") or {}).get("url"),  # the field before offers had ids
        "group_booking": o.get("group_booking"),
        "bookable": is_bookable(o),
        "when": o.get("when"),
        "status": o.get("status", "active"),
        "ended_on": o.get("ended_on"),
        "source": o.get("source"),
        "ics": f"/api/offers/{o['id']}.ics",
    }


def localise(feature: dict[str, Any], taxonomy: dict, lang: str) -> dict[str, Any]:
    """The API's view of one place: whitelisted properties with labels in ``lang``."""
    p = feature["properties"]
    address = p.get("address") or {}
    offers = p.get("offers") or []
    topics = derived(offers, "topics", taxonomy, "topics")
    groups = derived(offers, "groups", taxonomy, "groups")

    def label(section: str, key: str | None) -> str | None:
        return pick(taxonomy[section].get(key), lang) if key else None

    properties = {
        "id": feature["id"],
        "name": p["name"],
        "kind": p["kind"],
        "kind_label": label("kinds", p["kind"]),
        "description": pick(p.get("description"), lang),
        "address": {k: address.get(k) for k in ("street", "postcode", "city")},
        "stadtteil": p.get("stadtteil"),
        "stadtbezirk": p.get("stadtbezirk"),
        "website": p.get("website"),
        "topics": topics,
        "topic_labels": [label("topics", t) for t in topics],
        "groups": groups,
        "group_labels": [label("groups", g) for g in groups],
        "offers": [localise_offer(o, taxonomy, lang) for o in offers],
        "wheelchair": p.get("wheelchair"),
        "transit": p.get("transit"),
        "checked": p.get("checked"),
        "coordinate_source": p.get("coordinate_source"),
        "url": f"/places/{feature['id']}",
    }
    return {
        "type": "Feature",
        "id": feature["id"],
        "geometry": feature["geometry"],
        "properties": properties,
    }


PLACE_OF_OFFER = ("id", "name", "kind", "kind_label", "address", "stadtteil", "stadtbezirk",
                  "url")


def offer_feature(offer: dict[str, Any], place: dict[str, Any], view: str) -> dict[str, Any]:
    """One offer at its place's point; ``place`` is the localised place feature."""
    pp = place["properties"]
    if view == "map":  # markers and lists; the place page is /places/<place.id>
        props = {k: offer[k] for k in ("id", "title", "format_label", "cost", "age_min",
                                       "age_max", "status", "bookable")}
        props["place"] = {k: pp[k] for k in ("id", "name", "kind", "stadtteil")}
    else:
        props = dict(offer)
        props["place"] = {k: pp[k] for k in PLACE_OF_OFFER}
        props["url"] = f"{pp['url']}#offer-{offer['id']}"
    return {"type": "Feature", "id": offer["id"], "geometry": place["geometry"],
            "properties": props}


def map_view(full: dict[str, Any]) -> dict[str, Any]:
    """The few properties markers and list items show."""
    p = full["properties"]
    return {
        "type": "Feature",
        "id": full["id"],
        "geometry": full["geometry"],
        "properties": {k: p[k] for k in ("id", "name", "kind", "kind_label", "stadtteil")},
    }


def encode_feature(feature: dict[str, Any]) -> bytes:
    text = json.dumps(feature, ensure_ascii=False, separators=(",", ":"))
    assert text.endswith("}}"), "properties must be the last member"
    return text.encode("utf-8")


def open_feature(feature: dict[str, Any]) -> bytes:
    """The feature's JSON without its two closing braces (``+ b"}}"`` closes it)."""
    return encode_feature(feature)[:-2]


def joined(opened: list[bytes], tails: list[bytes]) -> bytes:
    """``opened[k] + tails[k]`` for all k, comma-separated, with a single copy of the bytes
    (features are large, their tails small: formatting each pair would copy twice)."""
    pieces: list[bytes] = [b""] * (2 * len(opened))
    pieces[0::2] = opened
    pieces[1::2] = tails
    return b"".join(pieces)


def collection_of(opened: list[bytes], tails: list[bytes], extra: dict[str, Any]) -> bytes:
    """A FeatureCollection of open features, each closed by its tail (ending in ``}},``)."""
    head = collection([], extra)[:-2]  # '{"type":...,"features":['
    body = joined(opened, tails)
    return b"".join((head, body[:-1] if body else b"", b"]}"))


def collection(parts: list[bytes], extra: dict[str, Any] | None = None) -> bytes:
    head = b'{"type":"FeatureCollection"'
    if extra:
        head += b"," + json.dumps(extra, ensure_ascii=False,
                                  separators=(",", ":"))[1:-1].encode("utf-8")
    return b"".join((head, b',"features":[', b",".join(parts), b"]}"))
