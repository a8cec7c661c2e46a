"""The editorial desk: dashboard, record forms, "still correct", history and restore.

Providers' saves become drafts (then submissions) for their own places only; editors'
saves are published at once, as a revision. Every save carries the version it was based
on, so a concurrent change answers with the conflict page, never an overwrite.
"""

from __future__ import annotations

import json

from flask import Blueprint, current_app, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..db import records
from ..db.models import OFFER, PLACE, Revision, Submission
from . import recordform, workflow
from .web import (
    account,
    db,
    editor_required,
    lang,
    notice,
    page,
    snapshot,
    taxonomy_choices,
)

bp = Blueprint("desk", __name__, url_prefix="/edit")
FIELDS = {PLACE: recordform.PLACE_FIELDS, OFFER: recordform.OFFER_FIELDS}


@bp.get("/")
@login_required
def dashboard():
    session, user = db(), account()
    mine = set() if current_user.is_editor else workflow.bound_places(session, user)
    snap = snapshot()
    names = {f["id"]: f["properties"]["name"] for f in snap.dataset.places}
    own = [(pid, names.get(pid, pid), records.feature_of(session, pid)) for pid in sorted(mine)]
    submissions = list(session.execute(select(Submission).where(
        Submission.user_id == user.id).order_by(Submission.updated_at.desc())).scalars())
    context = {"own": own, "submissions": submissions, "names": names}
    months = current_app.config["STALE_MONTHS"]
    if current_user.is_editor:
        context["queue"] = list(session.execute(select(Submission).where(
            Submission.state == "submitted").order_by(Submission.created_at)).scalars())
        context["stale"] = workflow.stale(session, months)[:100]
        q = (request.args.get("q") or "").strip().casefold()
        context["places"] = sorted(((pid, n) for pid, n in names.items()
                                    if not q or q in n.casefold() or q in pid),
                                   key=lambda x: x[1].casefold())[:200]
        context["q"] = q
    else:
        context["stale"] = workflow.stale(session, months, places=mine)
    context["months"] = months
    return page("editorial/dashboard.html", **context)


def form_values(kind: str) -> dict:
    values = request.form.to_dict()
    for field in FIELDS[kind]:
        if field.kind == "multi":
            values[field.name] = request.form.getlist(field.name)
    return values


def render_form(kind: str, record_id: str | None, place_id: str | None, values: dict,
                version: int, status: int = 200, errors: dict | None = None,
                submission: int | None = None):
    offers = [json.loads(r.data) for r in records.offers_of(db(), record_id)] \
        if kind == PLACE and record_id else []
    return page("editorial/record.html", status, kind=kind, record_id=record_id,
                place_id=place_id, values=values, version=version, errors=errors or {},
                fields=FIELDS[kind], submission=submission, offers=offers,
                choices=all_choices())


def all_choices() -> dict[str, list[tuple[str, str]]]:
    sections = {f.section for fields in FIELDS.values() for f in fields if f.section}
    return {s: taxonomy_choices(s, lang()) for s in sections}


def parse(kind: str, base: dict | None, record_id: str | None, place_id: str | None):
    """The record the form describes and its problems (form field -> messages)."""
    errors = recordform.FormErrors()
    if record_id is None:
        record_id = recordform.new_id(request.form, errors)
        if not errors and records.get(db(), kind, record_id) is not None:
            errors.add("id", f"{record_id!r} is used already")
    build = recordform.place_from_form if kind == PLACE else recordform.offer_from_form
    data, more = build(request.form, base, record_id)
    for name, messages in more.items():
        for m in messages:
            errors.add(name, m)
    snap = snapshot()
    for problem in workflow.problems_for(db(), kind, record_id, data, place_id,
                                         snap.taxonomy, snap.dataset.holidays):
        errors.add(recordform.form_field(problem.field, kind), problem.message)
    return record_id, data, errors


def owner_of(kind: str, record_id: str | None, place_id: str | None) -> str | None:
    """The place a record belongs to; for a provider's unpublished new record, the place
    of their draft of it."""
    session = db()
    owner = workflow.owning_place(session, kind, record_id, place_id)
    if owner is None and record_id:
        draft = workflow.own_draft(session, account(), kind, record_id)
        owner = draft.place_id if draft is not None else None
    return owner


def checker():
    """explorer check's rules for one record, as the workflow calls them."""
    snap = snapshot()
    return lambda kind, rid, data, pid: workflow.problems_for(
        db(), kind, rid, data, pid, snap.taxonomy, snap.dataset.holidays)


