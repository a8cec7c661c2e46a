"""The editorial database: where places and offers are kept, reviewed and versioned.

SQLite in ``STATE_DIR`` is the embedded default; PostgreSQL serves shared deployments. Both
run the same Alembic migrations (:mod:`explorer.db.migrate`). Readers never query it per
request: each process builds its in-memory snapshot from the published state
(:mod:`explorer.db.source`) and swaps it when the data version moves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DISABLED = {"none", "off", "files"}


def database_url(config: dict[str, Any]) -> str | None:
    """The configured URL; empty means SQLite in STATE_DIR, 'none' means files only."""
    url = (config.get("DATABASE_URL") or "").strip()
    if url.lower() in DISABLED:
        return None
    if not url:
        return "sqlite:///" + str(Path(config["STATE_DIR"]) / "explorer.db")
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):  # psycopg 3 is the driver we ship
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    """An engine tuned for this app: WAL and a busy timeout on SQLite (readers never block
    the writer), a pre-ping and short connect timeout on PostgreSQL (a database that went
    away is noticed at once and reconnected when it is back)."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 15})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5,
                         pool_timeout=10, connect_args={"connect_timeout": 5})


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
