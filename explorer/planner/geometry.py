"""Metric geometry for the planner: EPSG:25832 transforms, the study area and the grid.

Distances are measured in UTM zone 32N (EPSG:25832), where Bochum's scale error is about
0.02 %, i.e. 0.3 m over 1.5 km, so Euclidean distances on cell centres are good enough
for planning and far cheaper than geodesics.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from ..schema import BOCHUM_BBOX

log = logging.getLogger(__name__)
METRIC_CRS = "EPSG:25832"
TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
TO_LONLAT = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
MAX_CELLS = 400_000  # ~NRW-scale grids cost seconds and GBs (../shared/PERFORMANCE.md)
NAME_KEYS = ("name", "Name", "NAME", "bezeichnung", "stadtbezirk", "bezirk", "stadtteil")


def to_metric(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = TO_METRIC.transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, float), np.asarray(y, float)


def to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = TO_LONLAT.transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon, float), np.asarray(lat, float)


def geometry_to_lonlat(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda c: np.column_stack(to_lonlat(c[:, 0], c[:, 1])))


def geometry_to_metric(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda c: np.column_stack(to_metric(c[:, 0], c[:, 1])))


@dataclass(frozen=True)
class Region:
    """A named polygon in EPSG:25832: the city, a focus area or a district."""

    id: str
    name: dict[str, str]  # lang -> label
    kind: str  # "city" | "focus" | "district"
    geometry: BaseGeometry
    approximate: bool = False


@dataclass(frozen=True)
class StudyArea:
    """Where the grid goes: the official outline when configured, else the bounding box."""

    geometry: BaseGeometry  # EPSG:25832
    source: str  # "bbox" | "outline"
    districts: tuple[Region, ...] = ()
    error: str | None = None
    signature: tuple = field(default=(), compare=False)

    def region(self) -> Region:
        return Region("bochum", {"de": "Bochum (gesamt)", "en": "Bochum (whole city)"},
                      "city", self.geometry)


def bbox_study_area(bbox: tuple[float, float, float, float] = BOCHUM_BBOX) -> StudyArea:
    """The schema's bounding box, densified so its curved UTM edges stay accurate."""
    box = geometry_to_metric(shapely.segmentize(shapely.box(*bbox), 0.005))
    shapely.prepare(box)
    return StudyArea(box, "bbox")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "district"


def load_outline(path: str | Path) -> StudyArea:
    """The city outline (its union) and, when it has several named parts, its districts.

    A file of the Stadtbezirke doubles as the outline, so one setting gives both the
    grid's extent and the per-district table. GeoJSON without a ``crs`` member is WGS84.
    """
    frame = gpd.read_file(path)
    if frame.crs is None:
        frame = frame.set_crs("EPSG:4326")
    frame = frame[frame.geometry.notna()]
    frame = frame[frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    if frame.empty:
        raise ValueError(f"{path}: no polygons")
    frame = frame.to_crs(METRIC_CRS)
    outline = shapely.make_valid(frame.geometry.union_all())
    shapely.prepare(outline)
    districts: list[Region] = []
    name_key = next((k for k in NAME_KEYS if k in frame.columns), None)
    if len(frame) > 1 and name_key:
        for i, (name, geom) in enumerate(zip(frame[name_key], frame.geometry, strict=True)):
            label = str(name) if name is not None else f"#{i + 1}"
            rid = str(frame["id"].iloc[i]) if "id" in frame.columns else _slug(label)
            districts.append(Region(rid, {"de": label, "en": label}, "district",
                                    shapely.make_valid(geom)))
    return StudyArea(outline, "outline", tuple(districts))


def study_area_for(path: str | None, cache: dict) -> StudyArea:
    """The configured outline, reloaded when the file changes; the bbox if none or broken."""
    if not path:
        return cache.setdefault(("bbox",), bbox_study_area())
    try:
        stat = Path(path).stat()
        signature = (str(path), stat.st_mtime_ns, stat.st_size)
    except OSError as exc:
        signature = (str(path), "missing", str(exc))
    found = cache.get(signature)
    if found is not None:
        return found
    try:
        area = load_outline(path)
        found = StudyArea(area.geometry, area.source, area.districts, signature=signature)
    except Exception as exc:  # a bad operator file must not take the planner down
        log.error("CITY_OUTLINE_FILE %s unusable, using the bounding box: %s", path, exc)
        box = bbox_study_area()
        found = StudyArea(box.geometry, "bbox", error=str(exc), signature=signature)
    # Build first, then swap: another thread may be reading the cache meanwhile.
    for old in [k for k in cache if k != signature]:
        cache.pop(old, None)
    cache[signature] = found
    return found


class GridTooLarge(ValueError):
    """More cells than MAX_CELLS: the caller should ask for a larger ``cell_m``."""


@dataclass(frozen=True)
class Grid:
    """Square cells aligned to multiples of ``cell_m``, kept when the centre is inside."""

    cell_m: float
    x: np.ndarray  # cell centres, EPSG:25832
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.x)

    def corners_lonlat(self) -> np.ndarray:
        """(n, 5, 2) closed rings of each cell in lon/lat, for GeoJSON."""
        h = self.cell_m / 2
        dx = np.array([-h, h, h, -h, -h])
        dy = np.array([-h, -h, h, h, -h])
        xs = (self.x[:, None] + dx).ravel()
        ys = (self.y[:, None] + dy).ravel()
        lon, lat = to_lonlat(xs, ys)
        return np.stack([lon, lat], axis=-1).reshape(len(self.x), 5, 2)

    def boxes(self) -> np.ndarray:
        h = self.cell_m / 2
        return shapely.box(self.x - h, self.y - h, self.x + h, self.y + h)


def make_grid(area: BaseGeometry, cell_m: float, max_cells: int = MAX_CELLS) -> Grid:
    minx, miny, maxx, maxy = area.bounds
    x0, y0 = np.floor(minx / cell_m) * cell_m, np.floor(miny / cell_m) * cell_m
    nx = int(np.ceil((maxx - x0) / cell_m))
    ny = int(np.ceil((maxy - y0) / cell_m))
    if nx * ny > max_cells:
        raise GridTooLarge(f"{nx * ny} cells exceed the limit of {max_cells}; use larger cells")
    xs = x0 + cell_m * (np.arange(nx) + 0.5)
    ys = y0 + cell_m * (np.arange(ny) + 0.5)
    gx, gy = np.meshgrid(xs, ys)
    gx, gy = gx.ravel(), gy.ravel()
    inside = shapely.contains_xy(area, gx, gy)
    return Grid(cell_m, gx[inside], gy[inside])
