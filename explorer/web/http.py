"""Cross-cutting HTTP behaviour: security headers, CORS, ETags, cached gzip, errors.

Compressed bodies are cached by ETag, so a popular filtered answer is compressed once
(../shared/PERFORMANCE.md: gzip per request was 6x slower at 10,000 places).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, g, jsonify, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from .. import config
from ..config import MAX_HOST, host_name
from ..i18n import texts
from ..query import ParamError

COMPRESSIBLE = ("application/json", "application/geo+json", "text/html", "text/css",
                "text/javascript", "application/javascript", "text/csv", "image/svg+xml",
                "text/turtle", "application/ld+json", "application/vnd.oai.openapi+json")
MIN_GZIP_BYTES = 1024
LARGE_BODY = 64 * 1024  # above this, compress fast (level 1): a miss must stay cheap
BAD_HOST = "explorer.bad_host"  # environ key: why HostGuard refused the Host header
MALFORMED_HOST = "malformed Host header"
log = logging.getLogger(__name__)


class ByteCache:
    """A thread-safe LRU of bytes, bounded by total size, not entry count."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._data: OrderedDict[object, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: object) -> bytes | None:
        with self._lock:
            value = self._data.get(key)
            if value is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: object, value: bytes) -> None:
        if len(value) > self.max_bytes // 4:
            return  # one huge answer must not flush everything else
        with self._lock:
            old = self._data.pop(key, None)
            self._size += len(value) - (len(old) if old else 0)
            self._data[key] = value
            while self._size > self.max_bytes and self._data:
                _key, dropped = self._data.popitem(last=False)
                self._size -= len(dropped)


def tile_origin(tile_url: str) -> str:
    """CSP source for the tile server: scheme and host, '{s}' subdomains as a wildcard."""
    if not tile_url:
        return ""
    parts = urlsplit(tile_url.replace("{s}", "tiles-sub"))
    host = parts.netloc.replace("tiles-sub", "*")
    return f"{parts.scheme}://{host}" if parts.scheme and host else ""


def content_security_policy(frame_ancestors: str) -> str:
    tiles = tile_origin(current_app.config["TILE_URL"])
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src 'self' data: {tiles}".strip(),
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ])


def accepts_gzip() -> bool:
    """gzip;q=0 (or *;q=0 without gzip) refuses gzip: the quality counts, not the word."""
    return request.accept_encodings.quality("gzip") > 0


def compress(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=1 if len(body) > LARGE_BODY else 6, mtime=0)


def cached_gzip(etag: str, mimetype: str) -> Response | None:
    """A ready compressed answer for this ETag, before any work is done to build one."""
    if not accepts_gzip():
        return None
    compressed = current_app.extensions["gzip_cache"].get((request.path, etag))
    if compressed is None:
        return None
    response = Response(compressed, mimetype=mimetype)
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['CACHE_MAX_AGE']}"
    response.vary.add("Accept-Encoding")
    response.set_etag(etag + "-gz")
    return response


def etag_for(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:20]


def cached_response(body: str | bytes, etag: str, mimetype: str,
                    max_age: int | None = None) -> Response:
    """A response with ETag and Cache-Control; answers 304 when the client has it."""
    max_age = current_app.config["CACHE_MAX_AGE"] if max_age is None else max_age
    if request.if_none_match.contains(etag) or request.if_none_match.contains(etag + "-gz"):
        response = Response(status=304)
    else:
        response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


def json_error(status: int, message: str, parameter: str | None = None,
               **extra: object) -> Response:
    payload: dict[str, object] = {"error": message, "status": status}
    if parameter is not None:
        payload["parameter"] = parameter
    payload.update(extra)
    response = jsonify(payload)
    response.status_code = status
    return response


JSON_PATHS = frozenset({"/oembed", "/embed/snippet"})


def wants_json() -> bool:
    """API-style endpoints answer errors in JSON; pages answer with an HTML page."""
    return (request.path.startswith(("/api/", "/planner/export/"))  # scripts call exports
            or request.path in JSON_PATHS)


def copy_exception_headers(exc: HTTPException, response: Response) -> None:
    """Keep what werkzeug puts on an error (Allow on 405, Retry-After on 429)."""
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value


def error_page(status: int, message: str, parameter: str | None = None) -> str:
    """The error page in the page's language; the technical detail (English) only in the
    English page, so that no English reaches the German one."""
    lang = "en" if request.args.get("lang") == "en" else "de"
    return render_template("error.html", status=status, parameter=parameter,
                           message=message, lang=lang, t=texts(lang))


def public_base_url() -> str:
    """What every absolute URL the app writes starts with (no trailing slash):
    EXPLORER_PUBLIC_URL when set, else the request's scheme, Host (one HostGuard let
    through) and root path."""
    return current_app.config["PUBLIC_URL"] or request.url_root.rstrip("/")


def public_url_for(endpoint: str, **values: object) -> str:
    """``url_for(..., _external=True)``, but under :func:`public_base_url`."""
    return public_base_url() + url_for(endpoint, **values).removeprefix(request.script_root)


def host_allowed(name: str, allowed: frozenset[str] | None) -> bool:
    """``name`` (from config.host_name) is in ``allowed`` or under a '.example.org' entry;
    None allows any. (werkzeug's host_is_trusted cuts an entry at its first ':', so it
    cannot match '[::1]'.)"""
    return allowed is None or name in allowed or any(
        ref[0] == "." and (name == ref[1:] or name.endswith(ref)) for ref in allowed)


