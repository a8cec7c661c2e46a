"""GIS-friendly GeoJSON features per collection, encoded once per snapshot.

Properties are flat (address split into street/postcode/city, labels beside keys) and every
feature of a collection has the same keys with one JSON type each (null where unknown),
so GDAL/QGIS derive one schema from the first page. Place and offer features come from the
snapshot's served records through :func:`explorer.geojson.localise`, the API's own view,
and are stored *open* (see :mod:`explorer.geojson`) so a request appends what depends on
its filters (the matching offer count, the next date in its span).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .. import geojson
from ..planner.geometry import StudyArea, geometry_to_lonlat
from ..planner.sources import as_list
from ..store import Snapshot
from ..web.api import areas_collection

LAYER_TEXT = ("poi_id", "name", "kind", "school_type", "main_category", "street", "postcode",
              "city", "website", "changed")
LAYER_LISTS = ("categories", "groups")


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value)


def place_properties(full: dict, base: str) -> dict[str, Any]:
    p = full["properties"]
    address = p["address"]
    transit = p.get("transit") if isinstance(p.get("transit"), dict) else {}
    return {
        "id": p["id"], "name": p["name"], "kind": p["kind"], "kind_label": p["kind_label"],
        "description": p["description"], "street": address.get("street"),
        "postcode": address.get("postcode"), "city": address.get("city"),
        "stadtteil": p["stadtteil"], "stadtbezirk": p["stadtbezirk"], "website": p["website"],
        "topics": p["topics"], "topic_labels": p["topic_labels"], "groups": p["groups"],
        "group_labels": p["group_labels"], "wheelchair": p["wheelchair"],
        "transit_stop": _text(transit.get("stop")), "checked": _text(p["checked"]),
        "url": base + p["url"],
    }


def offer_properties(o: dict, place: dict, first: str | None, last: str | None,
                     base: str) -> dict[str, Any]:
    price = o["price_eur"]
    return {
        "id": o["id"], "title": o["title"], "description": o["description"],
        "place_id": place["id"], "place_name": place["name"], "kind": place["kind"],
        "kind_label": place["kind_label"], "street": place["street"],
        "postcode": place["postcode"], "city": place["city"], "stadtteil": place["stadtteil"],
        "stadtbezirk": place["stadtbezirk"], "topics": o["topics"],
        "topic_labels": o["topic_labels"], "groups": o["groups"],
        "group_labels": o["group_labels"], "format": o["format"],
        "format_label": o["format_label"], "cost": o["cost"], "cost_label": o["cost_label"],
        "price_eur": None if price is None else float(price),
        "age_min": o["age_min"], "age_max": o["age_max"], "grade_min": o["grade_min"],
        "grade_max": o["grade_max"], "languages": o["languages"], "bookable": o["bookable"],
        "booking_url": o["booking_url"], "status": o["status"],
        "when_type": (o["when"] or {}).get("type"), "first_date": first, "last_date": last,
        "url": f"{place['url']}#offer-{o['id']}", "ics_url": base + o["ics"],
    }


def _feature(fid: str, geometry: dict, properties: dict) -> dict:
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": properties}


def _build_places_offers(snap: Snapshot, lang: str, base: str) -> tuple[list, list]:
    cal = snap.offers.calendar
    days = [cal.date(i).isoformat() for i in range(cal.n_days)]
    first, last = snap.offers.calendar.first_day.tolist(), cal.last_day.tolist()
    places, offers = [], []
    for feature in snap.served:
        full = geojson.localise(feature, snap.taxonomy, lang)
        props = place_properties(full, base)
        places.append(geojson.open_feature(_feature(full["id"], full["geometry"], props)))
        for o in full["properties"]["offers"]:
            j = len(offers)
            dated = (days[first[j]], days[last[j]]) if first[j] >= 0 else (None, None)
            offers.append(geojson.open_feature(_feature(
                o["id"], full["geometry"], offer_properties(o, props, *dated, base))))
    return places, offers


def opened(snap: Snapshot, kind: str, lang: str, base: str) -> list[bytes]:
    """Open place (``kind="places"``) or offer features in snapshot order, per language
    and base URL (the page links are absolute)."""
    both = snap.features.cached(f"ogc-{lang}-{base}",
                                lambda: _build_places_offers(snap, lang, base))
    return both[0] if kind == "places" else both[1]


@dataclass(frozen=True)
class FeatureSet:
    """A collection that no filter of the explorer applies to: encoded whole features."""

    ids: list[str]
    encoded: list[bytes]  # complete features
    geometries: np.ndarray  # shapely geometries (CRS84), for bbox
    positions: dict[str, int]

    @classmethod
    def of(cls, features: list[dict]) -> FeatureSet:
        ids = [f["id"] for f in features]
        geoms = np.array([shapely.geometry.shape(f["geometry"]) for f in features] or [],
                         dtype=object)
        return cls(ids, [geojson.encode_feature(f) for f in features], geoms,
                   {fid: i for i, fid in enumerate(ids)})

    def in_bbox(self, bbox: tuple[float, float, float, float] | None) -> np.ndarray:
        if bbox is None or not len(self.ids):
            return np.arange(len(self.ids))
        w, s, e, n = bbox
        boxes = [shapely.box(w, s, e, n)] if w <= e else [shapely.box(w, s, 180, n),
                                                          shapely.box(-180, s, e, n)]
        hit = np.zeros(len(self.ids), bool)
        for box in boxes:
            hit |= shapely.intersects(self.geometries, box)
        return np.flatnonzero(hit)

    def bounds(self) -> list[float] | None:
        if not len(self.ids):
            return None
        return [float(v) for v in shapely.total_bounds(self.geometries)]


def _unique(ids: list[str]) -> list[str]:
    """Ids as the file gives them; a repeated one gets a -2, -3 suffix (stable order)."""
    seen: dict[str, int] = {}
    out = []
    for fid in ids:
        seen[fid] = seen.get(fid, 0) + 1
        out.append(fid if seen[fid] == 1 else f"{fid}-{seen[fid]}")
    return out


def layer_set(snap: Snapshot, name: str) -> FeatureSet:
    """An imported layer (schools, daycare) with the file's feature ids."""
    def build() -> FeatureSet:
        raw = json.loads(snap.layers[name].geojson)["features"]
        ids = _unique([_text(f.get("id")) or _text(f["properties"].get("poi_id"))
                       or f"{name}-{i + 1}" for i, f in enumerate(raw)])
        features = []
        for fid, f in zip(ids, raw, strict=True):
            p = f["properties"]
            props = {"id": fid, **{k: _text(p.get(k)) for k in LAYER_TEXT},
                     **{k: as_list(p.get(k)) for k in LAYER_LISTS}}
            features.append(_feature(fid, f["geometry"], props))
        return FeatureSet.of(features)
    return snap.features.cached(f"ogc-layer-{name}", build)


