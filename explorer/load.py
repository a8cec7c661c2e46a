"""Read the curated data files into validated, typed structures.

Loading is all-or-nothing: any problem in any file raises :class:`DataLoadError` with every
problem found, so a running server can keep its last good data and start-up can refuse.
"""

from __future__ import annotations

import errno
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import shape

from .districts import BEZIRK_OF
from .schema import (
    DECODE,
    OS,
    DataLoadError,
    Problem,
    validate_areas,
    validate_places,
    validate_taxonomy,
)
from .schema_files import load_holidays, validate_synonyms
from .schema_json import parse_json, position
from .when import NO_HOLIDAYS, Holidays

PLACES_FILE = "places.geojson"
TAXONOMY_FILE = "taxonomy.json"
AREAS_FILE = "areas.geojson"
GAZETTEER_FILE = "gazetteer.json"
GAZETTEER_KINDS = ("stadtteil", "ortsteil", "postcode")
HOLIDAYS_FILE = "school_holidays.json"
SYNONYMS_FILE = "synonyms.json"


@dataclass
class Dataset:
    """Everything the app serves, as loaded from one consistent set of files."""

    places: list[dict[str, Any]]  # GeoJSON features, as authored
    taxonomy: dict[str, dict[str, dict[str, str]]]
    areas: gpd.GeoDataFrame  # index: area id; EPSG:4326
    gazetteer: list[dict[str, Any]]
    version: str  # hash of the files' bytes: changes whenever any file changes
    holidays: Holidays = NO_HOLIDAYS
    synonyms: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    record_meta: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> changed


