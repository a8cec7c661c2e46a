"""Serialise a :class:`Coverage`: GeoJSON (EPSG:4326), the summary dict, CSV tables.

Everything served leaves EPSG:25832 here. Distances are whole metres; "no suitable offer
at all" is ``null`` (JSON) or empty (CSV), never a fake large number.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator

import numpy as np
import shapely

from .analysis import Coverage, RegionFigures, decode_groups
from .geometry import to_lonlat

# Class breaks as fractions of the reach: four classes inside it, two beyond, then "far".
BREAK_FRACTIONS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
NO_OFFER_CLASS = len(BREAK_FRACTIONS) + 1
# viridis, 7 steps (near = yellow, far = purple; readable with all common colour-vision
# deficiencies and in greyscale); then neutral grey for "no suitable offer".
PALETTE = ("#fde725", "#90d743", "#35b779", "#21918c", "#31688e", "#443983", "#440154",
           "#595959")
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def metres(value: float | None) -> int | None:
    return int(round(value)) if value is not None and math.isfinite(value) else None


def share(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


def distance_classes(distance_m: np.ndarray, reach_m: float) -> np.ndarray:
    breaks = np.array(BREAK_FRACTIONS) * reach_m
    classes = np.digitize(distance_m, breaks, right=True)
    classes[~np.isfinite(distance_m)] = NO_OFFER_CLASS
    return classes


def class_bounds(reach_m: float) -> list[tuple[float | None, float | None]]:
    """(lower, upper) metres per class; the last two are "beyond" and "no offer"."""
    edges = [0.0, *(f * reach_m for f in BREAK_FRACTIONS)]
    bounds = [(edges[i], edges[i + 1]) for i in range(len(BREAK_FRACTIONS))]
    return [*bounds, (edges[-1], None), (None, None)]


def region_membership(coverage: Coverage) -> list[list[str]]:
    """For each demand point, the focus areas and districts it lies in."""
    d = coverage.served.points
    inside = [shapely.contains_xy(f.region.geometry, d.x, d.y) if len(d) else np.zeros(0, bool)
              for f in coverage.regions]
    return [[f.region.id for f, mask in zip(coverage.regions, inside, strict=True) if mask[i]]
            for i in range(len(d))]


def demand_rows(coverage: Coverage, only_underserved: bool = False) -> list[dict]:
    """Demand points as flat records, farthest first (the planner's priority order)."""
    s, offers = coverage.served, coverage.offers
    d = s.points
    lon, lat = to_lonlat(d.x, d.y)
    areas = region_membership(coverage)
    rows = []
    for i in np.argsort(-np.where(np.isfinite(s.distance_m), s.distance_m, 1e12),
                        kind="stable"):
        if only_underserved and not s.underserved[i]:
            continue
        j = int(s.nearest[i])
        rows.append({
            "id": d.ids[i], "name": d.names[i], "kind": d.kinds[i],
            "source": d.sources[i] if d.sources else "",
            "groups": decode_groups(d.bits[i]),
            "address": d.addresses[i] if d.addresses else "",
            "lon": round(float(lon[i]), 6), "lat": round(float(lat[i]), 6),
            "distance_m": metres(float(s.distance_m[i])),
            "nearest_offer_id": offers.ids[j] if j >= 0 else None,
            "nearest_offer_name": offers.names[j] if j >= 0 else None,
            "offers_in_reach": int(s.in_reach[i]),
            "underserved": bool(s.underserved[i]),
            "areas": areas[i],
        })
    return rows


def figures_dict(f: RegionFigures, lang: str, city: RegionFigures | None = None) -> dict:
    out = {
        "id": f.region.id, "name": f.region.name.get(lang) or f.region.name.get("de"),
        "kind": f.region.kind, "approximate": f.region.approximate,
        "offers_inside": f.offers_inside, "offers_within_reach": f.offers_within_reach,
        "demand_points": f.demand_points, "underserved": f.underserved,
        "share_underserved": share(f.share_underserved),
        "median_distance_m": metres(f.median_distance_m),
        "cells": f.cells, "cells_beyond_reach": f.cells_beyond_reach,
        "share_cells_beyond_reach": share(f.share_cells_beyond_reach),
        "median_cell_distance_m": metres(f.median_cell_distance_m),
    }
    if city is not None:
        diff = None
        if f.share_underserved is not None and city.share_underserved is not None:
            diff = round(100 * (f.share_underserved - city.share_underserved), 1)
        cells_diff = None
        if f.share_cells_beyond_reach is not None and city.share_cells_beyond_reach is not None:
            cells_diff = round(100 * (f.share_cells_beyond_reach
                                      - city.share_cells_beyond_reach), 1)
        out["vs_city"] = {"share_underserved_pp": diff, "share_cells_beyond_reach_pp": cells_diff}
    return out


def summary(coverage: Coverage, lang: str, facts: dict | None = None) -> dict:
    city = coverage.city
    return {
        "city": figures_dict(city, lang),
        "areas": [figures_dict(f, lang, city) for f in coverage.regions
                  if f.region.kind == "focus"],
        "districts": [figures_dict(f, lang, city) for f in coverage.regions
                      if f.region.kind == "district"],
        "offers": len(coverage.offers),
        "demand_points": len(coverage.served.points),
        "underserved": int(coverage.served.underserved.sum()),
        "cells": len(coverage.cells.grid),
        "study_area": coverage.study.source,
        **(facts or {}),
    }


CELL_FEATURE = ('{"type":"Feature","id":%d,"geometry":{"type":"Polygon","coordinates":[['
                + ",".join(["[%.6f,%.6f]"] * 5) + ']]},"properties":{"distance_m":%s,'
                '"offers_in_reach":%d,"class":%d,"beyond_reach":%s}}')


def grid_geojson_parts(coverage: Coverage, batch: int = 2000) -> Iterator[str]:
    """The grid's GeoJSON in pieces of ``batch`` cells, %-formatted from flat lists (28,000
    cells at 100 m: building dicts and dumping them is several times slower). In pieces,
    so that packing it never holds the whole text (7 MB at 100 m) nor all cells as Python
    objects at once."""
    cells = coverage.cells
    rings = cells.grid.corners_lonlat().reshape(len(cells.grid), 10)
    classes = distance_classes(cells.distance_m, coverage.reach_m)
    finite = np.isfinite(cells.distance_m)
    metres_ = np.round(np.where(finite, cells.distance_m, 0)).astype(np.int64)
    beyond = ~(cells.distance_m <= coverage.reach_m)
    yield ('{"type":"FeatureCollection","cell_m":' + f"{coverage.cell_m:g}"
           + ',"reach_m":' + f"{coverage.reach_m:g}" + ',"features":[')
    for start in range(0, len(rings), batch):
        part = slice(start, start + batch)
        distances = [str(v) if ok else "null"
                     for v, ok in zip(metres_[part].tolist(), finite[part].tolist(), strict=True)]
        features = [CELL_FEATURE % (start + i, *ring, distance, count, klass,
                                    "true" if far else "false")
                    for i, (ring, distance, count, klass, far) in enumerate(zip(
                        rings[part].tolist(), distances, cells.in_reach[part].tolist(),
                        classes[part].tolist(), beyond[part].tolist(), strict=True))]
        yield ("," if start else "") + ",".join(features)
    yield "]}"


def demand_geojson(coverage: Coverage) -> dict:
    features = []
    for row in demand_rows(coverage):
        props = {k: v for k, v in row.items() if k not in ("lon", "lat")}
        features.append({"type": "Feature", "id": row["id"],
                         "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
                         "properties": props})
    return {"type": "FeatureCollection", "features": features}


def coverage_json(coverage: Coverage, parameters: dict, lang: str, facts: dict) -> str:
    return "".join(coverage_json_parts(coverage, parameters, lang, facts))


def coverage_json_parts(coverage: Coverage, parameters: dict, lang: str,
                        facts: dict) -> Iterator[str]:
    """The /api/coverage body in pieces; the grid's are spliced in rather than re-parsed."""
    rest = json.dumps({"demand": demand_geojson(coverage),
                       "summary": summary(coverage, lang, facts),
                       "parameters": parameters}, ensure_ascii=False)
    yield '{"grid":'
    yield from grid_geojson_parts(coverage)
    yield "," + rest[1:]


def _cell(value: object) -> object:
    """Neutralise spreadsheet formulas in text (CSV injection), keep numbers as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    if isinstance(value, str) and value.startswith(CSV_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def to_csv(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return out.getvalue()


UNDERSERVED_COLUMNS = ["id", "name", "kind", "source", "groups", "address", "lon", "lat",
                       "distance_m", "nearest_offer_id", "nearest_offer_name",
                       "offers_in_reach", "areas"]
AREA_COLUMNS = ["id", "name", "kind", "approximate", "offers_inside", "offers_within_reach",
                "demand_points", "underserved", "share_underserved", "median_distance_m",
                "cells", "cells_beyond_reach", "share_cells_beyond_reach",
                "median_cell_distance_m", "share_underserved_vs_city_pp",
                "share_cells_beyond_reach_vs_city_pp"]


def underserved_csv(coverage: Coverage) -> str:
    return to_csv(demand_rows(coverage, only_underserved=True), UNDERSERVED_COLUMNS)


def area_rows(coverage: Coverage, lang: str) -> list[dict]:
    city = coverage.city
    rows = [figures_dict(city, lang)] + [figures_dict(f, lang, city) for f in coverage.regions]
    for row in rows:
        vs = row.pop("vs_city", {})
        row["share_underserved_vs_city_pp"] = vs.get("share_underserved_pp")
        row["share_cells_beyond_reach_vs_city_pp"] = vs.get("share_cells_beyond_reach_pp")
    return rows


def areas_csv(coverage: Coverage, lang: str) -> str:
    return to_csv(area_rows(coverage, lang), AREA_COLUMNS)
