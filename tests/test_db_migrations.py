"""Alembic migrations on both databases: from empty, and from the previous revision."""

from __future__ import annotations

import datetime as dt
import json

import pytest
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


def _old_records(engine, *extra: tuple[str, str, str | None, str]) -> None:
    """Records as revision 0002 stored them: no place sources, a colloquial Stadtteil, an
    ended offer without its date, an offer without a source."""
    place = {"type": "Feature", "id": "p", "geometry": None, "properties": {
        "name": "P", "stadtteil": "Hiltrop", "stadtbezirk": "Bochum-Nord", "offers": [],
        "checked": "2026-11-24"}}
    offer = {"id": "o", "status": "ended", "ended_on": None,
             "source": {"url": "https://example.org/o", "checked": "2026-11-20"}}
    bare = {"id": "b", "status": "active", "source": None}
    now = dt.datetime(2026, 12, 1, 12, 0)
    rows = [("place", "p", None, json.dumps(place)), ("offer", "o", "p", json.dumps(offer)),
            ("offer", "b", "p", json.dumps(bare)), *extra]
    with engine.begin() as conn:
        for kind, rid, pid, data in rows:
            conn.execute(text(
                "INSERT INTO records (kind, id, place_id, position, data, version, seq, "
                "changed_at, changed_by) VALUES (:k, :i, :p, 0, :d, 1, 1, :t, 'seed')"),
                {"k": kind, "i": rid, "p": pid, "d": data, "t": now})
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
                                 "about": "taken from the record by migration 0003"}]
    assert offer["ended_on"] == "2026-11-20"
    bare = rows["b"][0]  # the place's page stands in, unchecked, and the offer waits
    assert bare["source"] == {"url": "https://example.org/o", "checked": None}
    assert bare["status"] == "unconfirmed" and "Migration 0003" in bare["notes"]
    assert rows["p"][1] == rows["o"][1] == 2 and version > 1  # readers see new versions
    assert authors == ["migration 0003"]
    migrate.upgrade(engine)  # idempotent
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM data_state")).scalar_one() == version
    engine.dispose()


def test_odd_stored_records_do_not_break_the_upgrade(empty_db_url):
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine, "0002")
    odd_place = {"type": "Feature", "id": "q", "properties": {
        "stadtteil": ["Grumme"], "stadtbezirk": "Bochum-Mitte", "checked": "gestern",
        "website": "https://example.org/q"}}
    _old_records(engine, ("place", "q", None, json.dumps(odd_place)),
                 ("offer", "x", "q", "{not json"),
                 ("offer", "e", "q", json.dumps({"id": "e", "status": "ended", "source": {
                     "url": "https://example.org/e", "checked": "bald"}})))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, data FROM records")).all())
    q = json.loads(rows["q"])["properties"]
    assert q["stadtteil"] is None and "['Grumme']" in q["stadtteil_note"]
    assert q["sources"][0]["url"] == "https://example.org/e"
    assert dt.date.fromisoformat(q["sources"][0]["read"])  # not the broken 'gestern'
    assert rows["x"] == "{not json"  # left for validation to report
    assert dt.date.fromisoformat(json.loads(rows["e"])["ended_on"])
    engine.dispose()


def test_a_place_without_any_page_stops_the_upgrade_with_its_name(empty_db_url):
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine, "0002")
    lone = {"type": "Feature", "id": "lone", "properties": {"stadtbezirk": "Bochum-Mitte"}}
    _old_records(engine, ("place", "lone", None, json.dumps(lone)))
    with pytest.raises(RuntimeError, match="'lone' cites no page"):
        migrate.upgrade(engine)
    assert migrate.current(engine) == "0002"  # nothing half-done
    engine.dispose()
