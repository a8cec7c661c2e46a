"""Accounts: admins add accounts and set roles; editors bind providers to places."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import delete, select

from ..db.models import ROLES, Binding, User
from . import accounts
from .web import admin_required, db, editor_required, lang, page, snapshot

bp = Blueprint("users", __name__, url_prefix="/edit/users")


def listing(status: int = 200, errors: dict | None = None, values: dict | None = None):
    session = db()
    users = list(session.execute(select(User).order_by(User.email)).scalars())
    bound: dict[int, list[str]] = {}
    for binding in session.execute(select(Binding)).scalars():
        bound.setdefault(binding.user_id, []).append(binding.place_id)
    places = sorted(((f["id"], f["properties"]["name"]) for f in snapshot().dataset.places),
                    key=lambda x: x[1].casefold())
    return page("editorial/users.html", status, users=users, bound=bound, places=places,
                roles=ROLES, names=dict(places), errors=errors or {}, values=values or {})


@bp.get("/")
@editor_required
def index():
    return listing()


@bp.post("/")
@admin_required
def add():
    session = db()
    values = {k: (request.form.get(k) or "").strip() for k in ("email", "role", "name")}
    try:
        accounts.add_user(session, values["email"], values["role"],
                          request.form.get("password") or "", values["name"] or None)
    except accounts.AccountError as exc:
        field = "password" if "password" in str(exc) else (
            "role" if "role" in str(exc) else "email")
        return listing(400, {field: [str(exc)]}, values)
    session.commit()
    return redirect(url_for("users.index", lang=lang()))


@bp.post("/<int:user_id>/role")
@admin_required
def set_role(user_id: int):
    session = db()
    user = session.get(User, user_id)
    role = request.form.get("role")
    if user is None or role not in ROLES:
        return listing(400, {"role": [f"role {role!r} is not one of {', '.join(ROLES)}"]})
    if user.id == current_user.user_id and role != "admin":
        return listing(400, {"role": ["an admin cannot take away their own admin role"]})
    user.role = role
    user.active = request.form.get("active") == "1" or user.id == current_user.user_id
    session.commit()
    return redirect(url_for("users.index", lang=lang()))


@bp.post("/<int:user_id>/bind")
@editor_required
def bind(user_id: int):
    session = db()
    user = session.get(User, user_id)
    place_id = request.form.get("place_id", "")
    if user is None or place_id not in {f["id"] for f in snapshot().dataset.places}:
        return listing(400, {"place_id": [f"unknown place {place_id!r}"]})
    if session.get(Binding, (user_id, place_id)) is None:
        session.add(Binding(user_id=user_id, place_id=place_id))
    session.commit()
    return redirect(url_for("users.index", lang=lang()))


@bp.post("/<int:user_id>/unbind")
@editor_required
def unbind(user_id: int):
    session = db()
    session.execute(delete(Binding).where(Binding.user_id == user_id,
                                          Binding.place_id == request.form.get("place_id")))
    session.commit()
    return redirect(url_for("users.index", lang=lang()))
