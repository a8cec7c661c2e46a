"""OGC API - Features (Part 1: Core, GeoJSON, HTML, OpenAPI 3.0) under /ogc/.

A read-only view of the store's snapshot for GIS clients (QGIS, GDAL/OGR, OWSLib): the
routes live in the modules imported below; see docs and tests/test_ogc_api.py.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

from . import apidoc, collections, common, items, views  # noqa: E402,F401  (routes)
