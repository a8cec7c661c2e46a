"""HTML pages: the explorer map, its map set-up script, vendor assets and health."""

from __future__ import annotations

import json
from pathlib import Path

import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from flask import Blueprint, abort, current_app, render_template, request, send_from_directory

from .. import maps
from ..geojson import pick
from ..i18n import texts
from ..query import PLACE_PARAMS, PlaceQuery
from ..store import Snapshot
from ..when import local_today
from . import preload
from .http import cached_response, etag_for, public_base_url

bp = Blueprint("pages", __name__)
VENDOR_DIRS = {
    "leaflet": Path(xstatic.pkg.leaflet.BASE_DIR),
    "markercluster": Path(xstatic.pkg.leaflet_markercluster.BASE_DIR),
}


def snapshot() -> Snapshot:
    return current_app.extensions["store"].snapshot


def map_parts(snap: Snapshot, lang: str) -> maps.MapParts:
    """Folium output depends only on data version, language and tile settings: cache it."""
    cache = current_app.extensions.setdefault("map_parts", {})
    key = (snap.version, lang)
    parts = cache.get(key)
    if parts is None:
        m = maps.build_map(snap.dataset.areas, current_app.config["TILE_URL"],
                           current_app.config["TILE_ATTRIBUTION"], lang)
        parts = maps.map_parts(m)
        for old in [k for k in cache if k[0] != snap.version]:  # keep both languages
            cache.pop(old, None)
        cache[key] = parts
    return parts


# The explorer's ES modules (explorer/static), preloaded by the page so they load at once.
PAGE_MODULES = ("ui.js", "state.js", "cluster.js", "suggest.js", "near.js", "results.js",
                "details.js", "empty.js", "layers.js", "chips.js", "topics.js", "sheet.js",
                "when.js")


# The filters behind "Mehr Filter" (templates/_filters.html, static/sheet.js).
MORE_FILTERS = ("group", "kind", "q", "area", "from", "to", "cost", "bookable", "format")


def query_state(query: PlaceQuery) -> dict:
    """The filters as plain JSON for the page script (and back into the URL)."""
    return {
        "topic": list(query.topics),
        "group": list(query.groups),
        "kind": list(query.kinds),
        "q": query.q,
        "area": query.area or "",
        "near": ",".join(f"{v:.5f}" for v in query.near) if query.near else "",
        "radius_km": f"{query.radius_km:g}" if query.radius_km else "",
        "bbox": ",".join(f"{v:g}" for v in query.bbox) if query.bbox else "",
        "age": "" if query.age is None else str(query.age),
        "grade": "" if query.grade is None else str(query.grade),
        "from": query.date_from.isoformat() if query.date_from else "",
        "to": query.date_to.isoformat() if query.date_to else "",
        "cost": "" if query.cost is None else (
            "free" if query.cost == "free" else f"{query.cost:g}"),
        "format": ",".join(query.formats),
        "bookable": "" if query.bookable is None else ("1" if query.bookable else "0"),
        "status": "" if query.statuses == ("active",) else ",".join(query.statuses),
    }