def _rounded(geom: BaseGeometry) -> dict:
    return shapely.transform(geom, lambda c: np.round(c, 7)).__geo_interface__


def areas_set(snap: Snapshot, lang: str) -> FeatureSet:
    """The focus areas, as /api/areas gives them, with sources as plain strings."""
    def build() -> FeatureSet:
        features = areas_collection(snap, lang)["features"]
        for f in features:
            p = f["properties"]
            p["sources"] = [s if isinstance(s, str) else json.dumps(s, ensure_ascii=False)
                            for s in p.get("sources") or []]
            p["method"] = _text(p.get("method"))
        return FeatureSet.of(features)
    return snap.features.cached(f"ogc-areas-{lang}", build)


def districts_set(snap: Snapshot, study: StudyArea, lang: str) -> FeatureSet:
    """The planner's districts (from CITY_OUTLINE_FILE), back in CRS84."""
    def build() -> FeatureSet:
        features = []
        for region in study.districts:
            geom = geometry_to_lonlat(region.geometry)
            inside = shapely.contains_xy(geom, snap.lon, snap.lat) if len(snap.lon) else []
            features.append(_feature(region.id, _rounded(geom), {
                "id": region.id, "name": region.name.get(lang) or region.id,
                "place_count": int(np.count_nonzero(inside))}))
        return FeatureSet.of(features)
    return snap.features.cached(f"ogc-districts-{study.signature!r}-{lang}", build)
