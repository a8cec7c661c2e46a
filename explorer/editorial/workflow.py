"""The editorial workflow on the database: suggest, draft, submit, review, restore.

Plain functions over a SQLAlchemy session, used by the web views, the command line and
the tests alike. Each function leaves committing to its caller, so a view's whole step
(e.g. approve and mark the submission) is one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..db import records
from ..db.models import OFFER, PLACE, Binding, Revision, Submission, User, utcnow
from ..db.records import Conflict
from ..schema import Problem, validate_place
from ..when import local_today

__all__ = ["Conflict", "Denied", "Invalid"]


class Denied(Exception):
    """The account may not do this (shown as 403)."""


class Invalid(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def bound_places(session: Session, user: User) -> set[str]:
    return set(session.execute(select(Binding.place_id)
                               .where(Binding.user_id == user.id)).scalars())


def owning_place(session: Session, kind: str, record_id: str | None,
                 place_id: str | None) -> str | None:
    """The place a record belongs to: itself, or an existing offer's place."""
    if kind == PLACE:
        return record_id
    row = records.get(session, OFFER, record_id) if record_id else None
    return row.place_id if row is not None else place_id


def may_edit(session: Session, user: User, place_id: str | None) -> bool:
    if user.role in ("editor", "admin"):
        return True
    return place_id is not None and place_id in bound_places(session, user)


def require_edit(session: Session, user: User, place_id: str | None) -> None:
    if not may_edit(session, user, place_id):
        raise Denied(f"{user.email} may not edit place {place_id!r}")


def problems_for(session: Session, kind: str, record_id: str, data: dict,
                 place_id: str | None, taxonomy: dict, holidays) -> list[Problem]:
    """Check one record by the rules of ``explorer check``, inside its place."""
    if kind == PLACE:
        current = records.feature_of(session, record_id)
        offers = current["properties"]["offers"] if current else []
        feature = records.join_feature(data, offers)
        found = validate_place(feature, "form", taxonomy, 0, holidays, set())
        return [p for p in found if not p.field.startswith("offers[")]
    row = records.get(session, OFFER, record_id)
    owner = row.place_id if row is not None else place_id
    place = records.feature_of(session, owner or "")
    if place is None:
        return [Problem("form", record_id, "place", f"unknown place {owner!r}")]
    offers = [o for o in place["properties"]["offers"] if o.get("id") != record_id]
    offers.append(data)
    found = validate_place(records.join_feature(place, offers), "form", taxonomy, 0,
                           holidays, set())
    mine = f"offers[{record_id}]"
    return [p for p in found if p.field == mine or p.field.startswith(mine + ".")]


def new_token() -> str:
    return secrets.token_urlsafe(24)


def suggest(session: Session, *, kind: str, place_id: str | None, target_id: str | None,
            data: dict | None, message: str | None, contact: str | None) -> Submission:
    """A visitor's proposal (new offer, new place, or a report of an error)."""
    sub = Submission(kind=kind, place_id=place_id, target_id=target_id,
                     data=records.dumps(data) if data is not None else None,
                     base_version=None, message=message, contact=contact or None,
                     state="submitted", token=new_token())
    session.add(sub)
    session.flush()
    return sub


def save_draft(session: Session, user: User, *, kind: str, record_id: str,
               place_id: str | None, data: dict, base_version: int,
               submit: bool = False) -> Submission:
    """A provider's edit: kept as their draft (one open draft per record) until submitted."""
    owner = owning_place(session, kind, record_id, place_id)
    require_edit(session, user, owner)
    sub = own_draft(session, user, kind, record_id)
    if sub is None:
        sub = Submission(kind=kind, target_id=record_id, user_id=user.id, token=new_token(),
                         state="draft")
        session.add(sub)
    sub.place_id, sub.data, sub.base_version = owner, records.dumps(data), base_version
    sub.state, sub.updated_at = ("submitted" if submit else "draft"), utcnow()
    session.flush()
    return sub


def own_draft(session: Session, user: User, kind: str, record_id: str) -> Submission | None:
    """The account's open draft of a record (the newest, should a double click have made
    two)."""
    return session.execute(select(Submission).where(
        Submission.user_id == user.id, Submission.kind == kind,
        Submission.target_id == record_id, Submission.state == "draft")
        .order_by(Submission.id.desc())).scalars().first()


def submit(session: Session, user: User, sub: Submission) -> None:
    if sub.user_id != user.id:
        raise Denied("not your draft")
    require_edit(session, user, sub.place_id)  # still bound to the place
    if sub.state != "draft":
        raise Invalid([Problem("form", str(sub.id), "state", f"is {sub.state}, not a draft")])
    sub.state, sub.updated_at = "submitted", utcnow()


