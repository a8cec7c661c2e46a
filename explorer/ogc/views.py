"""The landing page and /conformance (the classes this API implements, no more)."""

from __future__ import annotations

from . import bp
from .common import (
    BASE_PARAMS,
    HTML,
    JSON,
    OPENAPI,
    check_params,
    etag_of,
    html_answer,
    json_answer,
    language,
    link,
    not_modified,
    output_format,
    self_links,
    url,
)
from .texts import ogc_texts

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]


@bp.get("/")
def landing():
    check_params(BASE_PARAMS)
    lang, fmt = language(), output_format()
    t = ogc_texts(lang)
    etag = etag_of("landing")
    if not_modified(etag):
        return json_answer(b"", etag)
    body = {
        "title": t["api_title"],
        "description": t["api_description"],
        "links": self_links(fmt) + [
            link(url("ogc.api_definition", [("f", "json")]), "service-desc", OPENAPI,
                 t["api_doc"]),
            link(url("ogc.api_definition", [("f", "html")]), "service-doc", HTML,
                 t["api_doc"]),
            link(url("ogc.conformance", [("f", "json")]), "conformance", JSON,
                 t["conformance"]),
            link(url("ogc.collections", [("f", "json")]), "data", JSON, t["collections"]),
        ],
    }
    if fmt == "html":
        return html_answer("ogc/landing.html", etag, doc=body, root=url("ogc.landing"))
    return json_answer(body, etag)


@bp.get("/conformance")
def conformance():
    check_params(BASE_PARAMS)
    language()  # validated: it sets the language of the HTML page
    fmt = output_format()
    etag = etag_of("conformance")
    if not_modified(etag):
        return json_answer(b"", etag)
    body = {"links": self_links(fmt), "conformsTo": CONFORMANCE}
    if fmt == "html":
        return html_answer("ogc/conformance.html", etag, doc=body)
    return json_answer(body, etag)
