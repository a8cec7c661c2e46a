"""Log in and out, and reset a forgotten password by an e-mailed, signed link."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, request, url_for
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField

from . import accounts, limiter
from .mail import MailError, send_mail
from .texts import texts
from .web import db, lang, notice, page

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField()
    password = PasswordField()
    next = StringField()


class ResetRequestForm(FlaskForm):
    email = EmailField()


class ResetForm(FlaskForm):
    password = PasswordField()


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def safe_next(target: str | None) -> str:
    """Only a plain path on this site: no scheme, host, backslash, space or control
    character (browsers drop tabs, so '/\t/evil' would become '//evil')."""
    fallback = url_for("desk.dashboard", lang=lang())
    if not target or len(target) > 500 or any(c.isspace() or ord(c) < 32 or c == "\\"
                                               for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if not form.is_submitted():
        form.next.data = request.args.get("next", "")
        return page("editorial/login.html", form=form)
    if form.validate():
        user = accounts.authenticate(db(), form.email.data or "", form.password.data or "")
        if user is not None:
            login_user(accounts.CurrentUser(user))
            return redirect(safe_next(form.next.data))
    return page("editorial/login.html", 401, form=form, failed=True)


@bp.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("pages.index", lang=lang()))


def public_url() -> str | None:
    """Links in mails use the configured address only: a Host header is the client's word
    and would let anyone send a victim a real reset link to their own site."""
    return (current_app.config["PUBLIC_URL"] or "").rstrip("/") or None


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if not form.validate_on_submit():
        return page("editorial/reset_request.html", form=form)
    user = accounts.by_email(db(), form.email.data or "")
    base = public_url()
    if base is None:
        current_app.logger.error("password reset asked, but EXPLORER_PUBLIC_URL is not set")
    elif user is not None and user.active:
        t = texts(lang())
        token = accounts.reset_token(current_app.secret_key, user)
        link = f"{base}{url_for('auth.reset', token=token, lang=lang())}"
        try:
            send_mail(current_app.config, user.email, t["reset_subject"],
                      f"{t['reset_body']}\n\n{link}\n")
        except MailError as exc:
            current_app.logger.error("password reset mail to %s failed: %s", user.email, exc)
    return notice("reset_sent")  # the same answer whether or not the address is known


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def reset(token: str):
    session = db()
    user = accounts.user_for_token(session, current_app.secret_key, token)
    if user is None:
        return notice("reset_invalid", 400)
    form = ResetForm()
    if not form.validate_on_submit():
        return page("editorial/reset.html", form=form)
    try:
        accounts.set_password(user, form.password.data or "")
    except accounts.AccountError as exc:
        return page("editorial/reset.html", 400, form=form,
                    errors={"password": [str(exc)]})
    session.commit()
    return notice("reset_done")
