"""The JSON/GeoJSON API: the contract the map, embeds, planner and partner sites share."""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, request

from .. import geojson, openapi
from ..matching import Match, match
from ..query import API_PARAMS, MultiArgs, ParamError, PlaceQuery
from ..store import Snapshot
from ..text import fold
from .http import LARGE_BODY, cached_gzip, cached_response, etag_for

bp = Blueprint("api", __name__, url_prefix="/api")
GEOJSON = "application/geo+json"


def snapshot() -> Snapshot:
    return current_app.extensions["store"].snapshot


def lang_arg(allowed: frozenset[str] = frozenset({"lang"})) -> str:
    args = MultiArgs(request.args)
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise ParamError(unknown[0], f"unknown parameter {unknown[0]!r} (allowed: "
                         + ", ".join(sorted(allowed)) + ")")
    lang = request.args.get("lang") or current_app.config["DEFAULT_LANG"]
    if lang not in ("de", "en"):
        raise ParamError("lang", f"{lang!r} is not 'de' or 'en'")
    return lang


def brief_json(snap: Snapshot, found: Match, lang: str, positions) -> bytes:
    """``[{"id", "title", "next_date"}, ...]`` of some matching offers (for result lists)."""
    briefs = snap.features.get("brief", "-", lang)
    cal = snap.offers.calendar
    items = []
    for k in positions.tolist():
        j, nxt = int(found.offers[k]), int(found.offer_next[k])
        date = b'"%s"' % cal.date(nxt).isoformat().encode() if nxt >= 0 else b"null"
        items.append(b'%s,"next_date":%s}' % (briefs[j], date))
    return b"[" + b",".join(items) + b"]"


def places_body(snap: Snapshot, query: PlaceQuery) -> bytes:
    found = match(snap, query)
    features = snap.features[(query.view, query.lang)]
    by_place = found.offers_by_place(snap.offers.place)
    ids = snap.offers.ids
    parts = []
    for rank, i in enumerate(found.places.tolist()):
        positions = by_place[i]
        members = b',"matching_offers":' + json.dumps(
            [ids[found.offers[k]] for k in positions.tolist()]).encode()
        if query.view == "map":
            members += b',"offers_matching":' + brief_json(snap, found, query.lang, positions)
        if found.distances is not None:
            members += b',"distance_m":%d' % round(float(found.distances[rank]))
        parts.append(geojson.with_members(features[i], members))
    return geojson.collection(parts, {"count": len(parts), "version": snap.version})


@bp.get("/places")
def places():
    snap = snapshot()
    query = PlaceQuery.from_args(request.args, snap, current_app.config["DEFAULT_LANG"],
                                 allowed=API_PARAMS)
    etag = etag_for(snap.version, query.canonical())
    if request.if_none_match.contains(etag) or request.if_none_match.contains(etag + "-gz"):
        return cached_response(b"", etag, GEOJSON)
    compressed = cached_gzip(etag, GEOJSON)
    if compressed is not None:  # the common case for a popular view: no work at all
        return compressed
    bodies = current_app.extensions["body_cache"]
    body = bodies.get(etag)
    if body is None:
        body = places_body(snap, query)
        if len(body) <= LARGE_BODY:  # large ones live on in the gzip cache only
            bodies.put(etag, body)
    return cached_response(body, etag, GEOJSON)


@bp.get("/places/<place_id>")
def place(place_id: str):
    snap = snapshot()
    lang = lang_arg()
    i = snap.positions.get(place_id)
    if i is None:
        abort(404, description=f"no place with id {place_id!r}")
    return cached_response(snap.features[("full", lang)][i],
                           etag_for(snap.version, place_id, lang), GEOJSON)


@bp.get("/taxonomy")
def taxonomy():
    snap = snapshot()
    lang_arg()
    body = json.dumps(snap.taxonomy, ensure_ascii=False)
    return cached_response(body, etag_for(snap.version, "taxonomy"), "application/json")


def areas_collection(snap: Snapshot, lang: str) -> dict:
    features = []
    for aid, row, geom in zip(snap.dataset.areas.index,
                              snap.dataset.areas.to_dict("records"),
                              snap.dataset.areas.geometry, strict=True):
        props = row["properties"]
        features.append({
            "type": "Feature",
            "id": aid,
            "geometry": geom.__geo_interface__,
            "properties": {
                "id": aid,
                "name": geojson.pick(props.get("name"), lang),
                "description": geojson.pick(props.get("description"), lang),
                "approximate": bool(props.get("approximate", False)),
                "method": props.get("method"),
                "sources": props.get("sources", []),
                "place_count": int(snap.area_masks[aid].sum()),
            },
        })
    return {"type": "FeatureCollection", "features": features}


@bp.get("/areas")
def areas():
    snap = snapshot()
    lang = lang_arg()
    body = json.dumps(areas_collection(snap, lang), ensure_ascii=False)
    return cached_response(body, etag_for(snap.version, "areas", lang), GEOJSON)


def gazetteer_matches(snap: Snapshot, text: str, limit: int = 10) -> list[dict]:
    needle = fold(text)
    if not needle:
        return []
    entries = snap.dataset.gazetteer
    exact = [e for e in entries if fold(e["name"]) == needle]
    prefix = [e for e in entries if fold(e["name"]).startswith(needle) and e not in exact]
    return (exact + prefix)[:limit]


@bp.get("/gazetteer")
def gazetteer():
    snap = snapshot()
    args = MultiArgs(request.args)
    unknown = sorted(set(args) - {"q"})
    if unknown:
        raise ParamError(unknown[0], f"unknown parameter {unknown[0]!r} (allowed: q)")
    q = request.args.get("q", "")
    if len(q) > 100:
        raise ParamError("q", "longer than 100 characters")
    matches = gazetteer_matches(snap, q) if q else snap.dataset.gazetteer
    body = json.dumps(matches, ensure_ascii=False)
    return cached_response(body, etag_for(snap.version, "gazetteer", q), "application/json")


@bp.get("/openapi.json")
def openapi_document():
    snap = snapshot()
    extra = current_app.extensions.get("openapi_paths", {})
    body = json.dumps(openapi.document(snap, extra), ensure_ascii=False)
    return cached_response(body, etag_for(snap.version, "openapi", str(sorted(extra))),
                           "application/json")


@bp.get("/layers/<name>")
def layer(name: str):
    snap = snapshot()
    lang_arg(frozenset())
    if name not in snap.layers:
        abort(404, description=f"no imported layer {name!r} (run `explorer import "
                               "bochum-opendata`)")
    found = snap.layers[name]
    return cached_response(found.geojson, etag_for(found.version, name), GEOJSON)
