"""Imported layers (schools, day-care centres, nature and geo sites) kept apart from the
curated places.

`explorer import bochum-opendata` writes them to ``STATE_DIR/layers/<name>.geojson``; the
app shows them as toggleable map layers and the planner uses them as demand points.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from .schema import DataError, Problem, in_bochum

LAYER_NAMES = ("schools", "daycare", "nature")
LAYER_COLUMNS = ["poi_id", "name", "kind", "categories", "groups", "street", "postcode",
                 "website"]


@dataclass(frozen=True)
class Layer:
    name: str
    frame: gpd.GeoDataFrame  # EPSG:4326, columns LAYER_COLUMNS + geometry
    geojson: str  # served as is by /api/layers/<name>
    version: str


def layer_path(state_dir: Path, name: str) -> Path:
    return Path(state_dir) / "layers" / f"{name}.geojson"


def _point(feature: object) -> tuple[float, float] | None:
    """The feature's [lon, lat] when it is a well-formed Point, else None."""
    if not isinstance(feature, dict) or not isinstance(feature.get("geometry"), dict):
        return None
    geometry = feature["geometry"]
    coords = geometry.get("coordinates")
    if geometry.get("type") != "Point" or not isinstance(coords, list) or len(coords) != 2:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in coords):
        return None
    return coords[0], coords[1]


def load_layer(path: Path, name: str) -> Layer:
    """Read one layer file; anything malformed is a DataError naming file and record."""
    try:
        raw = path.read_bytes()
        data = json.loads(raw)
        features = data["features"]
        if not isinstance(features, list):
            raise TypeError("'features' is not a list")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError([Problem(str(path), "-", "-", f"not a GeoJSON layer: {exc}")]) from None
    problems = []
    for i, feature in enumerate(features):
        pid = str(feature.get("id")) if isinstance(feature, dict) else f"#{i}"
        point = _point(feature)
        if point is None:
            problems.append(Problem(str(path), pid, "geometry", "must be a Point [lon, lat]"))
        elif not in_bochum(*point):
            problems.append(Problem(str(path), pid, "geometry", "outside Bochum"))
        elif not isinstance(feature.get("properties"), dict):
            problems.append(Problem(str(path), pid, "properties", "must be an object"))
    if problems:
        raise DataError(problems)
    frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    for column in LAYER_COLUMNS:
        if column not in frame:
            frame[column] = None
    return Layer(name=name, frame=frame, geojson=raw.decode("utf-8"),
                 version=hashlib.sha256(raw).hexdigest()[:12])


def load_layers(state_dir: Path) -> dict[str, Layer]:
    layers = {}
    for name in LAYER_NAMES:
        path = layer_path(state_dir, name)
        if path.exists():
            layers[name] = load_layer(path, name)
    return layers
