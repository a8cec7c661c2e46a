"""The OpenAPI 3 description of the JSON API, built from the live taxonomy.

Enums come from the data (topics, groups, kinds, areas), so the document cannot drift
from what the server accepts; tests run schemathesis against it.
"""

from __future__ import annotations

from typing import Any

from .query import BBOX_PATTERN, COST_PATTERN, NEAR_PATTERN
from .store import Snapshot
from .web.address import Q_MAX, Q_PATTERN


def _list_param(name: str, values: list[str], help_text: str) -> dict[str, Any]:
    return {
        "name": name, "in": "query", "required": False, "style": "form", "explode": True,
        "description": help_text + " Repeat the parameter or separate values with commas; "
                                   "any value matches.",
        "schema": {"type": "array", "items": {"type": "string", "enum": values}},
        "allowEmptyValue": True,
    }


def _param(name: str, schema: dict, help_text: str, where: str = "query",
           required: bool = False) -> dict[str, Any]:
    param = {"name": name, "in": where, "required": required, "description": help_text,
             "schema": schema}
    if where == "query":  # an empty field (as HTML forms send it) means "not given"
        param["allowEmptyValue"] = True
    return param


def _json(schema_ref: str, description: str, media: str = "application/json") -> dict:
    return {"description": description,
            "content": {media: {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}}


def _error(description: str, headers: dict | None = None) -> dict[str, Any]:
    response = _json("Error", description)
    if headers:
        response["headers"] = headers
    return response


LANG = _param("lang", {"type": "string", "enum": ["de", "en"]},
              "Language of texts and labels (default German).")
ERROR = _error("Bad parameter")
NOT_FOUND = _error("Not found")
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before asking again",
                               "schema": {"type": "integer", "minimum": 1}}}
WHERE_LANG = _param("lang", {"type": "string", "enum": ["de", "en"]},
                    "Language of the page asking (the answer is the same).")
WHERE_KINDS = ["postcode", "stadtteil", "ortsteil", "place", "school", "kita"]


def _where_entries(kinds: list[str]) -> dict[str, Any]:
    """The answer of the "where" box's endpoints: entries with a point."""
    return {"description": "Entries", "content": {"application/json": {"schema": {
        "type": "array", "items": {
            "type": "object", "required": ["name", "kind", "lat", "lon", "detail"],
            "properties": {"name": {"type": "string"},
                           "kind": {"type": "string", "enum": kinds},
                           "lat": {"type": "number"}, "lon": {"type": "number"},
                           "detail": {"type": "string"}}}}}}}


VIEW = _param("view", {"type": "string", "enum": ["full", "map"]},
              "full (default): complete records; map: the properties markers and lists need.")
ICS_RESPONSE = {"description": "iCalendar (RFC 5545)",
                "content": {"text/calendar": {"schema": {"type": "string"}}}}


def place_parameters(snap: Snapshot) -> list[dict[str, Any]]:
    vocab = snap.vocab
    return [
        _list_param("topic", vocab["topics"], "Topics."),
        _list_param("group", vocab["groups"], "Target groups."),
        _list_param("kind", vocab["kinds"], "Kinds of place."),
        _param("q", {"type": "string", "maxLength": 200},
               "Text in name, description or offers; case- and umlaut-insensitive."),
        _param("area", {"type": "string", "enum": list(snap.area_masks)},
               "Only places inside this focus area."),
        _param("near", {"type": "string", "pattern": NEAR_PATTERN},
               "LAT,LON: adds distance_m and sorts by it."),
        _param("radius_km", {"type": "number", "minimum": 0.001, "maximum": 100},
               "With near: only places within this radius (km)."),
        _param("bbox", {"type": "string", "pattern": BBOX_PATTERN},
               "W,S,E,N bounding box in degrees (S <= N; a point or line box is allowed; "
               "W > E crosses the antimeridian)."),
        *offer_parameters(snap),
        LANG,
    ]


DATE = r"^\d{4}-\d{2}-\d{2}$"


