"""/ogc/api: the OpenAPI 3.0 definition of the OGC API (conformance class oas30).

Built per request from the live snapshot: the collection ids in use, and for ``places`` and
``offers`` every filter of /api/places with the enums of the taxonomy (from
:mod:`explorer.openapi`), so what is declared is exactly what is accepted. Each
collection gets its own items paths, because the filters differ between collections.
"""

from __future__ import annotations

from typing import Any

from .. import openapi
from ..store import Snapshot
from ..web.http import public_base_url
from . import bp
from .collections import available
from .common import (
    BASE_PARAMS,
    GEOJSON,
    HTML,
    JSON,
    OPENAPI,
    check_params,
    etag_of,
    html_answer,
    json_answer,
    language,
    not_modified,
    output_format,
    snapshot,
)
from .params import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET
from .texts import collection_text, ogc_texts

REF = "#/components/schemas/"


def _q(name: str, schema: dict, description: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema, "allowEmptyValue": True, **extra}  # empty: not given


def _path_param(name: str, schema: dict, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema}


F = _q("f", {"type": "string", "enum": ["json", "html"]},
       "Output format; without it the Accept header decides (text/html: HTML, else JSON).")
LANG = _q("lang", {"type": "string", "enum": ["de", "en"]},
          "Language of titles, labels and HTML pages (default German).")
# No "maximum" in the schema: a larger limit is not an error (the server returns at most
# MAX_LIMIT features and a next link), so declaring one would declare such asks invalid.
LIMIT = _q("limit", {"type": "integer", "minimum": 1, "default": DEFAULT_LIMIT},
           f"Features per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT}: a larger value "
           f"is served as {MAX_LIMIT}); below 1 is an error.", style="form", explode=False)
OFFSET = _q("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
            "How many matching features to skip (the next/prev links set it).",
            style="form", explode=False)
BBOX = _q("bbox", {"type": "array", "minItems": 4, "maxItems": 4,
                   "items": {"type": "number"}},
          "W,S,E,N in CRS84 degrees (longitude/latitude); features whose geometry "
          "intersects it. S <= N; W > E crosses the antimeridian.",
          style="form", explode=False)
DATETIME = _q("datetime", {"type": "string"},
              "RFC 3339 date or date-time, or an interval start/end with '..' for an open "
              "side (e.g. ../2026-12-31). Offers (and places, by their offers) with a "
              "session, recurrence or season on a Bochum day in the span; offers on request "
              "match any span. Collections without time (schools, daycare, focus-areas, "
              "districts) accept and ignore it.")


def _content(schema: str, media: str) -> dict[str, Any]:
    return {media: {"schema": {"$ref": REF + schema}}, HTML: {"schema": {"type": "string"}}}


def _responses(schema: str, media: str = JSON, not_found: bool = False) -> dict[str, Any]:
    error = {JSON: {"schema": {"$ref": REF + "Exception"}}, HTML: {"schema": {"type": "string"}}}
    out = {"200": {"description": "The resource", "content": _content(schema, media)},
           "304": {"description": "Not modified (If-None-Match)"},
           "400": {"description": "A bad or unknown parameter, named in 'parameter'",
                   "content": error}}
    if not_found:
        out["404"] = {"description": "No such collection or feature", "content": error}
    return out


def _get(summary: str, operation: str, parameters: list, responses: dict) -> dict[str, Any]:
    return {"get": {"summary": summary, "operationId": operation, "parameters": parameters,
                    "responses": responses}}


def filters(snap: Snapshot) -> list[dict[str, Any]]:
    """The explorer's filters of /api/places, as its own OpenAPI document declares them."""
    return [p for p in openapi.place_parameters(snap) if p["name"] not in ("bbox", "lang")]


