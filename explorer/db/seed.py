"""Database set-up and the geodata round trip: migrate, seed, import, export.

``geodata/`` stays the versioned open data set: it seeds an empty database, an export
writes the published state back in the same format and order (so ``git diff`` shows what
changed), and an import merges such a folder in again (idempotent: a second run writes
nothing).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..load import PLACES_FILE, load_reference, read_json
from ..pipeline.atomic import atomic_write_text, dump_json
from ..schema import DataError, validate_places
from . import migrate
from .models import OFFER, PLACE, Record, Revision, utcnow
from .records import (
    Conflict,
    all_features,
    bump_version,
    dumps,
    publish_feature,
    split_feature,
)


@dataclass
class ImportResult:
    places: int
    written: int  # records (places and offers) created or changed


def is_empty(session: Session) -> bool:
    return session.execute(select(func.count()).select_from(Record)).scalar_one() == 0


def read_places(folder: Path, data_dir: Path, areas_file: str | None = None) -> list[dict]:
    """places.geojson of ``folder``, validated against DATA_DIR's taxonomy and holidays."""
    reference = load_reference(data_dir, areas_file)
    path = folder / PLACES_FILE
    collection, _raw = read_json(path)
    problems = validate_places(collection, str(path), reference.taxonomy, reference.holidays)
    if problems:
        raise DataError(problems)
    return collection["features"]


def import_features(session: Session, features: list[dict], author: str,
                    reason: str) -> ImportResult:
    written = sum(publish_feature(session, f, author=author, reason=reason) for f in features)
    return ImportResult(len(features), written)


def seed_bulk(session: Session, features: list[dict], author: str, reason: str) -> int:
    """An empty database filled in one statement per table and one data version (100,000
    places take seconds, not the hour of one publish per record)."""
    version = bump_version(session)
    now = utcnow()
    rows, revisions = [], []
    for feature in features:
        place, offers = split_feature(feature)
        items = [(PLACE, feature["id"], None, 0, place)]
        items += [(OFFER, o["id"], feature["id"], i, o) for i, o in enumerate(offers)]
        for kind, rid, owner, position, data in items:
            text = dumps(data)
            rows.append({"kind": kind, "id": rid, "place_id": owner, "position": position,
                         "data": text, "version": 1, "seq": version, "changed_at": now,
                         "changed_by": author})
            revisions.append({"kind": kind, "record_id": rid, "version": 1, "data": text,
                              "changes": "[]", "author": author, "reason": reason,
                              "created_at": now})
    session.execute(insert(Record), rows)
    session.execute(insert(Revision), revisions)
    return len(rows)


SETUP_LOCK = 720_101  # a PostgreSQL advisory lock id: one process sets up at a time


def prepare(engine: Engine, data_dir: Path, areas_file: str | None = None) -> bool:
    """Migrate to the newest schema; seed an empty database from DATA_DIR. True if seeded.
    On PostgreSQL, processes starting together take turns (an advisory lock)."""
    if engine.dialect.name != "postgresql":
        return _prepare(engine, data_dir, areas_file)
    with engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:k)"), {"k": SETUP_LOCK})
        try:
            return _prepare(engine, data_dir, areas_file)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SETUP_LOCK})
            lock.commit()


def _prepare(engine: Engine, data_dir: Path, areas_file: str | None) -> bool:
    migrate.upgrade(engine)
    with Session(engine) as session:
        if not is_empty(session):
            return False
    features = read_places(Path(data_dir), Path(data_dir), areas_file)
    try:
        with Session(engine) as session, session.begin():
            if not is_empty(session):
                return False
            seed_bulk(session, features, "seed", f"seeded from {data_dir}")
    except (IntegrityError, Conflict):  # another process seeded it meanwhile
        return False
    return True


def export_dir(session: Session, folder: Path, data_dir: Path) -> int:
    """Write the published places to ``folder`` (with DATA_DIR's other files, so the folder
    is a complete data set that ``explorer check --data-dir`` accepts)."""
    folder.mkdir(parents=True, exist_ok=True)
    features = all_features(session)
    if folder.resolve() != Path(data_dir).resolve():
        for path in sorted(Path(data_dir).glob("*.json")):
            shutil.copyfile(path, folder / path.name)
        for path in sorted(Path(data_dir).glob("*.geojson")):
            if path.name != PLACES_FILE:
                shutil.copyfile(path, folder / path.name)
    atomic_write_text(folder / PLACES_FILE,
                      dump_json({"type": "FeatureCollection", "features": features}))
    return len(features)
