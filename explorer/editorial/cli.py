"""Command line of the database and the workflow: ``explorer db | users | remind`` and
``explorer import geodata`` / ``explorer export geodata``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ..db import backup as db_backup
from ..db import database_url, make_engine, migrate
from ..db.models import ROLES, User
from ..db.records import data_version
from ..db.seed import export_dir, import_features, prepare, read_places
from ..schema import DataError


def _settings() -> dict:
    from ..cli import settings

    return settings()


def _fail(message: str) -> NoReturn:
    click.echo(f"ERROR {message}", err=True)
    sys.exit(1)


def _engine(s: dict):
    url = database_url(s)
    if url is None:
        _fail("EXPLORER_DATABASE_URL is 'none': there is no database to work on")
    engine = make_engine(url)
    try:
        prepare(engine, Path(s["DATA_DIR"]), s["AREAS_FILE"] or None)
    except DBAPIError as exc:
        _fail(f"database unreachable: {str(exc.orig or exc).strip().splitlines()[0]}")
    except DataError as exc:
        _fail("; ".join(str(p) for p in exc.problems[:5]))
    return engine


@click.group("db")
def db_group() -> None:
    """The editorial database (SQLite in STATE_DIR, or EXPLORER_DATABASE_URL)."""


@db_group.command("upgrade")
def upgrade() -> None:
    """Create or migrate the database to the newest schema; seed it when empty."""
    s = _settings()
    engine = _engine(s)
    with Session(engine) as session:
        click.echo(f"ok: schema {migrate.current(engine)}, data version {data_version(session)}")


@db_group.command("backup")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def backup(file: Path) -> None:
    """Write a consistent copy of the database to FILE (while it serves)."""
    try:
        db_backup.backup(_engine(_settings()), file)
    except (db_backup.BackupError, OSError) as exc:
        _fail(str(exc))
    click.echo(f"ok: backup written to {file}")


@db_group.command("restore")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def restore(file: Path) -> None:
    """Replace the database's contents with the backup FILE."""
    try:
        db_backup.restore(_engine(_settings()), file)
    except (db_backup.BackupError, OSError) as exc:
        _fail(str(exc))
    click.echo(f"ok: restored from {file}; running servers reload it")


@click.command("geodata")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False, exists=True))
def import_geodata(folder: Path) -> None:
    """Merge FOLDER/places.geojson into the database (only what differs is written)."""
    s = _settings()
    engine = _engine(s)
    try:
        features = read_places(folder, Path(s["DATA_DIR"]), s["AREAS_FILE"] or None)
    except DataError as exc:
        for problem in exc.problems:
            click.echo(f"ERROR {problem}", err=True)
        _fail(f"{len(exc.problems)} problem(s); nothing imported")
    with Session(engine) as session, session.begin():
        result = import_features(session, features, "import", f"explorer import {folder}")
    click.echo(f"ok: {result.places} places read, {result.written} records written")


@click.group("export")
def export_group() -> None:
    """Write the published state out."""


@export_group.command("geodata")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
def export_geodata(folder: Path) -> None:
    """Write the published places to FOLDER in the geodata format (sorted by id)."""
    s = _settings()
    with Session(_engine(s)) as session:
        n = export_dir(session, folder, Path(s["DATA_DIR"]))
    click.echo(f"ok: {n} places written to {folder / 'places.geojson'}")


@click.group("users")
def users_group() -> None:
    """Accounts of providers, editors and admins."""


@users_group.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="provider", show_default=True)
@click.option("--name", default=None)
@click.password_option(help="Asked for when not given (twice, hidden).")
def add_user(email: str, role: str, name: str | None, password: str) -> None:
    """Create an account (the first editor or admin is made this way)."""
    from .accounts import AccountError
    from .accounts import add_user as create

    with Session(_engine(_settings())) as session:
        try:
            create(session, email, role, password, name)
        except AccountError as exc:
            _fail(str(exc))
        session.commit()
    click.echo(f"ok: {role} account {email.strip().lower()} created")


@users_group.command("list")
def list_users() -> None:
    with Session(_engine(_settings())) as session:
        for user in session.execute(select(User).order_by(User.email)).scalars():
            click.echo(f"{user.email}\t{user.role}\t{'active' if user.active else 'inactive'}")


@click.command("stale")
@click.option("--months", type=click.IntRange(0), default=None,
              help="Not checked for this many months (default EXPLORER_STALE_MONTHS).")
def stale_command(months: int | None) -> None:
    """List the published places and offers that need a re-check, oldest first."""
    from .workflow import stale

    s = _settings()
    months = s["STALE_MONTHS"] if months is None else months
    with Session(_engine(s)) as session:
        rows = stale(session, months)
    for kind, rid, place, checked in rows:
        click.echo(f"{checked or 'never'}\t{kind}\t{rid}\t{place}")
    click.echo(f"{len(rows)} record(s) not checked for {months} months or, for offers, not "
               "confirmed by a recent source (status unconfirmed)", err=True)


def register(main: click.Group) -> None:
    from .remind import remind

    main.add_command(stale_command)
    main.add_command(db_group)
    main.add_command(export_group)
    main.add_command(users_group)
    main.add_command(remind)
