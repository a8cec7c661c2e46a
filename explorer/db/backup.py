"""Backup and restore: SQLite's online backup API; pg_dump and pg_restore for PostgreSQL.

After a restore every record is marked as written at a new data version, so each running
process reloads all of it (its incremental read would otherwise miss restored rows).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    pass


def _sqlite_path(engine: Engine) -> str:
    return make_url(str(engine.url)).database or ""


def _libpq_url(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
            if (folder / name).exists():
                return str(folder / name)
        raise BackupError(f"{name} not found (Debian: apt-get install postgresql-client)")
    return found


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip()[:500]}")


def backup(engine: Engine, target: Path) -> None:
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        partial = target.with_name(target.name + ".partial")
        with sqlite3.connect(_sqlite_path(engine)) as src, sqlite3.connect(partial) as dst:
            src.backup(dst)
        dst.close()
        partial.replace(target)  # a failed backup never leaves a half file under the name
        return
    partial = target.with_name(target.name + ".partial")
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial),
          _libpq_url(engine)])
    partial.replace(target)


def restore(engine: Engine, source: Path) -> None:
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    engine.dispose()
    if engine.dialect.name == "sqlite":
        try:
            with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src:
                src.execute("SELECT version FROM data_state").fetchone()
                with sqlite3.connect(_sqlite_path(engine)) as dst:
                    previous = dst.execute("SELECT version FROM data_state").fetchone()
                    src.backup(dst)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source}: not a backup of this database ({exc})") from exc
    else:
        with engine.connect() as conn:
            previous = conn.execute(text("SELECT version FROM data_state")).fetchone()
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
              "--single-transaction", "--dbname", _libpq_url(engine), str(source)])
    with engine.begin() as conn:
        restored = conn.execute(text("SELECT version FROM data_state")).scalar_one()
        version = max(restored, previous[0] if previous else 0) + 1
        conn.execute(text("UPDATE data_state SET version = :v"), {"v": version})
        conn.execute(text("UPDATE records SET seq = :v"), {"v": version})