def approve(session: Session, editor: User, sub: Submission, data: dict | None = None,
            reason: str | None = None, check=None) -> Revision | None:
    """Publish a submission (optionally as edited by the editor) and close it; raises
    Conflict when the record changed since the submission was based on it, Invalid when
    ``check(kind, id, data, place_id)`` finds problems (the rules of explorer check)."""
    if editor.role not in ("editor", "admin"):
        raise Denied("only editors approve")
    if sub.state != "submitted":
        raise Invalid([Problem("form", str(sub.id), "state", f"is {sub.state}, not submitted")])
    payload = data if data is not None else json.loads(sub.data or "null")
    if payload is None:
        raise Invalid([Problem("form", str(sub.id), "data", "a report has no record to "
                               "publish: edit the record, then close the report")])
    kind = sub.kind
    row = records.get(session, kind, sub.target_id)
    if row is not None and kind == OFFER and row.place_id != sub.place_id:
        raise Invalid([Problem("form", sub.target_id, "place", f"the offer id is used by "
                               f"place {row.place_id!r}; give the new offer another id")])
    base = sub.base_version
    if base is None:  # a visitor's suggestion: based on what is published now
        base = row.version if row else 0
    if base == 0 and row is not None:
        raise Invalid([Problem("form", sub.target_id, "id", "is used already")])
    if check is not None:
        problems = check(kind, sub.target_id, payload, sub.place_id)
        if problems:
            raise Invalid(problems)
    revision = records.publish(session, kind, sub.target_id, payload, base_version=base,
                               author=editor.email, reason=reason or sub.message,
                               place_id=sub.place_id, submission_id=sub.id)
    close(session, sub, editor, "approved", None)
    return revision


def close(session: Session, sub: Submission, editor: User, state: str,
          reason: str | None) -> None:
    """Decide a submission once: a second decision (two editors at once) is refused, and
    its transaction (with any publish in it) rolls back."""
    done = session.execute(
        update(Submission).where(Submission.id == sub.id, Submission.state == "submitted")
        .values(state=state, reason=reason, reviewed_by=editor.email, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Invalid([Problem("form", str(sub.id), "state", "was decided meanwhile")])
    session.expire(sub)


def reject(session: Session, editor: User, sub: Submission, reason: str) -> None:
    if editor.role not in ("editor", "admin"):
        raise Denied("only editors reject")
    if not reason.strip():
        raise Invalid([Problem("form", str(sub.id), "reason", "must be a non-empty text")])
    close(session, sub, editor, "rejected", reason.strip())


def confirm(session: Session, user: User, kind: str, record_id: str,
            today: dt.date | None = None) -> Revision | None:
    """"Still correct": only the checked date moves."""
    row = records.get(session, kind, record_id)
    if row is None:
        raise Invalid([Problem("form", record_id, "id", "no such record")])
    require_edit(session, user, row.id if kind == PLACE else row.place_id)
    data = json.loads(row.data)
    stamp = (today or local_today()).isoformat()
    if kind == PLACE:
        data["properties"]["checked"] = stamp
    else:
        data["checked"] = stamp
    return records.publish(session, kind, record_id, data, base_version=row.version,
                           author=user.email, reason="still correct", place_id=row.place_id)


def restore(session: Session, editor: User, revision_id: int,
            check=None) -> Revision | None:
    if editor.role not in ("editor", "admin"):
        raise Denied("only editors restore")
    old = session.get(Revision, revision_id)
    if old is None:
        raise Invalid([Problem("form", str(revision_id), "revision", "no such revision")])
    row = records.get(session, old.kind, old.record_id)
    if check is not None:
        problems = check(old.kind, old.record_id, json.loads(old.data),
                         row.place_id if row else None)
        if problems:  # e.g. a taxonomy entry that has gone since
            raise Invalid(problems)
    return records.publish(session, old.kind, old.record_id, json.loads(old.data),
                           base_version=row.version if row else 0, author=editor.email,
                           reason=f"restored revision {old.version}",
                           place_id=row.place_id if row else None)


def stale(session: Session, months: int, today: dt.date | None = None,
          places: set[str] | None = None) -> list[tuple[str, str, str | None, dt.date | None]]:
    """Records that need a re-check (kind, id, place, checked), oldest first: not checked
    for ``months``, and offers whose status says no recent source confirms them."""
    today = today or local_today()
    limit = today - dt.timedelta(days=round(months * 30.44))
    out = []
    for row in session.execute(select(records.Record)).scalars():
        owner = row.id if row.kind == PLACE else row.place_id
        if places is not None and owner not in places:
            continue
        data = json.loads(row.data)
        checked = records.checked_on(row.kind, data)
        unconfirmed = row.kind == OFFER and data.get("status") == "unconfirmed"
        if checked is None or checked < limit or unconfirmed:
            out.append((row.kind, row.id, owner, checked))
    return sorted(out, key=lambda r: (r[3] or dt.date.min, r[0], r[1]))
