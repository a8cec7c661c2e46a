"""Which collections the snapshot offers, their metadata, and /collections[/{id}].

``places`` and ``offers`` always; ``schools`` and ``daycare`` when those layers were
imported; ``focus-areas`` when the dataset has areas; ``districts`` when the planner's
city outline file holds several named polygons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..offerindex import STATUS_CODES
from ..schema import BOCHUM_BBOX
from ..store import Snapshot
from ..web.planner_work import study_area
from . import bp
from .common import (
    BASE_PARAMS,
    GEOJSON,
    HTML,
    JSON,
    FeatureNotFound,
    check_params,
    etag_of,
    html_answer,
    json_answer,
    language,
    link,
    not_modified,
    output_format,
    self_links,
    snapshot,
    url,
)
from .features import FeatureSet, areas_set, districts_set, layer_set
from .texts import COLLECTIONS, collection_text, ogc_texts

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
TRS = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
LAYER_COLLECTIONS = ("schools", "daycare")
QUERY_COLLECTIONS = ("places", "offers")  # answered by the explorer's query code


@dataclass(frozen=True)
class Collection:
    id: str
    bbox: list[float]
    interval: list[str | None] | None = None  # offers only
    features: FeatureSet | None = None  # None: places/offers (filtered per request)
    version: str = ""  # what besides the snapshot its answers depend on


def _bbox(lon: np.ndarray, lat: np.ndarray) -> list[float]:
    if not len(lon):
        return list(BOCHUM_BBOX)
    return [float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())]


def offer_interval(snap: Snapshot) -> list[str | None]:
    """First and last day any offer that has not ended takes place on (calendar window)."""
    cal = snap.offers.calendar
    live = (snap.offers.status != STATUS_CODES["ended"]) & (cal.first_day >= 0)
    if not live.any():
        return [None, None]
    first = cal.date(int(cal.first_day[live].min())).isoformat()
    last = cal.date(int(cal.last_day[live].max())).isoformat()
    return [f"{first}T00:00:00Z", f"{last}T23:59:59Z"]


def available(snap: Snapshot, lang: str) -> dict[str, Collection]:
    """The collections this snapshot (and the planner's outline) can serve, in order."""
    found = {
        "places": Collection("places", _bbox(snap.lon, snap.lat)),
        "offers": Collection("offers", _bbox(snap.lon[snap.offers.place],
                                             snap.lat[snap.offers.place]),
                             offer_interval(snap)),
    }
    for name in LAYER_COLLECTIONS:
        if name in snap.layers:
            features = layer_set(snap, name)
            found[name] = Collection(name, features.bounds() or list(BOCHUM_BBOX),
                                     features=features, version=snap.layers[name].version)
    if len(snap.dataset.areas):
        features = areas_set(snap, lang)
        found["focus-areas"] = Collection("focus-areas", features.bounds(), features=features)
    study = study_area()
    if study.districts:
        features = districts_set(snap, study, lang)
        found["districts"] = Collection("districts", features.bounds(), features=features,
                                        version=repr(study.signature))
    return found


def find(cid: str, lang: str) -> Collection:
    found = available(snapshot(), lang).get(cid)
    if found is None:
        known = ", ".join(available(snapshot(), lang))
        raise FeatureNotFound(cid, f"no collection {cid!r} (known: {known})",
                              f"Keine Sammlung {cid!r} (vorhanden: {known}).")
    return found


def describe(c: Collection, lang: str) -> dict:
    """The collection's metadata: texts, extent, CRS and links to its items."""
    t = ogc_texts(lang)
    extent: dict = {"spatial": {"bbox": [c.bbox], "crs": CRS84}}
    if c.interval is not None:
        extent["temporal"] = {"interval": [c.interval], "trs": TRS}
    return {
        "id": c.id,
        "title": collection_text(c.id, "title", lang),
        "description": collection_text(c.id, "description", lang),
        "itemType": "feature",
        "crs": [CRS84],
        "extent": extent,
        "links": [
            link(url("ogc.collection", [("f", "json")], collection_id=c.id), "self", JSON,
                 t["as_json"]),
            link(url("ogc.collection", [("f", "html")], collection_id=c.id), "alternate",
                 HTML, t["as_html"]),
            link(url("ogc.items", [("f", "json")], collection_id=c.id), "items", GEOJSON,
                 t["features"] + " " + t["as_geojson"]),
            link(url("ogc.items", [("f", "html")], collection_id=c.id), "items", HTML,
                 t["features"] + " " + t["as_html"]),
        ],
    }


@bp.get("/collections")
def collections():
    check_params(BASE_PARAMS)
    lang, fmt = language(), output_format()
    found = available(snapshot(), lang)
    etag = etag_of(*[c.version for c in found.values()])
    if not_modified(etag):
        return json_answer(b"", etag)
    body = {"links": self_links(fmt),
            "collections": [describe(c, lang) for c in found.values()]}
    if fmt == "html":
        return html_answer("ogc/collections.html", etag, doc=body)
    return json_answer(body, etag)


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    check_params(BASE_PARAMS)
    lang, fmt = language(), output_format()
    found = find(collection_id, lang)
    etag = etag_of(found.version)
    if not_modified(etag):
        return json_answer(b"", etag)
    body = describe(found, lang)
    body["links"] = self_links(fmt) + body["links"][2:]
    if fmt == "html":
        return html_answer("ogc/collection.html", etag, doc=body)
    return json_answer(body, etag)


assert set(COLLECTIONS) == {*QUERY_COLLECTIONS, *LAYER_COLLECTIONS, "focus-areas", "districts"}
