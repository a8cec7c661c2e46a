"""Rewrite the per-offer source list in geodata/SOURCES.md from geodata/places.geojson.

Every offer cites the page it was checked on (``source``); this keeps the human-readable
list in step with the data. tests/test_load.py fails while the list is out of date.

    .venv/bin/python scripts/sources_offers.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
START, END = "<!-- offers:start -->", "<!-- offers:end -->"


def section(places: dict) -> str:
    lines = []
    for feature in sorted(places["features"], key=lambda f: f["id"]):
        lines.append(f"### `{feature['id']}`")
        lines.append("")
        offers = feature["properties"].get("offers") or []
        if not offers:
            lines.append("- no verified MINT offer (see docs/data-review-2026-12.md)")
        for offer in offers:
            source = offer.get("source") or {}
            status = offer.get("status", "active")
            ended = f", ended {offer['ended_on']}" if offer.get("ended_on") else ""
            lines.append(f"- `{offer['id']}` ({status}{ended}) – {offer['title']['de']}: "
                         f"{source.get('url')} (checked {source.get('checked')})")
        lines.append("")
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
