"""MINT explorer Bochum: a geographic explorer of MINT learning places."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from . import config
from .config import REPO_ROOT, SettingError
from .db import database_url, make_engine, session_factory
from .db.seed import prepare
from .db.source import DatabaseSource
from .store import PlaceStore, start_watcher
from .web import ratelimit

__all__ = ["create_app"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Defaults, then ``EXPLORER_*`` environment, then ``test_config``; then the store."""
    app = Flask(__name__, template_folder=str(REPO_ROOT / "templates"),
                static_folder="static")
    app.config.update(config.defaults())
    app.config.update(config.from_env())
    if test_config:
        app.config.update(test_config)
    app.config["JSON_SORT_KEYS"] = False
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    from .web.address import AddressLookup

    # first, so that settings which cannot work stop start-up before any data is loaded
    app.extensions["address_lookup"] = AddressLookup.from_config(app.config)
    admission(app)
    if not app.debug:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    app.secret_key = secret_key(app.config)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=app.config["COOKIE_SECURE"],
                      REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax",
                      REMEMBER_COOKIE_SECURE=app.config["COOKIE_SECURE"],
                      WTF_CSRF_TIME_LIMIT=None)
    source = None
    url = database_url(app.config)
    if url:
        engine = make_engine(url)
        prepare(engine, Path(app.config["DATA_DIR"]), app.config["AREAS_FILE"] or None)
        app.extensions["db"] = engine
        app.extensions["db_sessions"] = session_factory(engine)
        source = DatabaseSource(engine)
    app.extensions["store"] = PlaceStore(app.config["DATA_DIR"], app.config["AREAS_FILE"],
                                         app.config["STATE_DIR"], source)

    from . import editorial, ogc
    from .web import (
        api,
        catalog,
        downloads,
        embed,
        gate,
        http,
        offers,
        pages,
        places,
        planner,
        warm,
    )

    http.init_app(app)
    planner_gate = gate.PlannerGate(app.wsgi_app, app.extensions["limits"],
                                    app.extensions["trusted_proxies"],
                                    app.config["PLANNER_REQUEST_LIMIT"],
                                    app.config["PLANNER_HOLD_S"],
                                    app.config["PLANNER_REQUESTS_PER_SECOND"])
    app.wsgi_app = app.extensions["planner_gate"] = planner_gate  # outermost
    app.extensions["recent_queries"] = warm.RecentQueries()
    app.extensions["store"].before_swap = lambda snap: warm.warm(app, snap)
    editorial.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(offers.bp)
    app.register_blueprint(places.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(planner.bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(ogc.bp)
    app.register_blueprint(downloads.bp)
    app.register_blueprint(catalog.bp)
    if app.config["RELOAD_INTERVAL"] > 0 and not app.testing:  # once the swap hook is set
        start_watcher(app.extensions["store"], app.config["RELOAD_INTERVAL"])
    return app


def secret_key(cfg: dict[str, Any]) -> str:
    """SECRET_KEY, or a random one kept in STATE_DIR so restarts keep sessions valid."""
    if cfg["SECRET_KEY"]:
        return cfg["SECRET_KEY"]
    path = Path(cfg["STATE_DIR"]) / "secret_key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first: use that one
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key)
    return key


def admission(app: Flask) -> None:
    """Per-client limits (shared storage), trusted proxies and the planner's pool."""
    cfg = app.config
    try:
        app.extensions["trusted_proxies"] = ratelimit.parse_networks(cfg["TRUSTED_PROXIES"])
    except ValueError as exc:
        raise SettingError(f"EXPLORER_TRUSTED_PROXIES: {exc}") from None
    try:
        app.extensions["limits"] = ratelimit.ClientLimits(cfg["LIMITER_STORAGE_URI"])
    except Exception as exc:  # noqa: BLE001 - limits raises several types for bad URIs
        raise SettingError(f"EXPLORER_LIMITER_STORAGE_URI={cfg['LIMITER_STORAGE_URI']!r}"
                           f" cannot be used: {exc}") from None
    app.extensions["planner_pool"] = ratelimit.Pool(
        cfg["PLANNER_WORKERS"], cfg["PLANNER_QUEUE"], cfg["PLANNER_QUEUE_WAIT"])
