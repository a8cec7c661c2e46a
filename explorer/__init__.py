"""MINT explorer Bochum: a geographic explorer of MINT learning places."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from . import config
from .config import REPO_ROOT
from .store import PlaceStore, start_watcher

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
    if not app.debug:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    app.extensions["store"] = PlaceStore(app.config["DATA_DIR"], app.config["AREAS_FILE"],
                                         app.config["STATE_DIR"])

    if app.config["RELOAD_INTERVAL"] > 0 and not app.testing:
        start_watcher(app.extensions["store"], app.config["RELOAD_INTERVAL"])

    from .web import api, embed, http, offers, pages, places, planner

    http.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(offers.bp)
    app.register_blueprint(places.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(planner.bp)
    app.register_blueprint(embed.bp)
    return app
