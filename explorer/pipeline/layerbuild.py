"""Parsed open-data rows -> layer features (the format :mod:`explorer.layers` loads).

Output must be byte-for-byte reproducible from the same input, so a re-run is a no-op
that does not even touch the file (the watcher would otherwise reload for nothing): no
run timestamps, features sorted by poi_id, one feature per line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pyproj import Transformer

from ..layers import LAYER_COLUMNS
from ..schema import in_bochum, is_http_url
from .categories import classify
from .opendata import Row

SOURCE = {"name": "Stadt Bochum, Open Data (StadtBochum/OpenData)",
          "url": "https://github.com/StadtBochum/OpenData", "license": "CC0-1.0"}


@lru_cache(maxsize=1)
def _to_wgs84() -> Transformer:
    return Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)


def utm_to_lonlat(east: list[float], north: list[float]) -> list[tuple[float, float]]:
    """ETRS89 / UTM 32N metres to WGS84 degrees, rounded to 6 decimals (about 0.1 m)."""
    lons, lats = _to_wgs84().transform(east, north)
    return [(round(float(lo), 6), round(float(la), 6)) for lo, la in zip(lons, lats,
                                                                         strict=True)]


def website(link: str) -> str | None:
    """Upstream links mostly lack a scheme ('www.x.de'); https is today's safe default."""
    link = link.strip()
    if not link:
        return None
    if not re.match(r"^[a-z][a-z0-9+.-]*://", link, re.IGNORECASE):
        link = "https://" + link.lstrip("/")
    return link if is_http_url(link) else None


def category_of(row: Row) -> str:
    return row["kategorie"] or row["kateg_pfad"].rsplit("/", 1)[-1].strip()


def _number(value: str) -> float:
    return float(value.replace(",", "."))


def build_features(rows: list[Row], file: str, layer: str) -> tuple[list[dict], list[str]]:
    """One Point feature per poi_id, with every category of its repeated rows."""
    by_id: dict[str, list[Row]] = {}
    for row in rows:
        by_id.setdefault(row["poi_id"], []).append(row)
    warnings: list[str] = []
    mains = {pid: next((r for r in group if r["erstkateg"] == "1"), group[0])
             for pid, group in by_id.items()}
    for pid, group in by_id.items():
        for column in ("name", "str_hausnr", "rechts_utm", "hoch_utm"):
            if len({r[column] for r in group}) > 1:
                warnings.append(f"{file} poi_id {pid}: rows disagree on {column}; using line "
                                f"{mains[pid].line} (its main category row)")
    points = utm_to_lonlat([_number(m["rechts_utm"]) for m in mains.values()],
                           [_number(m["hoch_utm"]) for m in mains.values()])
    features = []
    for (pid, main), (lon, lat) in zip(mains.items(), points, strict=True):
        if not in_bochum(lon, lat):
            warnings.append(f"{file} line {main.line}: poi_id {pid} at {lon}, {lat} is "
                            "outside Bochum; skipped")
            continue
        features.append(_feature(pid, main, by_id[pid], lon, lat, layer, file, warnings))
    features.sort(key=lambda f: (len(f["properties"]["poi_id"]), f["properties"]["poi_id"]))
    return features, warnings


def _feature(pid: str, main: Row, group: list[Row], lon: float, lat: float, layer: str,
             file: str, warnings: list[str]) -> dict[str, Any]:
    categories = list(dict.fromkeys(c for c in map(category_of, [main, *group]) if c))
    text = f"{main['name']} {main['beschreib']}"
    kind, school_type, groups = classify(categories, text, daycare=layer == "daycare")
    postcode, _, city = main["plz_ort"].partition(" ")
    if not re.fullmatch(r"\d{5}", postcode):
        postcode, city = "", main["plz_ort"]
    link = website(main["link"])
    if main["link"] and link is None:
        warnings.append(f"{file} line {main.line}: link {main['link']!r} is not a web "
                        "address; left out")
    changed = max((r["geaendert"] or r["angelegt"] for r in group), default="") or None
    props = {"poi_id": pid, "name": main["name"], "kind": kind, "school_type": school_type,
             "main_category": categories[0] if categories else None,
             "categories": categories, "groups": groups, "street": main["str_hausnr"],
             "postcode": postcode, "city": city, "website": link, "changed": changed}
    return {"type": "Feature", "id": f"poi-{pid}",
            "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def validate(features: list[dict], file: str) -> list[str]:
    """The checks :func:`explorer.layers.load_layer` applies, plus unique ids."""
    problems, seen = [], set()
    for feature in features:
        fid = feature["id"]
        if fid in seen:
            problems.append(f"{file}: id {fid} used twice")
        seen.add(fid)
        lon, lat = feature["geometry"]["coordinates"]
        if not in_bochum(lon, lat):
            problems.append(f"{file}: {fid} outside Bochum")
        missing = [c for c in LAYER_COLUMNS if c not in feature["properties"]]
        if missing:
            problems.append(f"{file}: {fid} lacks {', '.join(missing)}")
    return problems


def layer_text(features: list[dict], retrieved: str) -> str:
    """Valid GeoJSON with one feature per line: small, diffable, reproducible."""
    head = json.dumps({"type": "FeatureCollection", "source": {**SOURCE,
                                                               "retrieved": retrieved}},
                      ensure_ascii=False)
    body = ",\n".join(json.dumps(f, ensure_ascii=False) for f in features)
    return f'{head[:-1]}, "features": [\n{body}\n]}}\n'


@dataclass
class LayerDiff:
    layer: str
    added: list[tuple[str, str]] = field(default_factory=list)  # (id, name)
    changed: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)


def diff_features(layer: str, old: list[dict], new: list[dict]) -> LayerDiff:
    before = {f.get("id"): f for f in old if isinstance(f, dict)}
    after = {f["id"]: f for f in new}
    result = LayerDiff(layer)
    for fid, feature in after.items():
        name = feature["properties"]["name"]
        if fid not in before:
            result.added.append((fid, name))
        elif before[fid] != feature:
            result.changed.append((fid, name))
    for fid, feature in before.items():
        if fid not in after:
            props = feature.get("properties") or {}
            result.removed.append((str(fid), str(props.get("name", ""))))
    return result
