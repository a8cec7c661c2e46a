"""The review queue: a submission beside the published record, field by field; approve,
edit then approve, or reject with a reason the submitter sees."""

from __future__ import annotations

import json

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user, login_required

from ..db import records
from ..db.models import OFFER, PLACE, Submission
from . import recordform, workflow
from .views_desk import checker, conflict_page, render_form, save
from .web import account, db, editor_required, lang, notice, page

bp = Blueprint("review", __name__, url_prefix="/edit/submission")


def visible(sub: Submission | None) -> Submission:
    """Editors see every submission, a provider only their own."""
    if sub is None:
        raise workflow.Invalid([])
    if not current_user.is_editor and sub.user_id != current_user.user_id:
        raise workflow.Denied("not your submission")
    return sub


@bp.get("/<int:sub_id>")
@login_required
def show(sub_id: int):
    session = db()
    sub = visible(session.get(Submission, sub_id))
    kind = sub.kind if sub.kind in (PLACE, OFFER) else (OFFER if sub.target_id else PLACE)
    target = sub.target_id or sub.place_id
    row = records.get(session, kind, target) if target else None
    published = json.loads(row.data) if row else None
    proposed = json.loads(sub.data) if sub.data else None
    rows = records.changes(published, proposed) if proposed is not None else []
    stale = bool(row and sub.base_version and sub.base_version != row.version)
    return page("editorial/review.html", sub=sub, kind=kind, target=target, rows=rows,
                published=published, stale=stale)


@bp.post("/<int:sub_id>/approve")
@editor_required
def approve(sub_id: int):
    session = db()
    sub = visible(session.get(Submission, sub_id))
    try:
        workflow.approve(session, account(), sub, check=checker())
    except workflow.Conflict:
        session.rollback()
        return conflict_page(sub.kind, sub.target_id, sub.place_id, json.loads(sub.data),
                             sub.id)
    session.commit()
    return redirect(url_for("desk.dashboard", lang=lang(), approved=sub_id))


@bp.post("/<int:sub_id>/reject")
@editor_required
def reject(sub_id: int):
    session = db()
    sub = visible(session.get(Submission, sub_id))
    reason = (request.form.get("reason") or "").strip()[:2000]
    if not reason:
        return page("editorial/review.html", 400, sub=sub, kind=sub.kind,
                    target=sub.target_id, rows=[], published=None, stale=False,
                    errors={"reason": ["must be a non-empty text"]})
    workflow.reject(session, account(), sub, reason)
    session.commit()
    return redirect(url_for("desk.dashboard", lang=lang(), rejected=sub_id))


@bp.post("/<int:sub_id>/submit")
@login_required
def submit(sub_id: int):
    session = db()
    sub = visible(session.get(Submission, sub_id))
    workflow.submit(session, account(), sub)
    session.commit()
    return redirect(url_for("desk.dashboard", lang=lang(), submitted=sub_id))


@bp.route("/<int:sub_id>/edit", methods=["GET", "POST"])
@editor_required
def edit_then_approve(sub_id: int):
    """The record form, filled with the proposal (or, for a report, the published record);
    publishing it closes the submission."""
    session = db()
    sub = visible(session.get(Submission, sub_id))
    if sub.state != "submitted":
        return notice("not_found", 404)
    kind = sub.kind if sub.kind in (PLACE, OFFER) else (OFFER if sub.target_id else PLACE)
    target = sub.target_id if sub.kind != "report" else (sub.target_id or sub.place_id)
    row = records.get(session, kind, target) if target else None
    if request.method == "POST":
        return save(kind, target if row else None, sub.place_id, sub)
    data = json.loads(sub.data) if sub.data else (json.loads(row.data) if row else None)
    values = recordform.values_of(kind, data)
    if row is None and data:
        values["id"] = target
    return render_form(kind, target if row else None, sub.place_id, values,
                       row.version if row else 0, submission=sub.id)
