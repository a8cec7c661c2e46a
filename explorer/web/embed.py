"""Embedding for partner sites: /embed, the builder, its snippet and oEmbed."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from flask import Blueprint, abort, current_app, g, jsonify, render_template, request
from werkzeug.datastructures import MultiDict

from .. import embed
from ..i18n import texts
from ..query import MultiArgs, ParamError, PlaceQuery
from .http import public_base_url
from .pages import html_page, page_context, snapshot

bp = Blueprint("embed", __name__)
SNIPPET_PARAMS = embed.EMBED_PARAMS | {"width", "height", "responsive"}


def snippet_for(args) -> dict:
    snap = snapshot()
    query = PlaceQuery.from_args(args, snap, current_app.config["DEFAULT_LANG"],
                                 allowed=frozenset(SNIPPET_PARAMS))
    options = embed.EmbedOptions.from_args(args)
    width = embed.size("width", MultiArgs(args).get("width"), 800)
    height = embed.size("height", MultiArgs(args).get("height"), 500)
    responsive = MultiArgs(args).get("responsive", "1")
    if responsive not in ("0", "1"):
        raise ParamError("responsive", "must be 0 or 1")
    t = texts(query.lang)
    filters = embed.filter_params(args)
    base = public_base_url()
    html = embed.snippet(base, filters, options, t["title"], t["open_full"],
                         width, height, responsive == "1")
    return {"snippet": html, "src": embed.embed_url(base, filters, options),
            "width": width, "height": height, "title": t["title"],
            "filters": filters, "options": options.as_params()}


@bp.get("/embed")
def embed_page():
    g.embeddable = True
    snap = snapshot()
    query = PlaceQuery.from_args(request.args, snap, current_app.config["DEFAULT_LANG"],
                                 allowed=embed.EMBED_PARAMS)
    options = embed.EmbedOptions.from_args(request.args)
    extra = {
        "embed": {"theme": options.theme, "zoom": options.zoom,
                  "center": list(options.center) if options.center else None,
                  "fit": options.center is None and options.zoom is None},
        "pageParams": options.as_params(),
        "filters_shown": options.show_filters,
    }
    context = page_context(snap, query, "embed", extra)
    context.update(options=options, full_url="/?" + urlencode(embed.filter_params(request.args)))
    return html_page("embed.html", snap, request.full_path, context)


@bp.get("/embed/builder")
def builder():
    snap = snapshot()
    query = PlaceQuery.from_args(request.args, snap, current_app.config["DEFAULT_LANG"],
                                 allowed=frozenset(SNIPPET_PARAMS))
    context = page_context(snap, query, "builder")
    context["snippet"] = snippet_for(request.args)
    context["base_url"] = public_base_url()
    return render_template("builder.html", **context)


@bp.get("/embed/snippet")
def snippet():
    return jsonify(snippet_for(request.args))


@bp.get("/oembed")
def oembed():
    args = MultiArgs(request.args)
    unknown = sorted(set(args) - {"url", "format", "maxwidth", "maxheight"})
    if unknown:
        raise ParamError(unknown[0], f"unknown parameter {unknown[0]!r} (allowed: url, "
                                     "format, maxwidth, maxheight)")
    fmt = args.get("format", "json")
    if fmt != "json":
        abort(501, description=f"format {fmt!r} is not supported; use format=json")
    url = args.get("url")
    if not url:
        raise ParamError("url", "is required: the URL of a map page of this site")
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise ParamError("url", f"not a URL: {exc}") from None
    site = urlsplit(public_base_url())
    if (parts.netloc not in (site.netloc, request.host)
            or parts.path not in (site.path + "/", site.path + "/embed")):
        abort(404, description="url is not a map page of this site")
    page_args = MultiDict(parse_qsl(parts.query))
    unknown_page = sorted(set(page_args) - embed.EMBED_PARAMS)
    if unknown_page:
        raise ParamError("url", f"the map URL has an unknown parameter {unknown_page[0]!r}")
    width = min(embed.size("maxwidth", args.get("maxwidth"), 800), 800)
    height = min(embed.size("maxheight", args.get("maxheight"), 500), 500)
    page_args.setlist("width", [str(width)])
    page_args.setlist("height", [str(height)])
    page_args.setlist("responsive", ["0"])
    try:
        result = snippet_for(page_args)
    except ParamError as exc:  # a problem inside the map URL is a problem of `url`
        raise ParamError("url", f"{exc.parameter}: {exc.message}") from None
    return jsonify({
        "version": "1.0",
        "type": "rich",
        "title": result["title"],
        "provider_name": "MINT explorer Bochum",
        "provider_url": public_base_url() + "/",
        "html": result["snippet"],
        "width": result["width"],
        "height": result["height"],
        "cache_age": 3600,
    })


@bp.app_context_processor
def oembed_discovery() -> dict:
    """Map pages advertise their oEmbed URL so CMSs can embed them from a link."""
    if request.endpoint not in ("pages.index", "embed.embed_page"):
        return {}
    page_url = public_base_url() + request.full_path.rstrip("?")
    return {"oembed_href": "/oembed?format=json&url=" + quote(page_url, safe="")}


