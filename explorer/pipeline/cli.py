"""``explorer geocode`` and ``explorer import``; registered by :mod:`explorer.cli`.

Exit codes: 0 ok, 1 some records failed / the import failed (nothing written), 2 bad input.
Settings are read inside the commands (not at import time) because explorer.cli imports
this module while it is itself still being imported.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import NoReturn

import click
from tqdm import tqdm

from .atomic import atomic_write_bytes
from .geocode import (
    CACHE_FILE,
    PUBLIC_MIN_INTERVAL,
    PUBLIC_NOMINATIM,
    CacheError,
    GeocodeCache,
    Geocoder,
    contact_problem,
    public_nominatim,
)
from .importer import run_import
from .opendata import SourceError
from .records import InputError, open_records


def _settings() -> dict:
    from ..cli import settings

    return settings()


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"ERROR {message}", err=True)
    sys.exit(code)


@click.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the result here instead of back to INPUT.")
@click.option("--format", "fmt", type=click.Choice(["csv", "geojson"]),
              help="Format of INPUT and of the output (default: from the file name).")
@click.option("--state-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Folder of geocode-cache.json (default EXPLORER_STATE_DIR).")
@click.option("--min-interval", type=click.FloatRange(0),
              help="Seconds between requests (default EXPLORER_GEOCODER_MIN_INTERVAL).")
@click.option("--timeout", type=click.FloatRange(0, min_open=True),
              help="Seconds each request may take in total (default "
                   "EXPLORER_GEOCODER_TIMEOUT).")
@click.option("--retries", type=click.IntRange(0, 10),
              help="Retries on timeouts, 429 and 5xx (default EXPLORER_GEOCODER_RETRIES).")
@click.option("--backoff", type=click.FloatRange(0),
              help="First retry delay in seconds, doubled per retry (default "
                   "EXPLORER_GEOCODER_BACKOFF).")
def geocode_command(input_path: Path, output: Path | None, fmt: str | None,
                    state_dir: Path | None, min_interval: float | None,
                    timeout: float | None, retries: int | None, backoff: float | None) -> None:
    """Add coordinates to records that have an address but none yet.

    INPUT is a CSV (columns name, street, postcode, city; lat, lon, coordinate_source and
    geocoded_at are added) or a places.geojson-style file (features with geometry null).
    """
    s = _settings()
    try:
        records = open_records(input_path, fmt)
        cache = GeocodeCache(Path(state_dir or s["STATE_DIR"]) / CACHE_FILE)
    except (InputError, CacheError) as exc:
        _fail(str(exc), 2)
    url = s["GEOCODER_URL"]
    interval = s["GEOCODER_MIN_INTERVAL"] if min_interval is None else min_interval
    problem = contact_problem(url, s["GEOCODER_EMAIL"])
    if problem:  # without a contact, do not ask
        _fail(f"{problem} before geocoding", 2)
    if public_nominatim(url) and interval < PUBLIC_MIN_INTERVAL:
        click.echo(f"WARNING {PUBLIC_NOMINATIM} allows one request per second; using "
                   f"{PUBLIC_MIN_INTERVAL} s", err=True)
        interval = PUBLIC_MIN_INTERVAL
    geocoder = Geocoder(
        url=url, user_agent=s["GEOCODER_USER_AGENT"], email=s["GEOCODER_EMAIL"], cache=cache,
        min_interval=interval, timeout=timeout or s["GEOCODER_TIMEOUT"],
        retries=s["GEOCODER_RETRIES"] if retries is None else retries,
        backoff=s["GEOCODER_BACKOFF"] if backoff is None else backoff)
    if cache.dropped:
        click.echo(f"WARNING {cache.path}: {cache.dropped} cached answer(s) were not real "
                   "answers (results outside Bochum or broken ones, cached by an older "
                   "version); asked again", err=True)
    counts: Counter[str] = Counter()
    with tqdm(records.pending, desc="geocoding", unit="record", file=sys.stderr,
              disable=None) as bar:
        for item in bar:
            result = geocoder.lookup(item.address)
            records.fill(item, result)
            bucket = {"found": "from cache" if result.cached else "geocoded",
                      "not_found": "not found", "failed": "failed"}[result.status]
            counts[bucket] += 1
            if result.status == "not_found" and result.cached:
                counts["not found (cached)"] += 1
            if result.status != "found":
                label = "FAILED" if result.status == "failed" else "not found"
                tqdm.write(f"{label}: {item.label}: {result.reason}", file=sys.stderr)
    if cache.save_error:
        click.echo(f"WARNING {cache.save_error}", err=True)
    target = output or input_path
    if not records.pending and target == input_path:
        click.echo("nothing to geocode: every record has a coordinate")
        return
    try:
        atomic_write_bytes(target, records.dump())
    except OSError as exc:
        _fail(f"{target}: cannot write ({exc}); {input_path} is unchanged", 1)
    click.echo(f"geocoded {counts['geocoded']}, from cache {counts['from cache']}, "
               f"not found {counts['not found']} ({counts['not found (cached)']} cached), "
               f"failed {counts['failed']}; {geocoder.requests_sent} request(s) sent; "
               f"wrote {target}")
    if counts["failed"]:
        sys.exit(1)


@click.group("import")
def import_group() -> None:
    """Import external data as map layers (the curated places are never touched)."""


@import_group.command("bochum-opendata")
@click.option("--source", help="Base URL (…/data/EDUC) or local folder with the CSV files "
                               "(default EXPLORER_OPENDATA_BASE_URL).")
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option("--state-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Folder whose layers/ receives the files (default EXPLORER_STATE_DIR).")
@click.option("--timeout", type=click.FloatRange(0, min_open=True), default=30.0,
              show_default=True,
              help="Seconds each download may take in total.")
def bochum_opendata(source: str | None, dry_run: bool, state_dir: Path | None,
                    timeout: float) -> None:
    """Schools, day-care centres and nature/geo sites from the City of Bochum's open data."""
    s = _settings()
    state = Path(state_dir or s["STATE_DIR"])
    try:
        report = run_import(source or s["OPENDATA_BASE_URL"], state, dry_run=dry_run,
                            timeout=timeout, user_agent=s["GEOCODER_USER_AGENT"])
    except SourceError as exc:
        _fail(f"{exc}\nimport failed: nothing written, the previous layers are unchanged", 1)
    for warning in report.warnings:
        click.echo(f"WARNING {warning}", err=True)
    for built, diff in zip(report.built, report.diffs, strict=True):
        kinds = Counter(f["properties"]["kind"] for f in built.features)
        kind_text = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        click.echo(f"{built.layer}: {len(built.features)} places ({kind_text}) from "
                   f"{built.rows} rows of {built.source}: {len(diff.added)} added, "
                   f"{len(diff.changed)} changed, {len(diff.removed)} removed")
        shown = [("+", diff.added), ("~", diff.changed)] if dry_run else []
        for sign, entries in [*shown, ("-", diff.removed)]:
            for fid, name in entries:
                click.echo(f"  {sign} {fid} {name}")
    if dry_run:
        click.echo("dry run: nothing written")
    elif report.written:
        click.echo("wrote " + ", ".join(map(str, report.written)))
    else:
        click.echo("layers already up to date: nothing written")
