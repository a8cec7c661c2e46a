"""Imported layers (schools, day-care centres) kept apart from the curated places.

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

LAYER_NAMES = ("schools", "daycare")
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


def load_layer(path: Path, name: str) -> Layer:
    raw = path.read_bytes()
    try:
        data = json.loads(raw)
        features = data["features"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError([Problem(str(path), "-", "-", f"not a GeoJSON layer: {exc}")]) from None
    problems = []
    for feature in features:
        pid = str(feature.get("id"))
        try:
            lon, lat = feature["geometry"]["coordinates"]
        except (KeyError, TypeError, ValueError):
            problems.append(Problem(str(path), pid, "geometry", "must be a Point"))
            continue
        if not in_bochum(lon, lat):
            problems.append(Problem(str(path), pid, "geometry", "outside Bochum"))
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
