"""The published state of the database as the snapshot's places, read incrementally.

Each reload asks only for records written since the last one (their ``seq`` is above the
last data version seen) and keeps every unchanged place feature as the very same object,
so the snapshot can reuse what it derived from it (see :mod:`explorer.store`). Only the
changed places are validated again, by the same rules as ``explorer check``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from sqlalchemy import Engine, func, select

from ..load import Reference
from ..schema import DataError, validate_place
from ..schema_json import parse_json
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
        self._lock = threading.RLock()  # load() calls itself once after a restore
        self._reset()
        self._reference_version: str | None = None

    def _reset(self) -> None:
        self._rows: dict[tuple[str, str], tuple] = {}  # key -> (seq, place, pos, data, at)
        self._offers: dict[str, set[str]] = {}  # place id -> its offers' ids
        self._features: dict[str, dict] = {}
        self._meta: dict[str, dict[str, str]] = {}
        self._seen = -1

    def version(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(DataState.version).where(DataState.id == 1)).scalar_one()

    def load(self, reference: Reference) -> Loaded:
        """All places as features; raises DataError (nothing kept) if a record is invalid
        and SQLAlchemy's OperationalError if the database cannot be reached."""
        with self._lock:
            if reference.version != self._reference_version:  # new taxonomy: check all
                self._reset()
            with self.engine.connect() as conn:
                if conn.dialect.name == "postgresql":  # one consistent view of all reads
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    version = conn.execute(select(DataState.version)).scalar_one()
                    changed = conn.execute(
                        select(Record.kind, Record.id, Record.seq, Record.place_id,
                               Record.position, Record.data, Record.changed_at)
                        .where(Record.seq > self._seen)).all()
                    total = conn.execute(select(func.count()).select_from(Record)).scalar_one()
            new_keys = sum(1 for kind, rid, *_rest in changed if (kind, rid) not in self._rows)
            if total != len(self._rows) + new_keys:  # records went away (a restore): reread
                self._reset()
                return self.load(reference)
            state = self._apply(changed, reference)
            self._reference_version = reference.version
            self._seen = version
        return Loaded([state[k] for k in sorted(state)], version, dict(self._meta))

    def _apply(self, changed: list, reference: Reference) -> dict[str, dict]:
        """Fold the changed rows in; all-or-nothing (a bad record changes no state)."""
        rows, offers = dict(self._rows), {k: set(v) for k, v in self._offers.items()}
        touched: set[str] = set()
        problems = []
        for kind, rid, seq, place_id, position, data, at in changed:
            try:  # strict, as for the files: no lone surrogate, NaN or too deep nesting
                record = parse_json(data, LABEL, rid if kind == PLACE else place_id)
            except DataError as exc:
                problems += exc.problems if kind == PLACE else [
                    replace(p, field=f"offers[{rid}]" + (f".{p.field}" * (p.field != "-")))
                    for p in exc.problems]
                continue
            old = rows.get((kind, rid))
            if kind == OFFER:
                if old is not None and old[1] != place_id:  # moved to another place
                    offers.get(old[1], set()).discard(rid)
                    touched.add(old[1])
                offers.setdefault(place_id, set()).add(rid)
            rows[(kind, rid)] = (seq, place_id, position, record, at)
            touched.add(rid if kind == PLACE else place_id)
        features = dict(self._features)
        meta = dict(self._meta)
        for pid in touched:
            row = rows.get((PLACE, pid))
            if row is None:
                features.pop(pid, None)
                continue
            mine = sorted((rows[(OFFER, oid)] for oid in offers.get(pid, ())),
                          key=lambda r: (r[2], r[3]["id"]))
            feature = join_feature(row[3], [r[3] for r in mine])
            problems += validate_place(feature, LABEL, reference.taxonomy, 0,
                                       reference.holidays, set())
            features[pid] = feature
            latest = max([row[4], *(r[4] for r in mine)])
            meta[pid] = {"changed": latest.date().isoformat()}
        if problems:
            raise DataError(problems)
        self._rows, self._offers, self._features, self._meta = rows, offers, features, meta
        return features
