"""The in-memory store: one immutable snapshot of the data, swapped whole on reload.

Requests read ``store.snapshot`` once and use it throughout, so a reload never shows a
request half-old, half-new data, and a failed reload leaves the last good snapshot serving.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy.exc import DBAPIError

from . import geojson
from .db.source import DatabaseSource
from .encoded import Encoded
from .layers import Layer, load_layers
from .load import PLACES_FILE, Dataset, Reference, dataset_of, load_dataset, load_reference
from .offerindex import STATUS_CODES, OfferIndex, reused_rows
from .schema import UNEXPECTED, DataLoadError, Problem, printable
from .search import SearchIndex
from .text import fold
from .when import local_today

log = logging.getLogger(__name__)
# While a reload is failing, try again this often even if no file seems changed: a fix
# that stat does not show (a transient read error, a directory made readable again).
RETRY_WHILE_DEGRADED = 10.0


def mask_of(ids: list[str], vocabulary: list[str]) -> np.uint64:
    position = {v: i for i, v in enumerate(vocabulary)}
    out = np.uint64(0)
    for item in ids:
        out |= np.uint64(1) << np.uint64(position[item])
    return out


@dataclass(frozen=True)
class Snapshot:
    """Arrays and pre-serialised JSON for fast filtering; built once per data version."""

    dataset: Dataset
    places: gpd.GeoDataFrame  # geocoded places only; one row per served feature
    ids: list[str]
    positions: dict[str, int]
    lon: np.ndarray
    lat: np.ndarray
    topic_bits: np.ndarray  # per place: union of its offers that have not ended
    group_bits: np.ndarray
    kind_codes: np.ndarray
    offers: OfferIndex
    search: SearchIndex
    area_masks: dict[str, np.ndarray]
    features: Encoded
    built_on: dt.date
    served: list[dict]  # the geocoded place records as authored, in ``ids`` order
    pending: list[str]  # ids of records without coordinates (to be geocoded)
    layers: dict[str, Layer] = field(default_factory=dict)
    loaded_at: float = field(default_factory=time.time)

    @cached_property  # derived from immutable data: computed once, read on every request
    def version(self) -> str:
        """Data files, layers and the calendar day (next dates move with it)."""
        layer_versions = "".join(layer.version for layer in self.layers.values())
        extra = layer_versions + self.built_on.isoformat()
        return self.dataset.version + "-" + hashlib.sha256(extra.encode()).hexdigest()[:6]

    @cached_property
    def offer_positions(self) -> dict[str, int]:
        return {oid: j for j, oid in enumerate(self.offers.ids)}

    @property
    def taxonomy(self) -> dict:
        return self.dataset.taxonomy

    @cached_property
    def vocab(self) -> dict[str, list[str]]:
        tax = self.dataset.taxonomy
        return {k: list(tax[k]) for k in ("topics", "groups", "kinds")}

    @classmethod
    def build(cls, dataset: Dataset, layers: dict[str, Layer] | None = None,
              today: dt.date | None = None, previous: Snapshot | None = None) -> Snapshot:
        """``previous``: the snapshot this one replaces; what it derived from features that
        are the same objects here (an incremental database load keeps them) is reused."""
        served = sorted((f for f in dataset.places if f.get("geometry")),
                        key=lambda f: fold(f["properties"]["name"]))
        pending = [f["id"] for f in dataset.places if not f.get("geometry")]
        tax = dataset.taxonomy
        props = [f["properties"] for f in served]
        lon = np.array([f["geometry"]["coordinates"][0] for f in served], dtype=float)
        lat = np.array([f["geometry"]["coordinates"][1] for f in served], dtype=float)
        kinds = list(tax["kinds"])
        today = today or local_today()
        if previous is not None and not (previous.built_on == today
                                         and previous.dataset.taxonomy is tax
                                         and previous.dataset.holidays is dataset.holidays
                                         and previous.dataset.synonyms is dataset.synonyms):
            previous = None  # other reference files or another day: derive everything
        offers = OfferIndex.build(served, tax, dataset.holidays, today,
                                  previous.offers if previous else None)
        place_old = reused_rows(served, previous.served if previous else None)
        derived = {key: kept(place_old, previous.places[key].tolist() if previous else None,
                             lambda p, key=key: geojson.derived(p.get("offers") or [], key,
                                                                tax, key), props)
                   for key in ("topics", "groups")}
        live = offers.status != STATUS_CODES["ended"]
        topic_bits = np.zeros(len(served), np.uint64)
        group_bits = np.zeros(len(served), np.uint64)
        np.bitwise_or.at(topic_bits, offers.place[live], offers.topic_bits[live])
        np.bitwise_or.at(group_bits, offers.place[live], offers.group_bits[live])
        frame = gpd.GeoDataFrame(
            {
                "id": [f["id"] for f in served],
                "name": [p["name"] for p in props],
                "kind": [p["kind"] for p in props],
                "topics": derived["topics"],
                "groups": derived["groups"],
            },
            geometry=gpd.points_from_xy(lon, lat),
            crs="EPSG:4326",
        )
        area_masks = {
            aid: shapely.contains_xy(geom, lon, lat) if len(lon) else np.zeros(0, bool)
            for aid, geom in zip(dataset.areas.index, dataset.areas.geometry, strict=True)
        }
        return cls(
            dataset=dataset,
            places=frame,
            ids=list(frame["id"]),
            positions={pid: i for i, pid in enumerate(frame["id"])},
            lon=lon,
            lat=lat,
            topic_bits=topic_bits,
            group_bits=group_bits,
            kind_codes=np.array([kinds.index(p["kind"]) for p in props], dtype=np.int16),
            offers=offers,
            search=SearchIndex.build(
                served, offers.records, offers.place, tax, dataset.synonyms,
                previous.search if previous else None,
                (place_old, offers.reused) if previous else None),
            area_masks=area_masks,
            features=Encoded(served, tax, offers.reused,
                             previous.features if previous else None),
            built_on=today,
            served=served,
            pending=pending,
            layers=layers or {},
        )


def kept(old_rows: np.ndarray, old_values: list | None, derive, items: list) -> list:
    """Per item: the previous snapshot's value where the item is unchanged, else derived."""
    if old_values is None:
        return [derive(item) for item in items]
    return [old_values[j] if j >= 0 else derive(item)
            for j, item in zip(old_rows.tolist(), items, strict=True)]


