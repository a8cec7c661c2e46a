"""Helpers shared by the editorial views: language, database session, roles, pages."""

from __future__ import annotations

import functools

from flask import abort, current_app, g, render_template, request
from flask_login import current_user
from sqlalchemy.orm import Session

from ..db.models import User
from ..i18n import texts as site_texts
from .texts import message, texts


def lang() -> str:
    value = request.args.get("lang") or current_app.config["DEFAULT_LANG"]  # forms post to ?lang=
    return value if value in ("de", "en") else "de"


class EditingDisabled(Exception):
    """The app serves files only (DATABASE_URL none): there is nothing to edit."""


def db() -> Session:
    """This request's database session (closed at the end of the request)."""
    sessions = current_app.extensions.get("db_sessions")
    if sessions is None:
        raise EditingDisabled()
    if "db_session" not in g:
        g.db_session = sessions()
    return g.db_session


def account() -> User:
    """The logged-in account's row, loaded in this request's session."""
    user = db().get(User, current_user.user_id)
    if user is None or not user.active:
        abort(403)
    return user


def page(template: str, status: int = 200, **context):
    language = lang()
    context.setdefault("errors", {})
    body = render_template(template, lang=language, t=texts(language),
                           site=site_texts(language), other_lang="en" if language == "de"
                           else "de", msg=lambda m: message(m, language),
                           user=current_user, **context)
    response = current_app.make_response((body, status))
    response.headers["Cache-Control"] = "no-store"
    return response


def notice(key: str, status: int = 200, **context):
    """A short page with one message (errors of the editorial pages included)."""
    extra = {"csrf": ("Das Formular ist abgelaufen. Bitte laden Sie die Seite neu.",
                      "The form has expired. Please reload the page.")}
    language = lang()
    text = extra[key][language == "en"] if key in extra else texts(language).get(key, key)
    return page("editorial/notice.html", status, text=text, **context)


def role_required(allowed: str):
    """Only logged-in accounts for which ``current_user.<allowed>`` holds; others 403."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not getattr(current_user, allowed):
                return notice("forbidden", 403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


editor_required = role_required("is_editor")
admin_required = role_required("is_admin")


def snapshot():
    return current_app.extensions["store"].snapshot


def taxonomy_choices(section: str, language: str) -> list[tuple[str, str]]:
    """(value, label) for a select: taxonomy sections and the fixed choice lists."""
    from ..districts import STADTBEZIRKE, STADTTEILE

    t = texts(language)
    fixed = {
        "stadtbezirke": [("", t["c_unknown"])] + [(b, b) for b in STADTBEZIRKE],
        "stadtteile": [("", t["c_unknown"])] + [(teil, f"{teil} ({bezirk})")
                                                for bezirk, teile in STADTTEILE.items()
                                                for teil in teile],
        "wheelchair": [("", t["c_unknown"]), ("yes", t["c_yes"]),
                       ("limited", t["c_limited"]), ("no", t["c_no"])],
        "tristate": [("", t["c_unknown"]), ("yes", t["c_yes"]), ("no", t["c_no"])],
        "statuses": [("active", t["c_active"]), ("unconfirmed", t["c_unconfirmed"]),
                     ("paused", t["c_paused"]),
                     ("ended", t["c_ended"])],
    }
    if section in fixed:
        return fixed[section]
    entries = snapshot().taxonomy[section]
    return [(k, v.get(language) or v["de"]) for k, v in entries.items()]
