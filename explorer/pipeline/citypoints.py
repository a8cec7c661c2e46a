"""The City of Bochum's own points for a place, to check curated coordinates against.

A curated place may name the city object its point comes from (``coordinate_source.
city_ref``); the data tests then require the two within 50 m, and places that share a name
with a city object are held to the same rule. The five open-data files are read from a
local folder (shared/opendata/bochum or a download of StadtBochum/OpenData): the three
education files with :func:`opendata.parse`, the two auxiliary ones as plain CSV.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..matching import haversine_m
from .layerbuild import utm_to_lonlat
from .opendata import parse

FILES = {"schools": "bochum_schools.csv", "daycare_centers": "bochum_daycare_centers.csv",
         "playgrounds": "bochum_playgrounds.csv",
         "natural_monuments": "bochum_natural_monuments.csv",
         "defibrillators": "bochum_defibrillators.csv"}
# dataset -> (id column, name columns, easting, northing) of the two plain CSV files
PLAIN = {"natural_monuments": ("Obj_Nr_neu", ("Bezeichnung", "Lage"), "Rechtswert", "Hochwert"),
         "defibrillators": ("OBJECTID", ("GEBAEUDE",), "XCenter_EPSG25832",
                            "YCenter_EPSG25832")}


@dataclass(frozen=True)
class CityPoint:
    dataset: str
    id: str
    name: str
    lon: float
    lat: float


def normalise_id(value: str) -> str:
    """'LP - M/O  5' and 'LP-M/O 5' are the same object: compare ids without spaces."""
    return re.sub(r"\s+", "", value)


def normalise_name(value: str) -> str:
    """Case, punctuation and parenthesised additions do not make a different place."""
    value = re.sub(r"\([^)]*\)", " ", value.casefold())
    return " ".join(re.findall(r"\w+", value))


def _rows(dataset: str, text: str) -> list[tuple[str, str, float, float]]:
    if dataset in PLAIN:
        id_col, name_cols, east, north = PLAIN[dataset]
        return [(normalise_id(r[id_col]), " – ".join(r[c] for c in name_cols if r.get(c)),
                 float(r[east]), float(r[north]))
                for r in csv.DictReader(io.StringIO(text))]
    rows, _warnings = parse(text, FILES[dataset])
    return [(r["poi_id"], r["name"], float(r["rechts_utm"].replace(",", ".")),
             float(r["hoch_utm"].replace(",", "."))) for r in rows]


def load(folder: Path) -> dict[str, dict[str, CityPoint]]:
    """dataset -> id -> point, for every file present in ``folder``."""
    out: dict[str, dict[str, CityPoint]] = {}
    for dataset, name in FILES.items():
        path = Path(folder) / name
        if not path.is_file():
            continue
        rows = _rows(dataset, path.read_text(encoding="utf-8-sig"))
        points = utm_to_lonlat([r[2] for r in rows], [r[3] for r in rows])
        out[dataset] = {rid: CityPoint(dataset, rid, rname, lon, lat)
                        for (rid, rname, _e, _n), (lon, lat) in zip(rows, points, strict=True)}
    return out


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The query's haversine distance between two points, in metres."""
    return float(haversine_m(lat1, lon1, np.array([lat2]), np.array([lon2]))[0])


def same_place(points: dict[str, dict[str, CityPoint]], feature: dict) -> list[CityPoint]:
    """The city objects a curated place refers to: its ``city_ref`` or an equal name."""
    props = feature["properties"]
    ref = (props.get("coordinate_source") or {}).get("city_ref")
    if ref:
        hit = points.get(ref["dataset"], {}).get(normalise_id(ref["id"]))
        return [hit] if hit else []
    name = normalise_name(props["name"])
    return [p for dataset in points.values() for p in dataset.values()
            if normalise_name(p.name) == name]