class PlaceStore:
    """Holds the current snapshot and reloads it from the files or the database.

    With a database (``source``), places and offers come from its published state and the
    other files from DATA_DIR; a database that cannot be reached leaves the last snapshot
    serving and is reported in ``db_error`` (shown at ``/healthz``)."""

    def __init__(self, data_dir: str | Path, areas_file: str | None = None,
                 state_dir: str | Path | None = None, source: DatabaseSource | None = None):
        self.data_dir = Path(data_dir)
        self.areas_file = areas_file or None
        self.state_dir = Path(state_dir) if state_dir else None
        self.source = source
        self._lock = threading.Lock()
        self._reference: Reference | None = None
        self.last_error: list[Problem] = []  # why the last reload failed: health degraded
        self.last_error_at: float | None = None
        self.retry_interval = RETRY_WHILE_DEGRADED
        self._attempted = time.monotonic()
        self.db_error: str | None = None
        self.db_error_since: float | None = None
        self.db_version: int | None = None
        self.snapshot: Snapshot | None = None
        self.before_swap = None  # called with a new snapshot before it serves (warming)
        # Taken *before* reading, so a file written during a load is seen as a change.
        self.seen_signature = files_signature(self)
        try:
            self.snapshot = self._build()  # start-up fails loudly on bad data
        except (RecursionError, UnicodeError) as exc:  # data-shaped, outside the readers
            raise DataLoadError([unexpected(exc)]) from exc
        # The first snapshot's objects live on (reloads reuse them): keep them out of the
        # cyclic collector's full passes, which otherwise stall every thread for a while.
        gc.collect()
        gc.freeze()

    def _build(self) -> Snapshot:
        layers = load_layers(self.state_dir) if self.state_dir else {}
        if self.source is None:
            dataset = load_dataset(self.data_dir, self.areas_file)
        else:
            reference = load_reference(self.data_dir, self.areas_file)
            if self._reference is not None and self._reference.version == reference.version:
                reference = self._reference  # same files: same objects, so reuse holds
            loaded = self.source.load(reference)
            self._reference, self.db_version = reference, loaded.version
            dataset = dataset_of(reference, loaded.features,
                                 f"{reference.version}-db{loaded.version}", "database",
                                 loaded.meta)
        return Snapshot.build(dataset, layers, previous=self.snapshot)

    def changed(self) -> bool:
        """Is there newer data than the snapshot (files, the database, the day)?"""
        if self.snapshot.built_on != local_today():
            return True
        if files_signature(self) != self.seen_signature:
            return True
        if self.last_error and time.monotonic() - self._attempted >= self.retry_interval:
            return True  # degraded: try again, bounded, in case the cause went away unseen
        if self.source is None:
            return False
        try:
            version = self.source.version()
        except DBAPIError as exc:
            self._database_down(exc)
            return False
        return version != self.db_version or self.db_error is not None

    def _database_down(self, exc: Exception) -> None:
        if self.db_error is None:
            self.db_error_since = time.time()
            log.error("database unreachable, serving the last snapshot: %s", exc)
        self.db_error = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:300]

    def _rejected(self, problems: list[Problem]) -> None:
        """Keep the last snapshot and report why at /healthz; a retry failing the same
        way is not logged again."""
        if problems != self.last_error:
            self.last_error_at = time.time()
            for problem in problems:
                log.error("reload rejected: %s", problem)
        self.last_error = problems

    def failed(self, exc: Exception) -> None:
        """A surprise, not classified bad data (so likely a bug): the traceback goes to the
        log, /healthz says degraded, the last snapshot keeps serving."""
        log.exception("reload failed unexpectedly; keeping the last good data")
        self._rejected([unexpected(exc)])

    def reload(self) -> bool:
        """Swap in fresh data; on any problem keep serving the last good snapshot."""
        with self._lock:
            self.seen_signature = files_signature(self)
            self._attempted = time.monotonic()
            try:
                snapshot = self._build()
            except DataLoadError as exc:  # every classified failure: os, decode, structure,
                self._rejected(exc.problems)  # schema
                return False
            except DBAPIError as exc:
                self._database_down(exc)
                return False
            except Exception as exc:  # a surprise still degrades health, never the data
                self.failed(exc)
                return False
            if self.before_swap is not None:
                try:
                    self.before_swap(snapshot)
                except Exception:  # warming is an optimisation; never block a reload
                    log.exception("warming the new snapshot failed")
            self.snapshot = snapshot
            self.last_error, self.last_error_at = [], None
            if self.db_error is not None:
                log.info("database reachable again")
            self.db_error = self.db_error_since = None
            log.info("data reloaded: version %s, %d places", snapshot.version,
                     len(snapshot.ids))
            return True


