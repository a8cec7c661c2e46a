"""What every /ogc/ answer shares: the output format (f= or Accept), language, links with
absolute URLs under the public base URL, strict parameters, cached responses, errors."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from ..query import ParamError
from ..store import Snapshot
from ..web.http import (
    cached_response,
    error_page,
    etag_for,
    json_error,
    public_base_url,
    public_url_for,
)
from . import bp
from .texts import ogc_texts

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
FORMATS = ("json", "html")
BASE_PARAMS = frozenset({"f", "lang"})
MAX_VALUE = 1000  # characters of one parameter value


class FeatureNotFound(HTTPException):
    """404 naming what was asked for, in the page's language (German pages stay German)."""

    code = 404

    def __init__(self, ident: str, en: str, de: str):
        super().__init__(en)
        self.ident, self.texts = ident, {"de": de, "en": en}


def snapshot() -> Snapshot:
    return current_app.extensions["store"].snapshot


def output_format(strict: bool = True) -> str:
    """"json" or "html": f= when given, else the Accept header (a browser asks for HTML
    first; anything else, */* included, gets JSON)."""
    f = request.args.get("f") or ""
    if f in FORMATS:
        return f
    if f and strict:
        raise ParamError("f", f"{f!r} is not one of {', '.join(FORMATS)}")
    best = request.accept_mimetypes.best_match([JSON, GEOJSON, HTML], default=JSON)
    return "html" if best == HTML else "json"


def language(strict: bool = True) -> str:
    lang = request.args.get("lang") or current_app.config["DEFAULT_LANG"]
    if lang not in ("de", "en"):
        if strict:
            raise ParamError("lang", f"{lang!r} is not 'de' or 'en'")
        return "de"
    return lang


def check_params(allowed: frozenset[str]) -> None:
    """OGC API /req/core/query-param-unknown: a parameter the API does not define is a 400."""
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise ParamError(unknown[0], f"unknown parameter {unknown[0]!r} (allowed: "
                         + ", ".join(sorted(allowed)) + ")")
    for key, value in request.args.items(multi=True):
        if len(value) > MAX_VALUE:  # also keeps int() off numbers of thousands of digits
            raise ParamError(key, f"longer than {MAX_VALUE} characters")


def url(endpoint: str, args: list[tuple[str, str]] | None = None, **view_args: str) -> str:
    """Absolute URL under the public base URL, with query ``args`` in the order given
    (and this request's lang=, so links keep the language)."""
    base = public_url_for(endpoint, **view_args)
    args = list(args or [])
    if request.args.get("lang") and not any(k == "lang" for k, _v in args):
        args.append(("lang", request.args["lang"]))
    return base + ("?" + urlencode(args) if args else "")


def here(**changes: object) -> str:
    """This request's URL with some parameters replaced (None drops one), all others kept
    in their order: paging and format links keep every filter."""
    args: list[tuple[str, str]] = []
    done: set[str] = set()
    for key, value in request.args.items(multi=True):
        if key in changes:
            if key not in done and changes[key] is not None:
                args.append((key, str(changes[key])))
            done.add(key)
        else:
            args.append((key, value))
    args += [(k, str(v)) for k, v in changes.items() if k not in done and v is not None]
    return url(request.endpoint, args, **(request.view_args or {}))


def link(href: str, rel: str, mimetype: str, title: str | None = None) -> dict[str, str]:
    found = {"href": href, "rel": rel, "type": mimetype}
    if title:
        found["title"] = title
    return found


def self_links(fmt: str, json_type: str = JSON) -> list[dict[str, str]]:
    """``self`` for this representation and ``alternate`` for the other one."""
    t = ogc_texts(language(strict=False))
    as_json = link(here(f="json"), "self", json_type, t["as_json"])
    as_html = link(here(f="html"), "alternate", HTML, t["as_html"])
    if fmt == "html":
        as_json["rel"], as_html["rel"] = "alternate", "self"
    return [as_json, as_html]


def etag_of(*parts: str) -> str:
    """Data version, the request (path, every argument, Accept's choice) and base URL."""
    args = repr(sorted(request.args.items(multi=True)))
    return etag_for(snapshot().version, request.path, args, output_format(strict=False),
                    current_app.config["DEFAULT_LANG"], public_base_url(), *parts)


def not_modified(etag: str) -> bool:
    return request.if_none_match.contains(etag) or request.if_none_match.contains(etag + "-gz")


def json_answer(payload: dict | bytes, etag: str, mimetype: str = JSON) -> Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False)
    return cached_response(body, etag, mimetype)


def html_answer(template: str, etag: str, **context: object) -> Response:
    lang = language()
    t = ogc_texts(lang)
    html = render_template(template, lang=lang, t=t, other_lang="en" if lang == "de" else "de",
                           lang_url=here(lang="en" if lang == "de" else "de"), **context)
    return cached_response(html, etag, HTML)


@bp.after_request
def negotiated(response: Response) -> Response:
    """Answers vary by Accept (f= absent); JSON is open to any origin, as /api/ is."""
    response.vary.add("Accept")
    if response.mimetype != HTML:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "If-None-Match"
        response.headers["Access-Control-Expose-Headers"] = "ETag"
    return response


@bp.errorhandler(ParamError)
def bad_param(exc: ParamError):
    if output_format(strict=False) == "html":
        return error_page(400, exc.message, exc.parameter), 400
    return json_error(400, exc.message, exc.parameter)


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    status = exc.code or 500
    message = exc.description or exc.name
    if output_format(strict=False) == "html":
        if isinstance(exc, FeatureNotFound):
            lang = language(strict=False)
            html = render_template("ogc/error.html", lang=lang, t=ogc_texts(lang),
                                   status=status, message=exc.texts[lang], ident=exc.ident)
            response = current_app.make_response((html, status))
        else:
            response = current_app.make_response((error_page(status, message), status))
    else:
        response = json_error(status, message)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


@bp.route("/<path:rest>")
def unknown_path(rest: str):
    """Any other path under /ogc/ is a 404 in the negotiated format."""
    raise FeatureNotFound("/ogc/" + rest, f"there is nothing at /ogc/{rest}",
                          f"Unter /ogc/{rest} gibt es nichts.")
