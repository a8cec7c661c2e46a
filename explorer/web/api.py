"""The JSON/GeoJSON API: the contract the map, embeds, planner and partner sites share."""

from __future__ import annotations

import json
import math

import numpy as np
from flask import Blueprint, Response, abort, current_app, request
from werkzeug.exceptions import ServiceUnavailable, TooManyRequests

from .. import geojson, openapi, where
from ..matching import match
from ..pipeline.geocode import GeocodeFailure
from ..query import API_PARAMS, MultiArgs, ParamError, PlaceQuery
from ..store import Snapshot
from ..text import fold
from . import address
from .http import LARGE_BODY, cached_gzip, cached_response, etag_for, json_error
from .ratelimit import request_client

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


BRIEF_LIMIT = 3  # offers listed per place in the map view (the list shows three and "+n")


def date_json(snap: Snapshot) -> list[bytes]:
    """``"YYYY-MM-DD"`` for every calendar day, so answers never format dates per offer;
    the last entry is ``null``, so a day index of -1 (no date) picks it."""
    def build() -> list[bytes]:
        cal = snap.offers.calendar
        return [b'"%s"' % cal.date(i).isoformat().encode() for i in range(cal.n_days)] + [
            b"null"]

    return snap.features.cached("dates", build)


def brief_items(snap: Snapshot, query: PlaceQuery, offers: np.ndarray,
                nxt: np.ndarray) -> list[bytes]:
    """``{"id","title","next_date"}`` per offer; without a date filter the next date is
    the one from today, so these are encoded once per snapshot and language."""
    briefs = snap.features.get("brief", "-", query.lang)
    days = date_json(snap)
    if query.date_from is None and query.date_to is None:
        next_day = snap.offers.calendar.next_day
        ready = snap.features.per_offer(f"brief-next-{query.lang}", lambda j: (
            b'%s,"next_date":%s}' % (briefs[j], days[next_day[j]])))
        return [ready[j] for j in offers.tolist()]
    return [b'%s,"next_date":%s}' % (briefs[j], days[d])
            for j, d in zip(offers.tolist(), nxt.tolist(), strict=True)]  # -1: the null


def places_body(snap: Snapshot, query: PlaceQuery) -> bytes:
    """Pre-encoded place features, each with its matching offers appended (one join)."""
    found = match(snap, query)
    opened = snap.features.get("place", query.view, query.lang)
    owners = snap.offers.place[found.offers]  # ascending: offers are stored by place
    rank = np.empty(len(found.offers), np.int64)
    rank[found.offer_order] = np.arange(len(found.offers))
    within = np.lexsort((rank, owners))  # still grouped by place; in answer order inside
    owners = owners[within]
    rows = found.offers[within]
    starts = np.searchsorted(owners, found.places)
    ends = np.searchsorted(owners, found.places, side="right")
    places = found.places.tolist()
    tails = [b""] * len(places)
    if found.distances is not None:
        tails = [b',"distance_m":%d' % d for d in found.distances.round().astype(int).tolist()]
    if query.view == "map":
        counts = ends - starts
        take = np.minimum(counts, BRIEF_LIMIT)  # the first offers of each place, in order
        bounds = np.concatenate(([0], np.cumsum(take)))
        picked = np.repeat(starts - bounds[:-1], take) + np.arange(bounds[-1])
        items = brief_items(snap, query, rows[picked], found.offer_next[within][picked])
        bounds = bounds.tolist()
        closing = [b',"offer_count":%d,"offers_matching":[%s]%s}},' % (
            c, b",".join(items[p:q]), tail)
            for c, p, q, tail in zip(counts.tolist(), bounds[:-1], bounds[1:], tails,
                                     strict=True)]
    else:
        ids = snap.offers.ids
        quoted = snap.features.per_offer("offer-ids", lambda j: json.dumps(ids[j]).encode())
        rows_list = rows.tolist()
        closing = [b',"matching_offers":[%s]%s}},' % (
            b",".join([quoted[rows_list[k]] for k in range(a, b)]), tail)
            for a, b, tail in zip(starts.tolist(), ends.tolist(), tails, strict=True)]
    return geojson.collection_of([opened[i] for i in places], closing,
                                 {"count": len(places), "version": snap.version})