SCHEMAS: dict[str, Any] = {
    "Link": {"type": "object", "required": ["href", "rel"], "properties": {
        "href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
        "title": {"type": "string"}}},
    "LandingPage": {"type": "object", "required": ["links"], "properties": {
        "title": {"type": "string"}, "description": {"type": "string"},
        "links": {"type": "array", "items": {"$ref": REF + "Link"}}}},
    "ConfClasses": {"type": "object", "required": ["conformsTo"], "properties": {
        "conformsTo": {"type": "array", "items": {"type": "string"}}}},
    "Collection": {"type": "object", "required": ["id", "links"], "properties": {
        "id": {"type": "string"}, "title": {"type": "string"},
        "description": {"type": "string"}, "itemType": {"type": "string"},
        "crs": {"type": "array", "items": {"type": "string"}},
        "extent": {"type": "object"},
        "links": {"type": "array", "items": {"$ref": REF + "Link"}}}},
    "Collections": {"type": "object", "required": ["links", "collections"], "properties": {
        "links": {"type": "array", "items": {"$ref": REF + "Link"}},
        "collections": {"type": "array", "items": {"$ref": REF + "Collection"}}}},
    "Feature": {"type": "object", "required": ["type", "id", "geometry", "properties"],
                "properties": {"type": {"type": "string", "enum": ["Feature"]},
                               "id": {"type": "string"},
                               "geometry": {"type": "object", "required": ["type"]},
                               "properties": {"type": "object"},
                               "links": {"type": "array", "items": {"$ref": REF + "Link"}}}},
    "FeatureCollection": {
        "type": "object",
        "required": ["type", "features", "numberMatched", "numberReturned", "links"],
        "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                       "numberMatched": {"type": "integer", "minimum": 0},
                       "numberReturned": {"type": "integer", "minimum": 0},
                       "timeStamp": {"type": "string", "format": "date-time"},
                       "links": {"type": "array", "items": {"$ref": REF + "Link"}},
                       "features": {"type": "array", "items": {"$ref": REF + "Feature"}}}},
    "Exception": {"type": "object", "required": ["error", "status"], "properties": {
        "error": {"type": "string"}, "status": {"type": "integer"},
        "parameter": {"type": "string"}}},
}


def document(snap: Snapshot, lang: str) -> dict[str, Any]:
    found = available(snap, lang)
    ids = list(found)
    collection_id = _path_param("collectionId", {"type": "string", "enum": ids},
                                "Collection id.")
    paths: dict[str, Any] = {
        "/": _get("Landing page", "getLandingPage", [F, LANG], _responses("LandingPage")),
        "/api": _get("This API definition (OpenAPI 3.0 JSON, or HTML with f=html)",
                     "getAPIDefinition", [F, LANG], {
                         "200": {"description": "The API definition",
                                 "content": {OPENAPI: {"schema": {"type": "object"}},
                                             HTML: {"schema": {"type": "string"}}}},
                         "304": {"description": "Not modified"},
                         "400": _responses("LandingPage")["400"]}),
        "/conformance": _get("Conformance classes implemented", "getConformance", [F, LANG],
                             _responses("ConfClasses")),
        "/collections": _get("The collections", "getCollections", [F, LANG],
                             _responses("Collections")),
        "/collections/{collectionId}": _get(
            "One collection's metadata", "describeCollection", [collection_id, F, LANG],
            _responses("Collection", not_found=True)),
    }
    core = [F, LANG, LIMIT, OFFSET, BBOX, DATETIME]
    explorer_filters = filters(snap)
    feature_id = _path_param("featureId", {"type": "string"},
                             "Feature id (place id, offer id, layer id, area id).")
    for cid in ids:
        title = collection_text(cid, "title", "en")
        params = core + (explorer_filters if found[cid].features is None else [])
        paths[f"/collections/{cid}/items"] = _get(
            f"Features of '{title}'", f"getFeatures_{cid}", params,
            _responses("FeatureCollection", GEOJSON))
        paths[f"/collections/{cid}/items/{{featureId}}"] = _get(
            f"One feature of '{title}'", f"getFeature_{cid}", [feature_id, F, LANG],
            _responses("Feature", GEOJSON, not_found=True))
    return {
        "openapi": "3.0.3",
        "info": {"title": ogc_texts("en")["api_title"], "version": "1.0",
                 "description": ogc_texts("en")["api_description"] + " Data version "
                                f"{snap.version}. Conformance: OGC API - Features - Part 1 "
                                "(core, oas30, html, geojson)."},
        "servers": [{"url": public_base_url() + "/ogc"}],
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }


@bp.get("/api")
def api_definition():
    check_params(BASE_PARAMS)
    lang, fmt = language(), output_format()
    snap = snapshot()
    etag = etag_of("api", *[c.version for c in available(snap, lang).values()])
    if not_modified(etag):
        return json_answer(b"", etag, OPENAPI)
    doc = document(snap, lang)
    if fmt == "html":
        return html_answer("ogc/api.html", etag, doc=doc, json_url=doc["servers"][0]["url"]
                           + "/api?f=json")
    return json_answer(doc, etag, OPENAPI)
