"""Rewrite the generated part of geodata/SOURCES.md from geodata/places.geojson.

Every place cites the pages that support it (``sources``, with the day each was read), the
source of its point and each offer's page; this keeps the human-readable list in step with
the data. tests/test_data_sources.py fails while the file is out of date.

    .venv/bin/python scripts/sources_md.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
START, END = "<!-- places:start -->", "<!-- places:end -->"


def _place(feature: dict) -> list[str]:
    p = feature["properties"]
    coords = (feature.get("geometry") or {}).get("coordinates")
    source = p.get("coordinate_source") or {}
    where = f"lat/lon {coords[1]:.6f}, {coords[0]:.6f}" if coords else "not geocoded yet"
    ref = source.get("city_ref")
    city = f"; city object {ref['dataset']} {ref['id']}" if ref else ""
    lines = [f"### `{feature['id']}` – {p['name']}", "",
             f"- Coordinate ({where}): {source.get('text')}{city} – {source.get('url')} "
             f"(obtained {source.get('obtained')})",
             f"- Stadtteil/Stadtbezirk: {p.get('stadtteil') or 'unknown'} / {p['stadtbezirk']}"
             + (f" ({p['stadtteil_note']})" if p.get("stadtteil_note") else "")]
    if p.get("website"):
        lines.append(f"- Website: {p['website']}")
    for entry in p.get("sources") or []:
        about = f" ({entry['about']})" if entry.get("about") else ""
        lines.append(f"- Source: {entry['url']}{about}, read {entry['read']}")
    for offer in p.get("offers") or []:
        src = offer.get("source") or {}
        status = offer.get("status", "active")
        ended = f", ended {offer['ended_on']}" if offer.get("ended_on") else ""
        lines.append(f"- Offer `{offer['id']}` ({status}{ended}) – {offer['title']['de']}: "
                     f"{src.get('url')}, checked {src.get('checked')}")
    if not p.get("offers"):
        lines.append("- no verified MINT offer: kept, not served")
    return [*lines, ""]


def section(places: dict) -> str:
    lines: list[str] = []
    for feature in sorted(places["features"], key=lambda f: f["id"]):
        lines += _place(feature)
    return "\n".join(lines).rstrip()


def render(sources_text: str, places: dict) -> str:
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    return pattern.sub(lambda _m: f"{START}\n{section(places)}\n{END}", sources_text)


def main() -> None:
    path = REPO / "geodata" / "SOURCES.md"
    places = json.loads((REPO / "geodata" / "places.geojson").read_text(encoding="utf-8"))
    path.write_text(render(path.read_text(encoding="utf-8"), places), encoding="utf-8")


if __name__ == "__main__":
    main()