def script_json(value: object) -> str:
    """JSON safe inside <script type="application/json">: no '<', '>' or '&' survive."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def labels(snap: Snapshot, lang: str) -> dict[str, dict[str, str]]:
    return {section: {k: pick(v, lang) for k, v in entries.items()}
            for section, entries in snap.taxonomy.items()}


def holidays_ahead(snap: Snapshot) -> list[dict]:
    """NRW school holidays not yet over, for the "next school holidays" choice."""
    today = local_today()
    return [{"id": hid, "start": a.isoformat(), "end": b.isoformat()}
            for hid, (a, b) in sorted(snap.dataset.holidays.spans.items(), key=lambda x: x[1])
            if b >= today]


def page_context(snap: Snapshot, query: PlaceQuery, page: str, extra: dict | None = None):
    lang = query.lang
    parts = map_parts(snap, lang)
    t = texts(lang)
    config = {
        "page": page,
        "lang": lang,
        "api": {"places": "/api/places", "layers": "/api/layers/", "where": "/api/where",
                **({"address": "/api/where/address"}
                   if current_app.extensions.get("address_lookup") is not None else {})},
        "mapVar": parts.map_var,
        "clusterVar": parts.cluster_var,
        "areasVar": parts.areas_var,
        "texts": t,
        "labels": labels(snap, lang),
        "layers": sorted(snap.layers),
        "holidays": holidays_ahead(snap),
        "state": query_state(query),
        "version": snap.version,
    }
    if extra:
        config.update(extra)
    areas = [(aid, pick(row.get("name"), lang))
             for aid, row in zip(snap.dataset.areas.index,
                                 snap.dataset.areas["properties"], strict=True)]
    return {
        "lang": lang,
        "t": t,
        "labels": config["labels"],
        "areas": areas,
        "state": config["state"],
        "map_html": parts.html,
        "map_script": f"/map/{snap.version}-{lang}.js",
        "config_json": script_json(config),
        "other_lang": "en" if lang == "de" else "de",
        "vendor_css": maps.VENDOR_CSS,
        "vendor_js": maps.VENDOR_JS,
        "page_modules": PAGE_MODULES,
        # the further filters start folded unless a shared link sets one of them
        "more_open": any(config["state"][k] for k in MORE_FILTERS),
        # the explorer and the embed fetch the places first thing: the browser starts early
        "preload_api": preload.places_url(
            config["state"], config["labels"], lang,
            with_form=page == "explorer" or bool(config.get("filters_shown")))
        if page in ("explorer", "embed") else None,
    }


def html_page(template: str, snap: Snapshot, key: str, context: dict):
    """A rendered page with an ETag, so it can be revalidated and its gzip is cached."""
    response = current_app.make_response(render_template(template, **context))
    # the base URL is in the page (oEmbed link): one cached gzip per public address
    response.set_etag(etag_for(snap.version, template, key,
                               current_app.config["TILE_URL"], public_base_url()))
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


@bp.get("/")
def index():
    snap = snapshot()
    query = PlaceQuery.from_args(request.args, snap, current_app.config["DEFAULT_LANG"],
                                 allowed=PLACE_PARAMS)
    return html_page("explorer.html", snap, request.full_path,
                     page_context(snap, query, "explorer"))


@bp.get("/map/<version>-<lang>.js")
def map_script(version: str, lang: str):
    snap = snapshot()
    if lang not in ("de", "en"):
        abort(404)
    # An old version still gets the current map: pages cached across a reload keep working.
    body = map_parts(snap, lang).script
    return cached_response(body, etag_for(snap.version, "map", lang), "text/javascript",
                           max_age=3600 if version == snap.version else 0)


@bp.get("/static/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str):
    if package not in VENDOR_DIRS:
        abort(404)
    response = send_from_directory(VENDOR_DIRS[package], filename, max_age=86400)
    return response


@bp.get("/healthz")
def healthz():
    store = current_app.extensions["store"]
    snap = store.snapshot
    body = {
        "status": "degraded" if store.last_error or store.db_error else "ok",
        "data_version": snap.version,
        "loaded_at": snap.loaded_at,
        "counts": {
            "places": len(snap.ids),
            "offers": len(snap.offers.ids),
            "offers_active": int((snap.offers.status == 0).sum()),
            "pending_geocoding": len(snap.pending),
            "areas": len(snap.area_masks),
            "gazetteer": len(snap.dataset.gazetteer),
            **{f"layer_{name}": len(layer.frame) for name, layer in snap.layers.items()},
        },
        "last_reload_error": [str(p) for p in store.last_error[:50]],
        "last_reload_error_at": store.last_error_at,
        "database": None if store.source is None else {
            "data_version": store.db_version, "error": store.db_error,
            "unreachable_since": store.db_error_since},
    }
    response = current_app.response_class(json.dumps(body), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response
