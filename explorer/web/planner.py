"""Planner routes: the page, its map script, /api/coverage and the exports.

Thin: parse with :func:`explorer.planner.parse_params`, get the cached analysis, serialise.
Serialised bodies are cached too, gzip-compressed (the 100 m grid is 7 MB of GeoJSON, 1 MB
packed) in a cache bounded by bytes, keyed like the analysis; every answer carries an ETag,
so a repeat costs neither analysis nor JSON.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    copy_current_request_context,
    current_app,
    render_template,
    request,
)
from werkzeug.exceptions import ServiceUnavailable, TooManyRequests

from .. import maps
from ..i18n import texts as explorer_texts
from ..planner import apidoc, export, mapview, view
from ..planner.analysis import Coverage
from ..planner.geometry import GridTooLarge, StudyArea, study_area_for
from ..planner.params import (
    CELL_M_RANGE,
    PLANNER_PARAMS,
    REACH_KM_RANGE,
    CoverageParams,
    parse_params,
)
from ..planner.sources import LRU, Planner
from ..planner.texts import km, texts
from ..query import ParamError
from ..store import Snapshot
from . import gate
from .http import error_page, etag_for, json_error
from .packed import MapParts, Packed, download, packed_response, weight
from .pages import labels, script_json
from .ratelimit import request_client

bp = Blueprint("planner", __name__)
GEOJSON = "application/geo+json"
LEAFLET_CSS = [c for c in maps.VENDOR_CSS if c.startswith("vendor/leaflet/")]
LEAFLET_JS = [c for c in maps.VENDOR_JS if c.startswith("vendor/leaflet/")]


@dataclass
class PlannerState:
    """Per app: analyses and packed serialised bodies, bounded by their bytes."""

    cache_mb: int = 24
    planner: Planner = field(default_factory=lambda: Planner(16))
    bodies: LRU = field(init=False)

    def __post_init__(self) -> None:
        self.bodies = LRU(256, weigh=weight, max_weight=self.cache_mb * 1024 * 1024)


def state() -> PlannerState:
    return current_app.extensions["planner"]


def snapshot() -> Snapshot:
    return current_app.extensions["store"].snapshot


def study_area() -> StudyArea:
    return study_area_for(current_app.config.get("CITY_OUTLINE_FILE", ""),
                          state().planner.study_cache)


def request_params(allowed: frozenset[str] = PLANNER_PARAMS
                   ) -> tuple[Snapshot, CoverageParams, StudyArea]:
    snap = snapshot()
    params = parse_params(request.args, snap, current_app.config["DEFAULT_LANG"], allowed)
    study = study_area()
    return snap, params, study


def estimated_cells(study: StudyArea, cell_m: float) -> int:
    """The grid's size before it is built: cells over the study area's bounds."""
    minx, miny, maxx, maxy = study.geometry.bounds
    return math.ceil((maxx - minx) / cell_m) * math.ceil((maxy - miny) / cell_m)


def admit(study: StudyArea, params: CoverageParams, analysing: bool = True) -> None:
    """Before any work: refuse grids beyond the cell budget (400 naming cell_m) and count
    the work's cost against the client's limit (429): an analysis its cells / 10,000, the
    serialisation of an export 1."""
    cells = estimated_cells(study, params.cell_m)
    budget = current_app.config["PLANNER_CELL_BUDGET"]
    if cells > budget:
        smallest = math.ceil(params.cell_m * math.sqrt(cells / budget))
        raise ParamError("cell_m", f"about {cells} cells exceed the budget of {budget}; "
                                   f"use cells of at least {smallest} m")
    limit = current_app.config["COVERAGE_RATE_LIMIT"]
    cost = max(1, math.ceil(cells / 10_000)) if analysing else 1
    limits = current_app.extensions["limits"]
    wait = limits.allow("planner", request_client(), limit, cost)
    if wait:
        raise TooManyRequests(f"more than {limit} units of planner work a minute (this one "
                              f"costs {cost}); retry in {math.ceil(wait)} s",
                              retry_after=max(1, math.ceil(wait)))
    total = current_app.config["PLANNER_TOTAL_RATE_LIMIT"]
    wait = limits.allow("planner-total", "all", total, cost)
    if wait:  # many addresses together: the server's budget, not this client's
        raise ServiceUnavailable(f"the planner's work for this minute is used up; retry in "
                                 f"{math.ceil(wait)} s", retry_after=max(1, math.ceil(wait)))


def analysis(snap: Snapshot, params: CoverageParams,
             study: StudyArea) -> tuple[Coverage, dict]:
    """The cached analysis; a new one is admitted first and runs in the bounded pool."""
    s = state()
    if s.planner.key(snap, params, study) not in s.planner.results:
        admit(study, params)
    try:
        return current_app.extensions["planner_pool"].run(
            copy_current_request_context(lambda: s.planner.coverage(snap, params, study)))
    except GridTooLarge as exc:
        raise ParamError("cell_m", str(exc)) from None


def body(name: Hashable, snap: Snapshot, params: CoverageParams, study: StudyArea,
         build: Callable[[Coverage, dict], Any]) -> Any:
    """A serialised answer, cached like the analysis it is made from (per language); one
    that must be made counts and runs in the pool like an analysis."""
    s = state()
    key = (name, s.planner.key(snap, params, study), params.lang)

    def make() -> Any:
        if s.planner.key(snap, params, study) in s.planner.results:
            admit(study, params, analysing=False)  # a fresh analysis is admitted by analysis()
        def job() -> Any:
            made = build(*analysis(snap, params, study))
            return made if isinstance(made, MapParts) else Packed.of(made)
        return current_app.extensions["planner_pool"].run(copy_current_request_context(job))
    return s.bodies.get(key, make)


def etag(snap: Snapshot, params: CoverageParams, study: StudyArea, name: str) -> str:
    return etag_for(snap.version, repr(study.signature), study.source, repr(params.key),
                    params.lang, name)


def not_modified(tag: str) -> bool:
    return request.if_none_match.contains(tag) or request.if_none_match.contains(tag + "-gz")


def parameters(snap: Snapshot, params: CoverageParams, study: StudyArea) -> dict:
    return {**params.as_dict(), "crs": "EPSG:25832 (analysis), EPSG:4326 (output)",
            "study_area": study.source, "data_version": snap.version,
            "bounds": {"reach_km": list(REACH_KM_RANGE), "cell_m": list(CELL_M_RANGE)}}


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