def offer_parameters(snap: Snapshot) -> list[dict[str, Any]]:
    """Offer-level filters: a place matches when one of its offers matches all of them."""
    cal = snap.offers.calendar
    window = f"{cal.first}..{cal.date(cal.n_days - 1)}"
    return [
        _param("age", {"type": "integer", "minimum": 0, "maximum": 120},
               "Age in years: offers whose age range (or grade or target-group range) "
               "includes it."),
        _param("grade", {"type": "integer", "minimum": 0, "maximum": 13},
               "School grade (0 = pre-school)."),
        _param("from", {"type": "string", "format": "date", "pattern": DATE},
               f"First day (YYYY-MM-DD, within {window}): offers with a session, "
               "recurrence or season in the span; on-request offers match any span."),
        _param("to", {"type": "string", "format": "date", "pattern": DATE},
               f"Last day (YYYY-MM-DD, within {window})."),
        _param("cost", {"type": "string", "pattern": COST_PATTERN},
               "'free', or a maximum price in EUR (free offers included)."),
        _list_param("format", list(snap.taxonomy["formats"]), "Offer formats."),
        _param("bookable", {"type": "string", "enum": ["1", "0", "true", "false"]},
               "Only offers groups can book (1) or the others (0)."),
        _param("status", {"type": "string", "enum": ["active", "unconfirmed", "paused", "ended",
                                                    "all"]},
               "Offer status (default active; ended offers are never bookable)."),
        _param("sort", {"type": "string", "enum": ["distance", "relevance", "name", "date"]},
               "Order (default: distance with near, relevance with q, else name)."),
    ]


SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {
        "error": {"type": "string"}, "parameter": {"type": "string"},
        "status": {"type": "integer"}, "enabled": {"type": "boolean"}}},
    "Point": {"type": "object", "required": ["type", "coordinates"], "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2,
                        "maxItems": 2}}},
    "Feature": {"type": "object", "required": ["type", "id", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"type": "string"},
                    "geometry": {"$ref": "#/components/schemas/Point"},
                    "properties": {"type": "object", "required": ["id", "name", "kind"],
                                   "properties": {
                                       "id": {"type": "string"}, "name": {"type": "string"},
                                       "kind": {"type": "string"},
                                       "distance_m": {"type": "integer", "minimum": 0}}}}},
    "OfferFeature": {"type": "object", "required": ["type", "id", "geometry", "properties"],
                     "properties": {
                         "type": {"type": "string", "enum": ["Feature"]},
                         "id": {"type": "string"},
                         "geometry": {"$ref": "#/components/schemas/Point"},
                         "properties": {"type": "object",
                                        "required": ["id", "title", "place", "status"],
                                        "properties": {
                                            "id": {"type": "string"},
                                            "title": {"type": "string"},
                                            "status": {"type": "string",
                                                       "enum": ["active", "unconfirmed", "paused",
                                                                "ended"]},
                                            "next_date": {"type": "string", "nullable": True},
                                            "place": {"type": "object",
                                                      "required": ["id", "name"]},
                                            "distance_m": {"type": "integer",
                                                           "minimum": 0}}}}},
    "OfferCollection": {"type": "object", "required": ["type", "features"], "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "count": {"type": "integer", "minimum": 0},
        "version": {"type": "string"},
        "features": {"type": "array",
                     "items": {"$ref": "#/components/schemas/OfferFeature"}}}},
    "FeatureCollection": {"type": "object", "required": ["type", "features"], "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "count": {"type": "integer", "minimum": 0},
        "version": {"type": "string"},
        "features": {"type": "array", "items": {"$ref": "#/components/schemas/Feature"}}}},
    "AnyFeatureCollection": {"type": "object", "required": ["type", "features"],
                             "properties": {"type": {"type": "string",
                                                     "enum": ["FeatureCollection"]},
                                            "features": {"type": "array"}}},
    "Taxonomy": {"type": "object", "required": ["topics", "groups", "kinds"],
                 "additionalProperties": {"type": "object"}},
    "GazetteerEntry": {"type": "object", "required": ["name", "lat", "lon"], "properties": {
        "name": {"type": "string"}, "kind": {"type": "string"},
        "lat": {"type": "number"}, "lon": {"type": "number"}}},
    "Health": {"type": "object", "required": ["status", "data_version", "counts"]},
}


