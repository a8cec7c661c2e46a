"""Rewrite the data counts in README.md (by kind and by Stadtbezirk) from the curated data.

The README states what the data holds; typing those figures would let them drift, so they
are generated. tests/test_data_sources.py fails while the block is out of date.

    .venv/bin/python scripts/readme_data.py
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
START, END = "<!-- data-counts:start -->", "<!-- data-counts:end -->"


def _active(props: dict) -> bool:
    return any(o.get("status", "active") == "active" for o in props.get("offers") or [])


def _served(feature: dict) -> bool:
    """What /api/places lists unfiltered: geocoded, with an active offer."""
    return feature["geometry"] is not None and _active(feature["properties"])


def block(places: dict, taxonomy: dict) -> str:
    features = places["features"]
    offers = [o for f in features for o in f["properties"].get("offers") or []]
    status = Counter(o.get("status", "active") for o in offers)
    active = sum(_active(f["properties"]) for f in features)
    served = sum(map(_served, features))
    lines = [f"{len(features)} places with {len(offers)} offers "
             f"({status['active']} active, {status['unconfirmed']} not confirmed by a source of "
             f"the last two years, {status['paused']} paused, {status['ended']} ended and kept "
             f"with their date). {active} places have an active offer; the {served} of them "
             "with a point are served on the map and in the API (the others await "
             "geocoding).", "",
             "| kind | places | served | offers | active offers |", "|---|---:|---:|---:|---:|"]
    for kind, labels in taxonomy["kinds"].items():
        mine = [f for f in features if f["properties"]["kind"] == kind]
        if not mine:
            continue
        its = [o for f in mine for o in f["properties"].get("offers") or []]
        lines.append(f"| {labels['en']} (`{kind}`) | {len(mine)} | "
                     f"{sum(map(_served, mine))} | {len(its)} | "
                     f"{sum(o.get('status', 'active') == 'active' for o in its)} |")
    lines += ["", "| Stadtbezirk | places | served | offers | Stadtteile with a place |",
              "|---|---:|---:|---:|---|"]
    for bezirk in sorted({f["properties"]["stadtbezirk"] for f in features}):
        mine = [f for f in features if f["properties"]["stadtbezirk"] == bezirk]
        teile = Counter(f["properties"].get("stadtteil") or "unknown" for f in mine)
        lines.append(f"| {bezirk} | {len(mine)} | {sum(map(_served, mine))} | "
                     f"{sum(len(f['properties'].get('offers') or []) for f in mine)} | "
                     + ", ".join(f"{t} {n}" for t, n in sorted(teile.items())) + " |")
    return "\n".join(lines)


def render(readme: str, places: dict, taxonomy: dict) -> str:
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    return pattern.sub(lambda _m: f"{START}\n{block(places, taxonomy)}\n{END}", readme)


def main() -> None:
    readme = REPO / "README.md"
    places = json.loads((REPO / "geodata" / "places.geojson").read_text(encoding="utf-8"))
    taxonomy = json.loads((REPO / "geodata" / "taxonomy.json").read_text(encoding="utf-8"))
    readme.write_text(render(readme.read_text(encoding="utf-8"), places, taxonomy),
                      encoding="utf-8")


if __name__ == "__main__":
    main()
