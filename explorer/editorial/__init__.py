"""The editorial workflow: visitors suggest, providers draft, editors review and publish.

``init_app`` sets up Flask-Login (sessions), Flask-WTF (CSRF on every form), Flask-Limiter
(suggestions and logins per client) and the blueprints. Without a database (DATABASE_URL
``none``) the pages answer that editing is switched off.
"""

from __future__ import annotations

from flask import Flask, g
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import RequestEntityTooLarge, TooManyRequests

from ..db.models import User
from ..web.ratelimit import request_client
from .accounts import CurrentUser

csrf = CSRFProtect()
limiter = Limiter(key_func=request_client, default_limits=[],  # trusted proxies respected
                  headers_enabled=True)


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["LIMITER_STORAGE_URI"])
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    csrf.init_app(app)
    limiter.init_app(app)
    login = LoginManager(app)
    login.login_view = "auth.login"
    login.login_message = None
    login.session_protection = "strong"

    @login.user_loader
    def load_user(user_id: str):
        sessions = app.extensions.get("db_sessions")
        if sessions is None:
            return None
        number, _sep, stamp = user_id.partition(":")
        if not number.isdigit():
            return None
        try:
            with sessions() as session:
                user = session.get(User, int(number))
        except DBAPIError:
            # Anonymous for the rest of this request (so the error page can be drawn);
            # the error itself answers 503 through the handler below.
            g._login_user = login.anonymous_user()
            raise
        if user is None or not user.active or CurrentUser(user).id != user_id:
            return None  # gone, deactivated, or the password changed since this login
        return CurrentUser(user)

    from . import views_auth, views_desk, views_review, views_suggest, views_users
    from .web import EditingDisabled, notice
    from .workflow import Denied, Invalid

    @app.errorhandler(Denied)
    def denied(exc):
        return notice("forbidden", 403)

    @app.errorhandler(Invalid)
    def invalid(exc):
        if not exc.problems:
            return notice("not_found", 404)
        return notice("errors", 400, problems=[f"{p.field}: {p.message}" for p in
                                               exc.problems])

    @app.errorhandler(EditingDisabled)
    def disabled(exc):
        return notice("editing_disabled", 404)

    for module in (views_auth, views_suggest, views_desk, views_review, views_users):
        app.register_blueprint(module.bp)

    from ..web.http import copy_exception_headers, json_error, wants_json

    @app.errorhandler(DBAPIError)
    def database_down(exc: DBAPIError):
        app.logger.error("database error on a write: %s", exc.orig if exc.orig else exc)
        if wants_json():
            return json_error(503, "the database cannot be reached; nothing was saved")
        return notice("db_down", 503)

    @app.errorhandler(CSRFError)
    def csrf_failed(exc: CSRFError):
        return notice("csrf", 400)

    @app.errorhandler(RequestEntityTooLarge)
    @app.errorhandler(TooManyRequests)
    def refused(exc):
        """Pages answer in their language; the API keeps its JSON errors."""
        if wants_json():
            response = json_error(exc.code, exc.description or exc.name)
        else:
            response = notice("too_large" if exc.code == 413 else "too_many", exc.code)
        copy_exception_headers(exc, response)
        return response

    @app.teardown_appcontext
    def close_session(_exc) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