def read_json(path: Path) -> tuple[Any, bytes]:
    """Parse one JSON file from one read (so the version hash matches the content). Every
    failure is a classified Problem: the file cannot be read (os), is not strict JSON in
    UTF-8 (decode, with line and column, or record and field for a lone surrogate) or is
    nested too deeply (structure); see :mod:`explorer.schema_json`."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataLoadError([Problem(str(path), "-", "-", os_message(exc), OS)]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[:exc.start].decode("utf-8")  # the first bad byte is at exc.start
        where = position(before, len(before))
        raise DataLoadError([Problem(str(path), "-", "-", f"not UTF-8 text: byte "
                                     f"0x{raw[exc.start]:02x} at {where} ({exc.reason})",
                                     DECODE)]) from None
    return parse_json(text, str(path)), raw


def os_message(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not a file"
    if isinstance(exc, PermissionError):
        return "cannot read: permission denied"
    name = errno.errorcode.get(exc.errno or 0, "")
    return f"cannot read: {exc.strerror or exc}" + (f" ({name})" if name else "")


def areas_frame(collection: dict, file: str) -> gpd.GeoDataFrame:
    """Areas as a GeoDataFrame; invalid polygons are reported, not silently fixed."""
    problems = validate_areas(collection, file)
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list):
        raise DataLoadError(problems or [Problem(file, "-", "features", "must be a list")])
    rows = []
    for feature in features:
        if not isinstance(feature, dict):
            continue
        try:
            geom = shape(feature["geometry"])
        except Exception as exc:  # shapely raises several types for malformed input
            problems.append(Problem(file, str(feature.get("id")), "geometry", str(exc)))
            continue
        if not geom.is_valid:
            problems.append(Problem(file, str(feature.get("id")), "geometry",
                                    shapely.is_valid_reason(geom)))
        rows.append({"id": feature.get("id"), "properties": feature.get("properties") or {},
                     "geometry": geom})
    if problems:
        raise DataLoadError(problems)
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326",
                             columns=["id", "properties", "geometry"])
    return frame.set_index("id", drop=False)


def validate_gazetteer(entries: Any, file: str) -> list[Problem]:
    if not isinstance(entries, list):
        return [Problem(file, "-", "-", "must be a JSON list")]
    problems = []
    for i, entry in enumerate(entries):
        name = entry.get("name") if isinstance(entry, dict) else None
        record = name if isinstance(name, str) else f"#{i}"
        if not isinstance(name, str) or not name:
            problems.append(Problem(file, record, "name", "must be a non-empty text"))
        kind = entry.get("kind") if isinstance(entry, dict) else None
        if kind not in GAZETTEER_KINDS:
            problems.append(Problem(file, record, "kind",
                                    f"{kind!r} is not one of {', '.join(GAZETTEER_KINDS)}"))
        elif kind == "stadtteil" and isinstance(name, str) and name not in BEZIRK_OF:
            problems.append(Problem(file, record, "kind", "only the 30 statistical districts "
                                    "are 'stadtteil'; call a quarter 'ortsteil'"))
        for key in ("lat", "lon"):
            value = entry.get(key) if isinstance(entry, dict) else None
            if not isinstance(value, int | float):
                problems.append(Problem(file, record, key, "must be a number"))
    return problems


@dataclass
class Reference:
    """The files besides the places: taxonomy, areas, gazetteer, holidays, synonyms."""

    taxonomy: dict[str, dict[str, dict[str, str]]]
    areas: gpd.GeoDataFrame
    gazetteer: list[dict[str, Any]]
    holidays: Holidays
    synonyms: dict[str, Any]
    version: str  # hash of these files' bytes
    sources: dict[str, str]


def _read(paths: dict[str, Path]) -> tuple[dict[str, Any], str, list[Problem]]:
    problems: list[Problem] = []
    raw: dict[str, Any] = {}
    digest = hashlib.sha256()
    for name, path in paths.items():
        try:
            raw[name], content = read_json(path)
            digest.update(content)
        except DataLoadError as exc:
            problems += exc.problems
    return raw, digest.hexdigest()[:16], problems


def _reference_paths(data_dir: Path, areas_file: str | Path | None) -> dict[str, Path]:
    return {
        "taxonomy": data_dir / TAXONOMY_FILE,
        "areas": Path(areas_file) if areas_file else data_dir / AREAS_FILE,
        "gazetteer": data_dir / GAZETTEER_FILE,
        "holidays": data_dir / HOLIDAYS_FILE,
        "synonyms": data_dir / SYNONYMS_FILE,
    }


def _reference(raw: dict[str, Any], paths: dict[str, Path], version: str,
               problems: list[Problem]) -> Reference:
    """Validate the parsed reference files; adds to ``problems`` (taxonomy first)."""
    problems += validate_taxonomy(raw["taxonomy"], str(paths["taxonomy"]))
    if problems:  # everything else needs a sound taxonomy
        raise DataLoadError(problems)
    holidays, holiday_problems = load_holidays(raw["holidays"], str(paths["holidays"]))
    problems += holiday_problems
    problems += validate_synonyms(raw["synonyms"], str(paths["synonyms"]), raw["taxonomy"])
    problems += validate_gazetteer(raw["gazetteer"], str(paths["gazetteer"]))
    areas = None
    try:
        areas = areas_frame(raw["areas"], str(paths["areas"]))
    except DataLoadError as exc:
        problems += exc.problems
    return Reference(raw["taxonomy"], areas, raw["gazetteer"], holidays, raw["synonyms"],
                     version, {k: str(v) for k, v in paths.items()})


def load_reference(data_dir: str | Path, areas_file: str | Path | None = None) -> Reference:
    """The reference files alone (the database holds the places)."""
    paths = _reference_paths(Path(data_dir), areas_file)
    raw, version, problems = _read(paths)
    if problems:
        raise DataLoadError(problems)
    reference = _reference(raw, paths, version, problems)
    if problems:
        raise DataLoadError(problems)
    return reference


def dataset_of(reference: Reference, places: list[dict[str, Any]], version: str,
               places_source: str, record_meta: dict | None = None) -> Dataset:
    return Dataset(
        places=places, taxonomy=reference.taxonomy, areas=reference.areas,
        gazetteer=reference.gazetteer, version=version, holidays=reference.holidays,
        synonyms=reference.synonyms,
        sources={**reference.sources, "places": places_source},
        record_meta=record_meta or {},
    )


def load_dataset(data_dir: str | Path, areas_file: str | Path | None = None) -> Dataset:
    """Load and validate all files of DATA_DIR (and an optional replacement areas file)."""
    data_dir = Path(data_dir)
    paths = {"places": data_dir / PLACES_FILE, **_reference_paths(data_dir, areas_file)}
    raw, version, problems = _read(paths)
    if problems:
        raise DataLoadError(problems)
    del paths["places"]
    reference = _reference(raw, paths, version, problems)
    places_file = str(data_dir / PLACES_FILE)
    problems += validate_places(raw["places"], places_file, reference.taxonomy,
                                reference.holidays)
    if problems:
        raise DataLoadError(problems)
    return dataset_of(reference, raw["places"]["features"], version, places_file)
