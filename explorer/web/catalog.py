"""DCAT-AP.de catalogue of the published data sets: /catalog.ttl and /catalog.jsonld.

``/catalog`` (the IRI the catalogue's nodes are named under) answers Turtle, or JSON-LD
when the client asks for it. One graph per data version, base URL and settings; its
serialisations wait in the body cache under an ETag made of them.
"""

from __future__ import annotations

import dataclasses

from flask import Blueprint, Response, current_app, request

from ..catalog import DCAT, DCATDE, DCTERMS, FOAF, GSP, OWL, VCARD, Settings, catalog_graph
from ..query import ParamError
from .api import snapshot
from .http import cached_response, etag_for, json_error, public_base_url, public_url_for

bp = Blueprint("catalog", __name__)
TURTLE = "text/turtle"
JSONLD = "application/ld+json"
CONTEXT = {"dcat": str(DCAT), "dct": str(DCTERMS), "foaf": str(FOAF), "vcard": str(VCARD),
           "dcatde": str(DCATDE), "gsp": str(GSP), "owl": str(OWL),
           "xsd": "http://www.w3.org/2001/XMLSchema#"}


@bp.errorhandler(ParamError)
def bad_param(exc: ParamError):
    """Harvesters and scripts read the catalogue: a bad parameter is answered in JSON."""
    return json_error(400, exc.message, exc.parameter)


def serialised(fmt: str, mimetype: str) -> Response:
    for name in request.args:
        raise ParamError(name, f"unknown parameter {name!r}: the catalogue takes none")
    snap = snapshot()
    base = public_base_url()
    settings = Settings.from_config(current_app.config)
    if not (settings.contact_email or settings.contact_url) and "db" in current_app.extensions:
        # no contact set: the product's own suggestion form reaches the network office
        settings = dataclasses.replace(settings, contact_url=public_url_for("suggest.suggest"))
    etag = etag_for(snap.version, "catalog", fmt, base, repr(settings))
    if request.if_none_match.contains(etag):
        return cached_response(b"", etag, mimetype)
    bodies = current_app.extensions["body_cache"]
    body = bodies.get(etag)
    if body is None:
        graph = catalog_graph(snap, base, settings)
        if fmt == "json-ld":
            text = graph.serialize(format="json-ld", context=CONTEXT, auto_compact=True)
        else:
            text = graph.serialize(format="turtle")
        body = text.encode("utf-8")
        bodies.put(etag, body)
    response = cached_response(body, etag, mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/catalog.ttl")
def turtle():
    return serialised("turtle", TURTLE)


@bp.get("/catalog.jsonld")
def jsonld():
    return serialised("json-ld", JSONLD)


@bp.get("/catalog")
def negotiated():
    """The catalogue's own IRI: JSON-LD for a client that prefers it, else Turtle."""
    best = request.accept_mimetypes.best_match([TURTLE, JSONLD], default=TURTLE)
    response = serialised("json-ld", JSONLD) if best == JSONLD else serialised("turtle", TURTLE)
    response.vary.add("Accept")
    return response