class HostGuard:
    """WSGI middleware: a Host header that is malformed or not allowed never reaches Flask.

    werkzeug puts the Host into every URL it builds and IDNA-encodes or decodes it on the
    way: a 64-character label or ``xn--zz`` raised inside the error page's own url_for (500,
    a traceback per request), and the Host was copied into snippets and oEmbed answers.
    Such a request is routed under a known host instead, with the reason in the environ,
    and answered 400 (the usual error page) by init_app's first before_request, so nothing,
    not even that error page, sees the client's value.
    """

    WARN_EVERY = 10.0  # seconds: at most one log line per interval for refused hosts

    def __init__(self, wsgi_app, allowed: frozenset[str] | None, fallback: str) -> None:
        self.wsgi_app, self.allowed, self.fallback = wsgi_app, allowed, fallback
        self._checked = functools.lru_cache(maxsize=256)(self._check)
        self._warned_at = -self.WARN_EVERY
        self._unlogged = 0

    def _check(self, host: str) -> str | None:
        name = host_name(host)
        if name is None:
            return MALFORMED_HOST
        if not host_allowed(name, self.allowed):
            return "this Host is not served here (EXPLORER_ALLOWED_HOSTS)"
        return None

    def refusal(self, host: str | None) -> str | None:
        """Why this Host header cannot be served, or None."""
        if not host:
            return "empty or missing Host header"
        return MALFORMED_HOST if len(host) > MAX_HOST else self._checked(host)

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST")
        if host is None and environ.get("SERVER_PROTOCOL") == "HTTP/1.0":
            environ["HTTP_HOST"] = self.fallback  # HTTP/1.0 may leave it out
        elif problem := self.refusal(host):
            self._warn(host or "", problem)
            environ["HTTP_HOST"] = self.fallback
            environ[BAD_HOST] = problem
        return self.wsgi_app(environ, start_response)

    def _warn(self, host: str, problem: str) -> None:
        now = time.monotonic()
        if now - self._warned_at < self.WARN_EVERY:
            self._unlogged += 1
            return
        more = f" ({self._unlogged} more refused since the last line)" if self._unlogged else ""
        self._warned_at, self._unlogged = now, 0
        log.warning("400, %s: %r%s", problem, host[:80], more)


def init_app(app: Flask) -> None:
    config.validate(app.config)
    public = app.config["PUBLIC_URL"]
    app.wsgi_app = HostGuard(app.wsgi_app, config.allowed_hosts(app.config),
                             urlsplit(public).netloc if public else "localhost")
    app.add_template_global(public_url_for)

    @app.before_request  # the first one: nothing else runs for a refused Host
    def refuse_bad_host() -> None:
        if problem := request.environ.get(BAD_HOST):
            abort(400, description=problem)

    cache = ByteCache(app.config["RESPONSE_CACHE_MB"] * 1024 * 1024)
    app.extensions["gzip_cache"] = cache
    app.extensions["body_cache"] = ByteCache(app.config["RESPONSE_CACHE_MB"] * 1024 * 1024)

    @app.errorhandler(ParamError)
    def bad_param(exc: ParamError):
        if wants_json():
            return json_error(400, exc.message, exc.parameter)
        return error_page(400, exc.message, exc.parameter), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if wants_json():
            response = json_error(exc.code or 500, exc.description or exc.name)
            copy_exception_headers(exc, response)
            return response
        response = app.make_response((error_page(exc.code or 500,
                                                  exc.description or exc.name), exc.code))
        copy_exception_headers(exc, response)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        if wants_json():
            return json_error(500, "internal error; it has been logged")
        return error_page(500, ""), 500

    @app.after_request
    def headers(response: Response) -> Response:
        h = response.headers
        embeddable = getattr(g, "embeddable", False)
        ancestors = app.config["EMBED_FRAME_ANCESTORS"] if embeddable else "'self'"
        h.setdefault("Content-Security-Policy", content_security_policy(ancestors))
        if not embeddable:
            h.setdefault("X-Frame-Options", "SAMEORIGIN")
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        h.setdefault("Permissions-Policy",
                     "geolocation=(self), camera=(), microphone=(), payment=(), usb=()")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if wants_json():
            h["Access-Control-Allow-Origin"] = "*"
            h["Access-Control-Allow-Methods"] = "GET, OPTIONS"
            h["Access-Control-Allow-Headers"] = "If-None-Match"
            h["Access-Control-Expose-Headers"] = "ETag"
        return _compress(response, cache)


def _compress(response: Response, cache: ByteCache) -> Response:
    if (
        response.status_code != 200
        or not accepts_gzip()
        or response.mimetype not in COMPRESSIBLE
        or "Content-Encoding" in response.headers
    ):
        return response
    response.direct_passthrough = False
    body = response.get_data()
    if len(body) < MIN_GZIP_BYTES:
        return response
    etag, _weak = response.get_etag()
    key = (request.path, etag) if etag else None
    compressed = cache.get(key) if key else None
    if compressed is None:
        compressed = compress(body)
        if key:
            cache.put(key, compressed)
    response.set_data(compressed)
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Length"] = str(len(compressed))
    response.vary.add("Accept-Encoding")
    if etag:  # a different representation needs a different tag
        response.set_etag(etag + "-gz")
    return response
