"""Alembic migrations on both databases: from empty, and from the previous revision."""

from __future__ import annotations

import datetime as dt

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