def collection_response(build, *key: str):
    """A filtered collection answered from the caches when possible, else built once."""
    snap = snapshot()
    query = PlaceQuery.from_args(request.args, snap, current_app.config["DEFAULT_LANG"],
                                 allowed=API_PARAMS)
    etag = etag_for(snap.version, *key, query.canonical())
    current_app.extensions["recent_queries"].note(
        request.path, tuple(request.args.items(multi=True)), build, key)
    if request.if_none_match.contains(etag) or request.if_none_match.contains(etag + "-gz"):
        return cached_response(b"", etag, GEOJSON)
    compressed = cached_gzip(etag, GEOJSON)
    if compressed is not None:  # the common case for a popular view: no work at all
        return compressed
    bodies = current_app.extensions["body_cache"]
    body = bodies.get(etag)
    if body is None:
        body = build(snap, query)
        if len(body) <= LARGE_BODY:  # large ones live on in the gzip cache only
            bodies.put(etag, body)
    return cached_response(body, etag, GEOJSON)


@bp.get("/places")
def places():
    return collection_response(places_body)


@bp.get("/places/<place_id>")
def place(place_id: str):
    snap = snapshot()
    lang = lang_arg()
    i = snap.positions.get(place_id)
    if i is None:
        abort(404, description=f"no place with id {place_id!r}")
    return cached_response(snap.features.get("place", "full", lang)[i] + b"}}",
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


@bp.get("/where")
def where_entries():
    """Names for the "where" box (postcodes, Stadtteile, places, schools, Kitas)."""
    snap = snapshot()
    lang_arg()
    return cached_response(where.entries_json(snap), etag_for(snap.version, "where"),
                           "application/json")


@bp.get("/where/address")
def where_address():
    """Street addresses for the "where" box through the configured geocoder: 404 while
    EXPLORER_ADDRESS_LOOKUP is off; 429 per client, 503 when the geocoder cannot answer
    now (see explorer/web/address.py)."""
    lookup: address.AddressLookup | None = current_app.extensions.get("address_lookup")
    if lookup is None:
        return json_error(404, address.OFF, enabled=False)
    lang_arg(frozenset({"q", "lang"}))
    text = address.query_text(request.args.get("q"))
    hits, cacheable = lookup.cached(text), True
    if hits is None:
        limit = current_app.config["ADDRESS_RATE_LIMIT"]
        wait = current_app.extensions["limits"].allow("address", request_client(), limit)
        if wait:
            raise TooManyRequests(f"more than {limit} address lookups a minute; retry in "
                                  f"{wait:.0f} s", retry_after=max(1, math.ceil(wait)))
        try:
            hits, cacheable = lookup.search(text)
        except address.Busy as exc:
            wait = max(1, math.ceil(exc.retry_after))
            raise ServiceUnavailable(f"the geocoder is busy; retry in {wait} s",
                                     retry_after=wait) from None
        except GeocodeFailure as exc:  # logged without the query: it may be a home address
            current_app.logger.warning("address lookup failed: %s", exc)
            wait = lookup.retry_after()
            raise ServiceUnavailable(f"the geocoder did not answer; retry in {wait} s",
                                     retry_after=wait) from None
    response = Response(json.dumps(hits, ensure_ascii=False), mimetype="application/json")
    response.headers["Cache-Control"] = "private, max-age=3600" if cacheable else "no-store"
    return response


@bp.get("/layers/<name>")
def layer(name: str):
    snap = snapshot()
    lang_arg(frozenset())
    if name not in snap.layers:
        abort(404, description=f"no imported layer {name!r} (run `explorer import "
                               "bochum-opendata`)")
    found = snap.layers[name]
    return cached_response(found.geojson, etag_for(found.version, name), GEOJSON)