def document(snap: Snapshot, extra_paths: dict[str, Any] | None = None) -> dict[str, Any]:
    geojson = "application/geo+json"
    paths: dict[str, Any] = {
        "/api/places": {"get": {
            "summary": "Places, filtered; a GeoJSON FeatureCollection",
            "parameters": [*place_parameters(snap), VIEW],
            "responses": {"200": _json("FeatureCollection", "Matching places", geojson),
                          "304": {"description": "Not modified (If-None-Match)"},
                          "400": ERROR}}},
        "/api/places/{place_id}": {"get": {
            "summary": "One place",
            "parameters": [_param("place_id", {"type": "string"}, "Place id (slug).",
                                  where="path", required=True), LANG],
            "responses": {"200": _json("Feature", "The place", geojson),
                          "304": {"description": "Not modified"},
                          "400": ERROR, "404": NOT_FOUND}}},
        "/api/offers": {"get": {
            "summary": "Offers, filtered: one GeoJSON feature per offer at its place",
            "parameters": [*place_parameters(snap), VIEW],
            "responses": {"200": _json("OfferCollection", "Matching offers", geojson),
                          "304": {"description": "Not modified (If-None-Match)"},
                          "400": ERROR}}},
        "/api/offers/{offer_id}": {"get": {
            "summary": "One offer",
            "parameters": [_param("offer_id", {"type": "string"}, "Offer id (slug).",
                                  where="path", required=True), LANG],
            "responses": {"200": _json("OfferFeature", "The offer", geojson),
                          "304": {"description": "Not modified"},
                          "400": ERROR, "404": NOT_FOUND}}},
        "/api/offers/{offer_id}.ics": {"get": {
            "summary": "One offer as iCalendar (sessions, recurrence or season as events)",
            "parameters": [_param("offer_id", {"type": "string"}, "Offer id (slug).",
                                  where="path", required=True), LANG],
            "responses": {"200": ICS_RESPONSE, "304": {"description": "Not modified"},
                          "400": ERROR, "404": NOT_FOUND}}},
        "/api/offers.ics": {"get": {
            "summary": "The matching offers as one iCalendar",
            "parameters": place_parameters(snap),
            "responses": {"200": ICS_RESPONSE, "304": {"description": "Not modified"},
                          "400": ERROR}}},
        "/api/taxonomy": {"get": {
            "summary": "Topics, groups, kinds, formats and costs with de/en labels",
            "parameters": [LANG],
            "responses": {"200": _json("Taxonomy", "The taxonomy"), "400": ERROR}}},
        "/api/areas": {"get": {
            "summary": "Focus areas (polygons)", "parameters": [LANG],
            "responses": {"200": _json("AnyFeatureCollection", "Areas", geojson),
                          "400": ERROR}}},
        "/api/gazetteer": {"get": {
            "summary": "Postcodes and Stadtteile with a point, for 'near me'",
            "parameters": [_param("q", {"type": "string", "maxLength": 100},
                                  "Name or postcode (prefix match).")],
            "responses": {"200": {"description": "Matches", "content": {
                "application/json": {"schema": {"type": "array", "items": {
                    "$ref": "#/components/schemas/GazetteerEntry"}}}}}, "400": ERROR}}},
        "/api/where": {"get": {
            "summary": "Every name of the 'where' box: postcodes, Stadtteile, places, schools, "
                       "Kitas",
            "parameters": [WHERE_LANG],
            "responses": {"200": _where_entries(WHERE_KINDS), "400": ERROR}}},
        "/api/where/address": {"get": {
            "summary": "Street addresses in Bochum for the 'where' box, through the "
                       "server's geocoder (off unless EXPLORER_ADDRESS_LOOKUP)",
            "description": "Up to 5 addresses inside Bochum, named 'Street No, Postcode "
                           "Stadtteil'. Answers are cached (the same q, case and spacing "
                           "ignored, is asked once a day); the geocoder is asked at most "
                           "once per EXPLORER_GEOCODER_MIN_INTERVAL. 404 with "
                           "enabled: false while the lookup is off.",
            "parameters": [
                _param("q", {"type": "string", "maxLength": Q_MAX, "pattern": Q_PATTERN},
                       f"The address, at most {Q_MAX} characters, at least 3 besides "
                       "spaces.", required=True),
                WHERE_LANG],
            "responses": {
                "200": _where_entries(["address"]), "400": ERROR,
                "404": _error("The lookup is off (EXPLORER_ADDRESS_LOOKUP); the error "
                              "carries enabled: false"),
                "429": _error("Too many lookups from this client", RETRY_AFTER),
                "503": _error("The geocoder is busy, failed or too slow; nothing cached",
                              RETRY_AFTER)}}},
        "/api/layers/{name}": {"get": {
            "summary": "An imported open-data layer (after `explorer import`)",
            "parameters": [_param("name", {"type": "string",
                                           "enum": ["schools", "daycare", "nature"]},
                                  "Layer name.", where="path", required=True)],
            "responses": {"200": _json("AnyFeatureCollection", "The layer", geojson),
                          "400": ERROR, "404": NOT_FOUND}}},
        "/healthz": {"get": {
            "summary": "Data version, counts and the last reload error",
            "responses": {"200": _json("Health", "Health")}}},
    }
    if extra_paths:
        paths.update(extra_paths)
    return {
        "openapi": "3.0.3",
        "info": {"title": "MINT explorer Bochum API", "version": "1.0",
                 "description": "MINT learning places in Bochum. Data version "
                                f"{snap.version}. Every GET answer carries ETag and "
                                "Cache-Control; CORS is open for GET."},
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }
