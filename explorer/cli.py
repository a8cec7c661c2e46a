"""Command line: ``explorer serve | check | geocode | import``."""

from __future__ import annotations

import gc
import sys

import click

from . import config, malloc


def settings() -> dict:
    values = config.defaults()
    values.update(config.from_env())
    return values


@click.group()
def main() -> None:
    """MINT explorer Bochum: serve the map and maintain its data."""


@main.command()
@click.option("--data-dir", default=None, help="Folder with the curated data files.")
@click.option("--areas-file", default=None, help="Replacement focus-areas GeoJSON.")
def check(data_dir: str | None, areas_file: str | None) -> None:
    """Validate the data files; list every problem if any (file, record, field) and exit 2,
    whether records break the format or a file cannot be read as JSON (unreadable, not
    UTF-8, invalid JSON, a lone surrogate, nested too deeply)."""
    from .load import load_dataset
    from .schema import DataLoadError

    s = settings()
    try:
        dataset = load_dataset(data_dir or s["DATA_DIR"], areas_file or s["AREAS_FILE"] or None)
    except DataLoadError as exc:
        refuse(exc, summary=True)
    pending = sum(1 for f in dataset.places if not f.get("geometry"))
    offers = [o for f in dataset.places for o in f["properties"].get("offers") or []]
    active = sum(1 for o in offers if o.get("status", "active") == "active")
    click.echo(f"ok: {len(dataset.places)} places ({pending} awaiting geocoding), "
               f"{len(offers)} offers ({active} active), {len(dataset.areas)} areas, "
               f"{len(dataset.gazetteer)} gazetteer entries, "
               f"{len(dataset.holidays.spans)} school holidays, data version {dataset.version}")


@main.command()
@click.option("--host", default=None, help="Listen address (default EXPLORER_HOST).")
@click.option("--port", default=None, type=int, help="Port (default EXPLORER_PORT).")
@click.option("--threads", default=None, type=int, help="Worker threads (waitress).")
def serve(host: str | None, port: int | None, threads: int | None) -> None:
    """Serve the explorer with the production server (waitress)."""
    from . import create_app
    from .schema import DataLoadError
    from .server import serve as production_server

    s = settings()
    from sqlalchemy.exc import DBAPIError

    malloc.limit_arenas(s["MALLOC_ARENAS"])  # before any thread allocates
    try:
        app = create_app()
    except config.SettingError as exc:
        click.echo(f"ERROR {exc}", err=True)
        sys.exit(2)
    except DataLoadError as exc:
        refuse(exc)
    except DBAPIError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        click.echo(f"ERROR database unreachable: {reason}", err=True)
        sys.exit(1)
    # What the app built around its first snapshot (blueprints, caches, the planner's
    # inputs) lives as long as the process: out of the collector's full passes too, which
    # took up to 36 ms of the interpreter lock each under the abuse load test, 2 ms after.
    gc.collect()
    gc.freeze()
    # A reload's Python work holds the GIL; a reader thread waiting to get it back after
    # each socket call would wait up to the switch interval (5 ms by default) every time.
    sys.setswitchinterval(s["SWITCH_INTERVAL_MS"] / 1000)
    host, port = host or s["HOST"], port or s["PORT"]
    click.echo(f"serving on http://{host}:{port}/", err=True)
    # the planner's lane: its running and waiting jobs, and one for cached answers
    production_server(app, host=host, port=port, threads=threads or s["THREADS"],
                      front=app.extensions["planner_gate"],
                      lane_threads=s["PLANNER_WORKERS"] + s["PLANNER_QUEUE"] + 1)


def refuse(exc, summary: bool = False) -> None:
    """Print every problem of a DataLoadError (file, record, field) and exit with its code."""
    for problem in exc.problems:
        click.echo(f"ERROR {problem}", err=True)
    if summary:
        click.echo(f"{len(exc.problems)} problem(s) found", err=True)
    sys.exit(exc.exit_code)


def _register_pipeline() -> None:
    """The pipeline's commands live in their own package, next to their code."""
    from .editorial.cli import import_geodata, register
    from .pipeline.cli import geocode_command, import_group

    main.add_command(geocode_command, "geocode")
    import_group.add_command(import_geodata)
    main.add_command(import_group, "import")
    register(main)


_register_pipeline()
