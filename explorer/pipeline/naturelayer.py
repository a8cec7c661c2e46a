"""The optional layer "Natur- und Geo-Orte": nature-experience areas and geological sites.

The city lists nature-experience areas among its playgrounds (category
"Naturerlebnisflächen") and geological exposures, quarries and erratic boulders among its
natural monuments. They are places to explore nature and the ground beneath Bochum, but
most have no verified MINT offer, so they are a toggleable layer (imported, never copied
into geodata/); one with a verified offer becomes a curated place instead. The layer never
counts as planner demand.
"""

from __future__ import annotations

import csv
import io
import re

from .layerbuild import category_of, utm_to_lonlat
from .opendata import Row, SourceError

NATURE_CATEGORY = "Naturerlebnisflächen"
# natural monuments that are about rock, not trees
GEOLOGICAL = re.compile(r"aufschluss|steinbruch|findling|fels|gestein|geolog|klippe",
                        re.IGNORECASE)
MONUMENT_COLUMNS = ("Obj_Nr_neu", "Lage", "Bezeichnung", "Rechtswert", "Hochwert")


def parse_monuments(text: str, file: str) -> list[dict[str, str]]:
    """Rows of the natural-monument CSV (comma-separated, header row)."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        missing = [c for c in MONUMENT_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SourceError(f"{file}: header lacks column(s) {', '.join(missing)}")
        rows = [{k: (v if isinstance(v, str) else "").strip() for k, v in row.items() if k}
                for row in reader]
    except csv.Error as exc:
        raise SourceError(f"{file} line {reader.line_num}: unreadable CSV: {exc}") from None
    if not rows:
        raise SourceError(f"{file}: no usable rows")
    return rows


def _feature(fid: str, lon: float, lat: float, **props) -> dict:
    base = {"poi_id": None, "name": None, "kind": None, "categories": [], "groups": [],
            "street": None, "postcode": None, "website": None}
    return {"type": "Feature", "id": fid, "geometry": {"type": "Point",
                                                       "coordinates": [lon, lat]},
            "properties": {**base, **props}}


def _has_point(east: str, north: str) -> bool:
    try:
        float(east.replace(",", ".")), float(north.replace(",", "."))
    except ValueError:
        return False
    return True


def nature_features(playgrounds: list[Row], monuments: list[dict[str, str]],
                    monument_file: str, warnings: list[str]) -> list[dict]:
    """Nature-experience areas and geological monuments as layer features, sorted by id.
    A row without a usable coordinate is left out with a warning, not the whole layer."""
    areas = {r["poi_id"]: r for r in playgrounds if category_of(r) == NATURE_CATEGORY}
    rocks = []
    for m in monuments:
        if not GEOLOGICAL.search(m["Bezeichnung"]):
            continue
        if _has_point(m["Rechtswert"], m["Hochwert"]):
            rocks.append(m)
        else:
            warnings.append(f"{monument_file} {m['Obj_Nr_neu'] or '?'}: no usable coordinate "
                            f"({m['Rechtswert']!r}, {m['Hochwert']!r}); left out")
    points = utm_to_lonlat(
        [float(r["rechts_utm"].replace(",", ".")) for r in areas.values()]
        + [float(m["Rechtswert"].replace(",", ".")) for m in rocks],
        [float(r["hoch_utm"].replace(",", ".")) for r in areas.values()]
        + [float(m["Hochwert"].replace(",", ".")) for m in rocks])
    features = []
    for row, (lon, lat) in zip(areas.values(), points[:len(areas)], strict=True):
        postcode = row["plz_ort"].partition(" ")[0]
        features.append(_feature(f"poi-{row['poi_id']}", lon, lat, poi_id=row["poi_id"],
                                 name=row["name"], kind="nature_area",
                                 categories=[NATURE_CATEGORY], street=row["str_hausnr"],
                                 postcode=postcode if re.fullmatch(r"\d{5}", postcode)
                                 else None))
    for monument, (lon, lat) in zip(rocks, points[len(areas):], strict=True):
        ref = re.sub(r"\s+", "", monument["Obj_Nr_neu"])
        slug = re.sub(r"[^a-z0-9]+", "-", ref.lower()).strip("-")
        features.append(_feature(f"ndm-{slug}", lon, lat, poi_id=ref,
                                 name=f"{monument['Bezeichnung']} ({monument['Lage']})",
                                 kind="geotope", categories=["Naturdenkmal"],
                                 street=monument["Lage"]))
    return sorted(features, key=lambda f: f["id"])

