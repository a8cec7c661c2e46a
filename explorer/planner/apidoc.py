"""/api/coverage in the app's OpenAPI document (explorer.openapi), so schemathesis checks it.

Registered through the ``openapi_paths`` extension hook by ``explorer.web.planner``; the
filters reuse the explorer's parameter definitions, so their enums follow the taxonomy.
"""

from __future__ import annotations

from .. import openapi
from ..store import Snapshot
from .params import CELL_M_RANGE, REACH_KM_RANGE


def coverage_path(snap: Snapshot) -> dict:
    """/api/coverage for the OpenAPI document (the filters' enums from the live taxonomy)."""
    filters = [p for p in openapi.place_parameters(snap)
               if p["name"] in ("topic", "group", "kind", "lang")]
    numbers = [{"name": name, "in": "query", "required": False, "allowEmptyValue": True,
                "description": help_text,
                "schema": {"type": "number", "minimum": low, "maximum": high}}
               for name, (low, high), help_text in (
                   ("reach_km", REACH_KM_RANGE, "Reach in km (default 2)."),
                   ("cell_m", CELL_M_RANGE, "Grid cell size in metres (default 250)."))]
    json_error_doc = {"description": "Bad parameter or too many analyses", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    fc = {"$ref": "#/components/schemas/AnyFeatureCollection"}
    return {"get": {
        "summary": "Coverage analysis: distance from grid cells and schools/day care to the "
                   "nearest matching offer, per area (see docs/planner.md)",
        "parameters": [*filters, *numbers],
        "responses": {
            "200": {"description": "Grid, demand points, summary and parameters", "content": {
                "application/json": {"schema": {
                    "type": "object", "required": ["grid", "demand", "summary", "parameters"],
                    "properties": {"grid": fc, "demand": fc, "summary": {"type": "object"},
                                   "parameters": {"type": "object"}}}}}},
            "304": {"description": "Not modified (If-None-Match)"},
            "400": json_error_doc, "429": json_error_doc, "503": json_error_doc}}}