def save(kind: str, record_id: str | None, place_id: str | None,
         submission: Submission | None = None):
    """POST of a record form: validate, then publish (editor; with ``submission``, as its
    decision) or keep as a draft (provider)."""
    session, user = db(), account()
    owner = owner_of(kind, record_id, place_id)
    workflow.require_edit(session, user, owner)
    row = records.get(session, kind, record_id) if record_id else None
    base = json.loads(row.data) if row else None
    version = request.form.get("version", 0, type=int)  # garbage -> 0 -> a conflict page
    record_id_new, data, errors = parse(kind, base, record_id, owner)
    sub_id = submission.id if submission is not None else None
    if errors:
        return render_form(kind, record_id, owner, form_values(kind), version, 400,
                           errors, sub_id)
    action = request.form.get("action", "draft")
    reason = (request.form.get("reason") or "").strip()[:2000] or None
    try:
        if submission is not None and submission.data is None:
            # a report: publish the edited record, which closes the report
            records.publish(session, kind, record_id_new, data, base_version=version,
                            author=user.email, reason=reason or submission.message,
                            place_id=owner, submission_id=submission.id)
            workflow.close(session, submission, user, "approved", None)
        elif submission is not None:
            submission.base_version, submission.target_id = version, record_id_new
            workflow.approve(session, user, submission, data=data, reason=reason)
        elif current_user.is_editor:
            records.publish(session, kind, record_id_new, data, base_version=version,
                            author=user.email, reason=reason, place_id=owner)
        else:
            workflow.save_draft(session, user, kind=kind, record_id=record_id_new,
                                place_id=owner, data=data, base_version=version,
                                submit=action == "submit")
    except workflow.Conflict:
        session.rollback()
        if row is None:  # a new record whose id was taken meanwhile: never overwrite it
            errors.add("id", f"{record_id_new!r} is used already")
            return render_form(kind, record_id, owner, form_values(kind), version, 400,
                               errors, sub_id)
        return conflict_page(kind, record_id_new, owner, data, sub_id)
    session.commit()
    return redirect(url_for("desk.dashboard", lang=lang(), saved=1))


def conflict_page(kind: str, record_id: str, place_id: str | None, mine: dict,
                  submission: int | None):
    row = records.get(db(), kind, record_id)
    published = json.loads(row.data) if row else None
    return page("editorial/conflict.html", 409, kind=kind, record_id=record_id,
                place_id=place_id, rows=records.changes(published, mine),
                values=recordform.values_of(kind, mine), version=row.version if row else 0,
                fields=FIELDS[kind], submission=submission, choices=all_choices())


def edit(kind: str, record_id: str | None, place_id: str | None):
    session, user = db(), account()
    owner = owner_of(kind, record_id, place_id)
    workflow.require_edit(session, user, owner)
    if request.method == "POST":
        return save(kind, record_id, place_id)
    row = records.get(session, kind, record_id) if record_id else None
    draft = workflow.own_draft(session, user, kind, record_id) if record_id else None
    if record_id and row is None and draft is None:
        return notice("not_found", 404)
    data = json.loads(draft.data) if draft is not None else (
        json.loads(row.data) if row else None)
    return render_form(kind, record_id, owner, recordform.values_of(kind, data),
                       draft.base_version if draft else (row.version if row else 0))


@bp.route("/place/<place_id>", methods=["GET", "POST"])
@login_required
def edit_place(place_id: str):
    return edit(PLACE, place_id, None)


@bp.route("/new-place", methods=["GET", "POST"])
@editor_required
def new_place():
    return edit(PLACE, None, None)


@bp.route("/place/<place_id>/new-offer", methods=["GET", "POST"])
@login_required
def new_offer(place_id: str):
    if records.get(db(), PLACE, place_id) is None:
        return notice("not_found", 404)
    return edit(OFFER, None, place_id)


@bp.route("/offer/<offer_id>", methods=["GET", "POST"])
@login_required
def edit_offer(offer_id: str):
    return edit(OFFER, offer_id, None)


@bp.post("/confirm/<kind>/<record_id>")
@login_required
def confirm(kind: str, record_id: str):
    if kind not in (PLACE, OFFER):
        return notice("not_found", 404)
    session = db()
    try:
        workflow.confirm(session, account(), kind, record_id)
    except workflow.Conflict:
        session.rollback()
        return notice("conflict_text", 409)
    session.commit()
    return redirect(url_for("desk.dashboard", lang=lang(), confirmed=1))


@bp.get("/history/<kind>/<record_id>")
@login_required
def history(kind: str, record_id: str):
    session, user = db(), account()
    workflow.require_edit(session, user, workflow.owning_place(session, kind, record_id, None))
    revisions = list(session.execute(select(Revision).where(
        Revision.kind == kind, Revision.record_id == record_id)
        .order_by(Revision.version.desc())).scalars())
    rows = [(r, json.loads(r.changes)) for r in revisions]
    return page("editorial/history.html", kind=kind, record_id=record_id, rows=rows)


@bp.post("/restore/<int:revision_id>")
@editor_required
def restore(revision_id: int):
    session = db()
    try:
        revision = workflow.restore(session, account(), revision_id, check=checker())
    except workflow.Conflict:
        session.rollback()
        return notice("conflict_text", 409)
    session.commit()
    old = session.get(Revision, revision_id)
    target = revision or old
    return redirect(url_for("desk.history", kind=target.kind, record_id=target.record_id,
                            lang=lang()))
