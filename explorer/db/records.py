"""Published records: read them as geodata features, publish a change as a revision.

Every publish runs in one transaction that also raises the data version, so a reader sees
a change whole or not at all, and a crash mid-way leaves the state before it. A save
carries the version it was based on; a stale one raises :class:`Conflict` and writes
nothing.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import OFFER, PLACE, DataState, Record, Revision, utcnow


class Conflict(Exception):
    """The record changed since the editor loaded it."""

    def __init__(self, kind: str, record_id: str, expected: int, found: int | None):
        self.kind, self.record_id, self.expected, self.found = kind, record_id, expected, found
        super().__init__(f"{kind} {record_id!r}: based on version {expected}, "
                         f"the published one is {found}")


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def data_version(session: Session) -> int:
    return session.execute(select(DataState.version).where(DataState.id == 1)).scalar_one()


def bump_version(session: Session) -> int:
    """Raise the data version; on PostgreSQL the row lock also serialises publishes."""
    session.execute(update(DataState).where(DataState.id == 1)
                    .values(version=DataState.version + 1))
    return data_version(session)


def split_feature(feature: dict) -> tuple[dict, list[dict]]:
    """A place feature as its own record (offers left as ``[]``) and its offers."""
    place = copy.deepcopy(feature)
    offers = place["properties"].get("offers") or []
    if "offers" in place["properties"]:
        place["properties"]["offers"] = []
    return place, offers


def join_feature(place: dict, offers: list[dict]) -> dict:
    feature = dict(place)
    props = dict(place["properties"])
    props["offers"] = offers
    feature["properties"] = props
    return feature


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Field paths of a record: nested objects by dots, lists and scalars as values."""
    if isinstance(data, dict) and (data or not prefix):
        out: dict[str, Any] = {}
        for key, value in data.items():
            if prefix == "properties." and key == "offers":
                continue  # offers are records of their own
            out.update(flatten(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): data}


def changes(before: dict | None, after: dict) -> list[list[Any]]:
    old, new = flatten(before or {}), flatten(after)
    return [[path, old.get(path), new.get(path)]
            for path in sorted(set(old) | set(new)) if old.get(path) != new.get(path)]


def get(session: Session, kind: str, record_id: str, lock: bool = False) -> Record | None:
    statement = select(Record).where(Record.kind == kind, Record.id == record_id)
    if lock:
        statement = statement.with_for_update()
    return session.execute(statement).scalar_one_or_none()


def offers_of(session: Session, place_id: str) -> list[Record]:
    return list(session.execute(
        select(Record).where(Record.kind == OFFER, Record.place_id == place_id)
        .order_by(Record.position, Record.id)).scalars())


def feature_of(session: Session, place_id: str) -> dict | None:
    """The published place with its offers, as in places.geojson."""
    place = get(session, PLACE, place_id)
    if place is None:
        return None
    return join_feature(json.loads(place.data),
                        [json.loads(r.data) for r in offers_of(session, place_id)])


def publish(session: Session, kind: str, record_id: str, data: dict, *, base_version: int,
            author: str, reason: str | None = None, place_id: str | None = None,
            submission_id: int | None = None) -> Revision | None:
    """Write one record as a new revision (``base_version`` 0: a new record). Returns None
    when nothing changed. The caller commits; validation happens before (same rules as
    ``explorer check``)."""
    row = get(session, kind, record_id, lock=True)
    found = row.version if row else 0
    if found != base_version:
        raise Conflict(kind, record_id, base_version, found)
    before = json.loads(row.data) if row else None
    diff = changes(before, data)
    if row is not None and not diff:
        return None
    seq = bump_version(session)
    now = utcnow()
    text = dumps(data)
    if row is None:
        position = 0
        if kind == OFFER:
            position = 1 + max((r.position for r in offers_of(session, place_id or "")),
                               default=-1)
        session.add(Record(kind=kind, id=record_id,
                           place_id=place_id if kind == OFFER else None, position=position,
                           data=text, version=1, seq=seq, changed_at=now, changed_by=author))
        try:
            session.flush()
        except IntegrityError:  # created meanwhile by someone else
            raise Conflict(kind, record_id, base_version, None) from None
        version = 1
    else:
        # The version check is part of the write: SQLite has no row lock, so a save that
        # lost a race between our read and this statement changes no row and is a conflict.
        version = found + 1
        done = session.execute(
            update(Record).where(Record.kind == kind, Record.id == record_id,
                                 Record.version == found)
            .values(data=text, version=version, seq=seq, changed_at=now, changed_by=author)
            .execution_options(synchronize_session=False))
        if done.rowcount != 1:
            raise Conflict(kind, record_id, base_version, None)
        session.expire(row)
    revision = Revision(kind=kind, record_id=record_id, version=version,
                        data=text, changes=dumps(diff), author=author, reason=reason,
                        submission_id=submission_id, created_at=now)
    session.add(revision)
    session.flush()
    return revision


def publish_feature(session: Session, feature: dict, *, author: str,
                    reason: str | None = None) -> int:
    """A whole place with its offers (seed and import): only what differs is written."""
    place, offers = split_feature(feature)
    written = 0
    row = get(session, PLACE, feature["id"])
    if publish(session, PLACE, feature["id"], place, base_version=row.version if row else 0,
               author=author, reason=reason):
        written += 1
    for offer in offers:
        row = get(session, OFFER, offer["id"])
        if row is not None and row.place_id != feature["id"]:
            row.place_id = feature["id"]  # an offer moved: readers must see both places
            row.seq = bump_version(session)
            written += 1
        if publish(session, OFFER, offer["id"], offer, base_version=row.version if row else 0,
                   author=author, reason=reason, place_id=feature["id"]):
            written += 1
    for position, offer in enumerate(offers):  # keep the file's order of offers
        row = get(session, OFFER, offer["id"])
        if row.position != position:
            row.position, row.seq = position, bump_version(session)  # readers see the order
    return written


def all_features(session: Session) -> list[dict]:
    """The published state as features, sorted by id (the export's stable order)."""
    offers: dict[str, list[Record]] = {}
    for row in session.execute(select(Record).where(Record.kind == OFFER)
                               .order_by(Record.position, Record.id)).scalars():
        offers.setdefault(row.place_id, []).append(row)
    return [join_feature(json.loads(row.data), [json.loads(o.data)
                                                for o in offers.get(row.id, [])])
            for row in session.execute(select(Record).where(Record.kind == PLACE)
                                       .order_by(Record.id)).scalars()]


def checked_on(kind: str, data: dict) -> dt.date | None:
    """When a record was last confirmed: a place's ``checked``, an offer's own
    ``checked`` or else its source's."""
    value = data.get("checked") if kind == OFFER else data.get("properties", {}).get("checked")
    if kind == OFFER and not value:
        value = (data.get("source") or {}).get("checked")
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None
