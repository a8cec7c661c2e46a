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

LANGS = ("de", "en")
VIEWS = ("full", "map")


def pick(labels: Any, lang: str) -> Any:
    """The text in ``lang``, falling back to German (the data's first language)."""
    if isinstance(labels, dict):
        return labels.get(lang) or labels.get("de")
    return labels


def localise(feature: dict[str, Any], taxonomy: dict, lang: str) -> dict[str, Any]:
    """The API's view of one place: whitelisted properties with labels in ``lang``."""
    p = feature["properties"]
    address = p.get("address") or {}

    def label(section: str, key: str | None) -> str | None:
        return pick(taxonomy[section].get(key), lang) if key else None

    offers = [
        {
            "title": pick(o.get("title"), lang),
            "format": o.get("format"),
            "format_label": label("formats", o.get("format")),
            "grade_min": o.get("grade_min"),
            "grade_max": o.get("grade_max"),
            "cost": o.get("cost", "unknown"),
            "cost_label": label("costs", o.get("cost", "unknown")),
            "booking_url": o.get("booking_url"),
        }
        for o in p.get("offers") or []
    ]
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
        "topics": p.get("topics", []),
        "topic_labels": [label("topics", t) for t in p.get("topics", [])],
        "groups": p.get("groups", []),
        "group_labels": [label("groups", g) for g in p.get("groups", [])],
        "offers": offers,
        "wheelchair": p.get("wheelchair"),
        "transit": p.get("transit"),
        "checked": p.get("checked"),
        "coordinate_source": p.get("coordinate_source"),
    }
    return {
        "type": "Feature",
        "id": feature["id"],
        "geometry": feature["geometry"],
        "properties": properties,
    }


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


def with_distance(feature: bytes, distance_m: int) -> bytes:
    return b'%s,"distance_m":%d}}' % (feature[:-2], distance_m)


def collection(parts: list[bytes], extra: dict[str, Any] | None = None) -> bytes:
    head = b'{"type":"FeatureCollection"'
    if extra:
        head += b"," + json.dumps(extra, ensure_ascii=False,
                                  separators=(",", ":"))[1:-1].encode("utf-8")
    return b"".join((head, b',"features":[', b",".join(parts), b"]}"))
