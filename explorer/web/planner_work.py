"""The planner's work for a request: its parameters, admission, and the cached analysis
and serialised bodies.

Admission comes before any work: a grid beyond the cell budget is refused (400), the work's
cost counts against the client's and the server's limits (429, 503), and what must be
computed runs in the bounded pool. Kept apart from the routes (:mod:`.planner`), which only
parse, ask for a body and answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from flask import copy_current_request_context, current_app, request
from werkzeug.exceptions import ServiceUnavailable, TooManyRequests

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
from ..query import ParamError
from ..store import Snapshot
from .http import etag_for
from .packed import MapParts, Packed, weight
from .ratelimit import request_client


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
