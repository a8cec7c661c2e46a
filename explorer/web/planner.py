"""Planner routes: the page, its map script, /api/coverage and the exports.

Thin: parse, get the cached analysis or body from :mod:`.planner_work`, answer.
Serialised bodies are cached too, gzip-compressed (the 100 m grid is 7 MB of GeoJSON, 1 MB
packed) in a cache bounded by bytes, keyed like the analysis; every answer carries an ETag,
so a repeat costs neither analysis nor JSON.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Blueprint, current_app, render_template, request
from werkzeug.exceptions import ServiceUnavailable, TooManyRequests

from .. import maps
from ..i18n import texts as explorer_texts
from ..planner import apidoc, export, mapview, view
from ..planner.geometry import StudyArea
from ..planner.params import PLANNER_PARAMS, CoverageParams
from ..planner.texts import km, texts
from ..query import ParamError
from ..store import Snapshot
from . import gate
from .http import error_page, json_error
from .packed import MapParts, Packed, download, packed_response
from .pages import labels, script_json
from .planner_work import (
    PlannerState,
    analysis,
    body,
    etag,
    not_modified,
    parameters,
    request_params,
)

bp = Blueprint("planner", __name__)
GEOJSON = "application/geo+json"
LEAFLET_CSS = [c for c in maps.VENDOR_CSS if c.startswith("vendor/leaflet/")]
LEAFLET_JS = [c for c in maps.VENDOR_JS if c.startswith("vendor/leaflet/")]


def file_slug(params: CoverageParams) -> str:
    parts = ["-".join(params.topics) or "all", "-".join(params.groups) or "all",
             "-".join(params.kinds) or "all", f"{params.reach_km:g}km", f"{params.cell_m:g}m"]
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", "_".join(parts))


@bp.record_once
def setup(setup_state) -> None:
    """Planner state per app (not a module global), and /api/coverage in the OpenAPI doc."""
    app = setup_state.app
    app.extensions["planner"] = PlannerState(app.config["PLANNER_CACHE_MB"])
    app.extensions.setdefault("openapi_paths", {})["/api/coverage"] = apidoc.coverage_path(
        app.extensions["store"].snapshot)


@bp.before_request
def refused_by_gate() -> None:
    """The gate (explorer.web.gate) asks the app once for each kind of refusal it replays."""
    status = request.environ.get(gate.REFUSE)
    if status == 429:
        raise TooManyRequests(gate.REFUSALS[429], retry_after=1)
    if status == 503:
        raise ServiceUnavailable(gate.REFUSALS[503], retry_after=1)


@bp.errorhandler(ParamError)
def bad_param(exc: ParamError):
    """Exports answer bad parameters as JSON (scripts call them); the page as HTML."""
    if request.path.startswith("/planner/export/") or request.path == "/api/coverage":
        return json_error(400, exc.message, exc.parameter)
    return error_page(400, exc.message, exc.parameter), 400


@bp.get("/api/coverage")
def coverage_api():
    snap, params, study = request_params()
    tag = etag(snap, params, study, "api")
    if not_modified(tag):
        return packed_response(None, tag, "application/json")

    def build(cov, facts):
        return export.coverage_json_parts(cov, parameters(snap, params, study), params.lang,
                                          facts)
    return packed_response(body("api", snap, params, study, build), tag, "application/json")


def map_parts(snap: Snapshot, params: CoverageParams,
              study: StudyArea) -> MapParts:
    def build(cov, _facts):
        m = mapview.build(cov, snap.dataset.areas, params.lang, texts(params.lang),
                          current_app.config["TILE_URL"], current_app.config["TILE_ATTRIBUTION"])
        parts = mapview.parts(m)
        return MapParts(parts.html, parts.map_var, Packed.of(parts.script))
    return body(("map", current_app.config["TILE_URL"]), snap, params, study, build)


@bp.get("/planner/map.js")
def map_script():
    snap, params, study = request_params(PLANNER_PARAMS | {"v"})
    tag = etag(snap, params, study, "map.js")
    max_age = 3600 if request.args.get("v") == snap.version else 0
    if not_modified(tag):
        return packed_response(None, tag, "text/javascript", max_age)
    return packed_response(map_parts(snap, params, study).script, tag, "text/javascript",
                           max_age=max_age)


@bp.get("/planner")
def page():
    snap, params, study = request_params()
    cov, facts = analysis(snap, params, study)
    lang = params.lang
    t = texts(lang)
    label_map = labels(snap, lang)
    parts = map_parts(snap, params, study)
    query = params.query_string()
    other = "en" if lang == "de" else "de"
    filters = [(k, ",".join(v)) for k, v in (("topic", params.topics), ("group", params.groups),
                                             ("kind", params.kinds)) if v]
    filters += list(params.offer_args)  # age, dates, cost, ... go back to the map too
    underserved_total = int(cov.served.underserved.sum())
    config = {"lang": lang, "mapVar": parts.map_var, "texts": {k: t[k] for k in (
        "show_on_map", "map_label")}, "parameters": params.as_dict()}
    return render_template(
        "planner.html", lang=lang, t=t, labels=label_map, params=params,
        state={"topic": list(params.topics), "group": list(params.groups),
               "kind": list(params.kinds), **dict(params.offer_args)},
        et=explorer_texts(lang),
        vendor_css=LEAFLET_CSS, vendor_js=LEAFLET_JS,
        map_html=parts.html,
        map_script=f"/planner/map.js?{params.query_string(v=snap.version)}",
        config_json=script_json(config),
        other_lang=other, other_lang_url=f"/planner?{params.query_string(lang=other)}",
        explorer_url="/?" + urlencode([*filters, ("lang", lang)], safe=","),
        query=query, facts=facts, study=study, summary=export.summary(cov, lang, facts),
        legend=view.legend(cov, lang, t), areas=view.area_table(cov, lang, t),
        underserved=view.underserved_table(cov, lang, t, label_map["groups"]),
        underserved_total=underserved_total, max_rows=view.MAX_TABLE_ROWS,
        reach_label=km(params.reach_m, lang),
        demand_label=(t["facts_demand_for"].replace("{groups}", ", ".join(
            label_map["groups"].get(g, g) for g in params.groups)) if params.groups
            else t["facts_demand"]),
        cells_label=t["facts_cells_size"].replace("{m}", f"{params.cell_m:g}"),
        has_districts=any(r.region.kind == "district" for r in cov.regions),
    )


@bp.get("/planner/export/underserved.csv")
def export_underserved():
    snap, params, study = request_params()
    tag = etag(snap, params, study, "underserved.csv")
    packed = None if not_modified(tag) else body(
        "underserved.csv", snap, params, study,
        lambda cov, _f: "\ufeff" + export.underserved_csv(cov))
    return download(packed, tag, "text/csv", f"underserved_{file_slug(params)}.csv")


@bp.get("/planner/export/areas.csv")
def export_areas():
    snap, params, study = request_params()
    tag = etag(snap, params, study, "areas.csv")
    packed = None if not_modified(tag) else body(
        "areas.csv", snap, params, study,
        lambda cov, _f: "\ufeff" + export.areas_csv(cov, params.lang))
    return download(packed, tag, "text/csv", f"areas_{file_slug(params)}.csv")


@bp.get("/planner/export/grid.geojson")
def export_grid():
    snap, params, study = request_params()
    tag = etag(snap, params, study, "grid.geojson")
    packed = None if not_modified(tag) else body(
        "grid", snap, params, study, lambda cov, _f: export.grid_geojson_parts(cov))
    return download(packed, tag, GEOJSON, f"grid_{file_slug(params)}.geojson")


@bp.get("/planner/export/map.html")
def export_map():
    snap, params, study = request_params()
    tag = etag(snap, params, study, "map.html")
    if not_modified(tag):
        return download(None, tag, "text/html", "map.html")

    def build(cov, _facts):
        t = texts(params.lang)
        m = mapview.build(cov, snap.dataset.areas, params.lang, t,
                          current_app.config["TILE_URL"], current_app.config["TILE_ATTRIBUTION"])
        caption = (f"{t['reach_km']}: {params.reach_km:g} · {t['cell_m']}: {params.cell_m:g} · "
                   f"{params.query_string()} · {snap.version}")
        return mapview.standalone_html(m, t["title"], view.legend_html(cov, params.lang, t,
                                                                      caption))
    return download(body("map.html", snap, params, study, build), tag, "text/html",
                    f"map_{file_slug(params)}.html")
