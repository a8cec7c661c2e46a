"""The whole published data set as files: /downloads/places.geojson, /downloads/offers.csv.

Built once per data version (and public base URL, which the CSV's links start with):
the ETag is made of them, the body waits in the app's body cache, its gzip in the gzip
cache, so a repeat download costs neither the join nor the compression.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, request

from .. import downloads
from ..query import ParamError
from ..store import Snapshot
from .api import GEOJSON, lang_arg, snapshot
from .http import cached_gzip, cached_response, etag_for, json_error, public_base_url

bp = Blueprint("downloads", __name__, url_prefix="/downloads")
CSV = "text/csv"


def not_modified(etag: str) -> bool:
    return request.if_none_match.contains(etag) or request.if_none_match.contains(etag + "-gz")


def download(name: str, mimetype: str, filename: str, lang: str,
             build: Callable[[Snapshot], bytes]) -> Response:
    """The file for this data version: 304, the cached gzip, the cached body, or built."""
    snap = snapshot()
    base = public_base_url()
    etag = etag_for(snap.version, "downloads", name, lang, base)
    if not_modified(etag):
        response = cached_response(b"", etag, mimetype)
    else:
        response = cached_gzip(etag, mimetype)
        if response is None:
            bodies = current_app.extensions["body_cache"]
            body = bodies.get(etag)
            if body is None:
                body = build(snap)
                bodies.put(etag, body)  # the cache itself refuses what is too large
            response = cached_response(body, etag, mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.after_request
def open_to_all(response: Response) -> Response:
    """Open data: any site may fetch the files (no credentials involved)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag"
    return response


@bp.errorhandler(ParamError)
def bad_param(exc: ParamError):
    """Scripts fetch these files: a bad parameter is answered in JSON, like the API."""
    return json_error(400, exc.message, exc.parameter)


@bp.get("/places.geojson")
def places():
    lang = lang_arg()
    suffix = "" if lang == "de" else f"-{lang}"
    return download("places.geojson", GEOJSON, f"mint-bochum-places{suffix}.geojson", lang,
                    lambda snap: downloads.places_geojson(snap, lang))


@bp.get("/offers.csv")
def offers():
    for name in request.args:  # both languages' titles are columns: nothing to choose
        raise ParamError(name, f"unknown parameter {name!r}: offers.csv takes no parameters")
    return download("offers.csv", CSV, "mint-bochum-offers.csv", "-",
                    lambda snap: downloads.offers_csv(snap, public_base_url()).encode())