def unexpected(exc: BaseException) -> Problem:
    return Problem("-", "-", "-", printable(f"loading failed unexpectedly: "
                                            f"{type(exc).__name__}: {exc}")[:300], UNEXPECTED)


def files_signature(store: PlaceStore) -> tuple:
    """What stat says of every watched file: cheap to compare. The change time and mode
    move on any write, rename, chmod or utime, so a file made readable again, or rewritten
    with its old size and mtime, is seen too."""
    paths = sorted([*store.data_dir.glob("*.json"), *store.data_dir.glob("*.geojson")])
    if store.source is not None:  # the database holds the places
        paths = [p for p in paths if p.name != PLACES_FILE]
    if store.areas_file:
        paths.append(Path(store.areas_file))
    if store.state_dir:
        paths += sorted((store.state_dir / "layers").glob("*.geojson"))
    signature = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError as exc:
            signature.append((str(path), exc.errno))
            continue
        signature.append((str(path), stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size,
                          stat.st_ino, stat.st_mode))
    return tuple(signature)


def start_watcher(store: PlaceStore, interval: float) -> threading.Thread:
    """Reload when a data file or the database's data version changes."""
    def loop() -> None:
        while True:
            time.sleep(interval)
            try:
                if store.changed():
                    store.reload()
            except Exception as exc:  # the watcher must outlive any surprise, and say so
                store.failed(exc)

    thread = threading.Thread(target=loop, name="data-watcher", daemon=True)
    thread.start()
    return thread
