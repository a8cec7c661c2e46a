"""The published state of the database as the snapshot's places, read incrementally.

Each reload asks only for records written since the last one (their ``seq`` is above the
last data version seen) and keeps every unchanged place feature as the very same object,
so the snapshot can reuse what it derived from it (see :mod:`explorer.store`). Only the
changed places are validated again, by the same rules as ``explorer check``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

from sqlalchemy import Engine, select

from ..load import Reference
from ..schema import DataError, validate_place
from .models import OFFER, PLACE, DataState, Record
from .records import join_feature

LABEL = "database"


@dataclass
class Loaded:
    features: list[dict]  # sorted by id
    version: int
    meta: dict[str, dict[str, str]]  # place id -> {"changed": ISO date of the last change}


class DatabaseSource:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._lock = threading.Lock()
        self._rows: dict[tuple[str, str], tuple] = {}  # (kind, id) -> (seq, place, pos, data, at)
        self._features: dict[str, dict] = {}
        self._seen = -1
        self._reference_version: str | None = None

    def version(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(DataState.version).where(DataState.id == 1)).scalar_one()

    def load(self, reference: Reference) -> Loaded:
        """All places as features; raises DataError (nothing kept) if a record is invalid
        and SQLAlchemy's OperationalError if the database cannot be reached."""
        with self._lock:
            if reference.version != self._reference_version:  # new taxonomy: check all
                self._rows, self._features, self._seen = {}, {}, -1
            with self.engine.connect() as conn:
                if conn.dialect.name == "postgresql":  # one consistent view of all reads
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    version = conn.execute(select(DataState.version)).scalar_one()
                    keys = set(conn.execute(select(Record.kind, Record.id)).all())
                    changed = conn.execute(
                        select(Record.kind, Record.id, Record.seq, Record.place_id,
                               Record.position, Record.data, Record.changed_at)
                        .where(Record.seq > self._seen)).all()
            rows = {k: v for k, v in self._rows.items() if k in keys}
            touched = {k[1] if k[0] == PLACE else v[1]
                       for k, v in self._rows.items() if k not in keys}
            for kind, rid, seq, place_id, position, data, at in changed:
                old = rows.get((kind, rid))
                if old is not None and kind == OFFER:
                    touched.add(old[1])  # an offer may have moved away from this place
                rows[(kind, rid)] = (seq, place_id, position, json.loads(data), at)
                touched.add(rid if kind == PLACE else place_id)
            features, problems = self._assemble(rows, touched, reference)
            if problems:
                raise DataError(problems)
            self._rows, self._features, self._seen = rows, features, version
            self._reference_version = reference.version
            meta = self._meta(rows)
        return Loaded([features[k] for k in sorted(features)], version, meta)

    def _assemble(self, rows: dict, touched: set, reference: Reference):
        offers: dict[str, list] = {}
        for (kind, _rid), (_s, place_id, position, data, _at) in rows.items():
            if kind == OFFER and place_id in touched:
                offers.setdefault(place_id, []).append((position, data["id"], data))
        features = {pid: f for pid, f in self._features.items() if pid not in touched}
        problems = []
        for pid in touched:
            row = rows.get((PLACE, pid))
            if row is None:
                continue  # the place is gone (its offers go with it)
            listed = [d for _p, _i, d in sorted(offers.get(pid, []), key=lambda x: x[:2])]
            feature = join_feature(row[3], listed)
            problems += validate_place(feature, LABEL, reference.taxonomy, 0,
                                       reference.holidays, set())
            features[pid] = feature
        return features, problems

    @staticmethod
    def _meta(rows: dict) -> dict[str, dict[str, str]]:
        latest: dict[str, object] = {}
        for (kind, rid), (_s, place_id, _p, _d, at) in rows.items():
            pid = rid if kind == PLACE else place_id
            if pid not in latest or at > latest[pid]:
                latest[pid] = at
        return {pid: {"changed": at.date().isoformat()} for pid, at in latest.items()}
