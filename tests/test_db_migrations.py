"""Alembic migrations on both databases: from empty, and from the previous revision."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import inspect, text

from explorer.db import make_engine, migrate


def test_upgrade_an_empty_database_to_head(empty_db_url):
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    tables = set(inspect(engine).get_table_names())
    assert {"records", "revisions", "data_state", "users", "bindings", "submissions"} <= tables
    migrate.upgrade(engine)  # a second run is a no-op
    engine.dispose()


def test_upgrade_from_the_previous_revision_keeps_the_data(empty_db_url):
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine, "0001")
    assert migrate.current(engine) == "0001"
    assert "users" not in inspect(engine).get_table_names()
    now = dt.datetime(2026, 12, 1, 12, 0)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO records (kind, id, place_id, position, data, version, seq, "
            "changed_at, changed_by) VALUES ('place', 'p', NULL, 0, '{}', 1, 1, :t, 'x')"),
            {"t": now})
        conn.execute(text("UPDATE data_state SET version = 1"))
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, version FROM records")).all() == [("p", 1)]
        assert conn.execute(text("SELECT version FROM data_state")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() == 0
    engine.dispose()


def _old_records(engine) -> None:
    """Records as revision 0002 stored them: no place sources, a colloquial Stadtteil, an
    ended offer without its date."""
    place = {"type": "Feature", "id": "p", "geometry": None, "properties": {
        "name": "P", "stadtteil": "Hiltrop", "stadtbezirk": "Bochum-Nord", "offers": [],
        "checked": "2026-11-24"}}
    offer = {"id": "o", "status": "ended", "ended_on": None,
             "source": {"url": "https://example.org/o", "checked": "2026-11-20"}}
    now = dt.datetime(2026, 12, 1, 12, 0)
    with engine.begin() as conn:
        for kind, rid, pid, data in (("place", "p", None, place), ("offer", "o", "p", offer)):
            conn.execute(text(
                "INSERT INTO records (kind, id, place_id, position, data, version, seq, "
                "changed_at, changed_by) VALUES (:k, :i, :p, 0, :d, 1, 1, :t, 'seed')"),
                {"k": kind, "i": rid, "p": pid, "d": json.dumps(data), "t": now})
        conn.execute(text("UPDATE data_state SET version = 1"))


def test_records_of_revision_0002_are_brought_up_to_the_new_rules(empty_db_url):
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine, "0002")
    _old_records(engine)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        rows = {r.id: (json.loads(r.data), r.version, r.seq) for r in conn.execute(
            text("SELECT id, data, version, seq FROM records"))}
        authors = conn.execute(text("SELECT DISTINCT author FROM revisions")).scalars().all()
        version = conn.execute(text("SELECT version FROM data_state")).scalar_one()
    place, offer = rows["p"][0]["properties"], rows["o"][0]
    assert place["stadtteil"] == "Bergen/Hiltrop"
    assert place["sources"] == [{"url": "https://example.org/o", "read": "2026-11-24",
                                 "about": "taken from its offers by migration 0003"}]
    assert offer["ended_on"] == "2026-11-20"
    assert rows["p"][1] == rows["o"][1] == 2 and version > 1  # readers see new versions
    assert authors == ["migration 0003"]
    migrate.upgrade(engine)  # idempotent
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM data_state")).scalar_one() == version
    engine.dispose()
