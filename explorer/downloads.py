"""The whole published data set as files: every served place as GeoJSON, every offer as CSV.

Both are built from the snapshot (its pre-encoded features and its offer index), so a
download says exactly what the API says, and a new data version is a new file.

The CSV is for planners who open it in a spreadsheet: UTF-8 with a BOM (German Excel
reads UTF-8 only with one; the planner exports do the same), ``;`` between cells (German
Excel's list separator, so a double click splits the columns), cells quoted by the csv
module where they hold ``;``, quotes or line breaks, several values in one cell joined
with ``|``, unknown values empty. Text that a spreadsheet would run as a formula gets a
leading ``'``, by the planner exports' rule.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import quote

from . import geojson
from .geojson import pick
from .planner.export import CSV_FORMULA_START
from .store import Snapshot
from .when import season_span
from .when_text import describe

CSV_DELIMITER = ";"
MULTI = "|"
BOM = "\ufeff"
# The documented column order (README "Open data"); tests hold the header to it.
OFFER_COLUMNS = (
    "offer_id", "place_id", "place_name", "place_kind", "title_de", "title_en",
    "description_de", "status", "ended_on", "topics", "topics_de", "groups", "groups_de",
    "format", "format_de", "grade_min", "grade_max", "age_min", "age_max", "cost",
    "price_eur", "but_eligible", "group_booking", "bookable", "group_size_min",
    "group_size_max", "duration_min", "languages", "when_type", "when_de", "next_date",
    "dates", "season_start", "season_end", "booking_url", "booking_email", "booking_phone",
    "source_url", "source_checked", "street", "postcode", "stadtteil", "stadtbezirk",
    "lon", "lat", "page_url",
)


def places_geojson(snap: Snapshot, lang: str) -> bytes:
    """Every served place with all its offers (any status), as the full record view of
    ``/api/places/<id>``: the snapshot's pre-encoded features, joined once."""
    opened = snap.features.get("place", "full", lang)
    return geojson.collection_of(opened, [b"}},"] * len(opened),
                                 {"count": len(opened), "version": snap.version})


def cell(value: Any) -> Any:
    """One CSV cell: unknown empty, flags true/false, lists joined, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        value = MULTI.join(str(v) for v in value)
    if isinstance(value, str) and value.startswith(CSV_FORMULA_START):
        return "'" + value
    return value


def season(when: dict | None, snap: Snapshot) -> tuple[str | None, str | None]:
    if not when or when.get("type") != "season":
        return None, None
    first, last = season_span(when, snap.dataset.holidays)
    return first.isoformat(), last.isoformat()


def german_labels(snap: Snapshot) -> dict[str, dict[str, str]]:
    return {s: {k: pick(v, "de") for k, v in snap.taxonomy[s].items()}
            for s in ("topics", "groups", "formats")}


def offer_row(snap: Snapshot, j: int, base_url: str,
              labels: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The CSV row of offer ``j`` of the snapshot's offer index."""
    o = snap.offers.records[j]
    place = snap.served[int(snap.offers.place[j])]
    p = place["properties"]
    address = p.get("address") or {}
    when = o.get("when")
    booking = o.get("booking") or {}
    size = o.get("group_size") or {}
    status = o.get("status", "active")
    day = int(snap.offers.calendar.next_day[j])
    start, end = season(when, snap)
    lon, lat = place["geometry"]["coordinates"]
    fmt = o.get("format")
    return {
        "offer_id": o["id"], "place_id": place["id"], "place_name": p["name"],
        "place_kind": p["kind"],
        "title_de": pick(o.get("title"), "de"),
        "title_en": (o.get("title") or {}).get("en"),  # no German fallback: empty if unknown
        "description_de": pick(o.get("description"), "de"),
        "status": status, "ended_on": o.get("ended_on"),
        "topics": o.get("topics", []),
        "topics_de": [labels["topics"][t] for t in o.get("topics", [])],
        "groups": o.get("groups", []),
        "groups_de": [labels["groups"][g] for g in o.get("groups", [])],
        "format": fmt, "format_de": labels["formats"].get(fmt) if fmt else None,
        **{k: o.get(k) for k in ("grade_min", "grade_max", "age_min", "age_max")},
        "cost": o.get("cost", "unknown"), "price_eur": o.get("price_eur"),
        "but_eligible": o.get("but_eligible"), "group_booking": o.get("group_booking"),
        "bookable": snap.offers.bookable[j].item(),
        "group_size_min": size.get("min"), "group_size_max": size.get("max"),
        "duration_min": o.get("duration_min"), "languages": o.get("languages", []),
        "when_type": (when or {}).get("type"),
        "when_de": describe(when, snap.dataset.holidays, "de") if when else None,
        "next_date": (snap.offers.calendar.date(day).isoformat()
                      if day >= 0 and status != "ended" else None),
        "dates": ([s["start"] for s in when["sessions"]]
                  if (when or {}).get("type") == "sessions" else None),
        "season_start": start, "season_end": end,
        "booking_url": booking.get("url"), "booking_email": booking.get("email"),
        "booking_phone": booking.get("phone"),
        "source_url": (o.get("source") or {}).get("url"),
        "source_checked": (o.get("source") or {}).get("checked"),
        "street": address.get("street"), "postcode": address.get("postcode"),
        "stadtteil": p.get("stadtteil"), "stadtbezirk": p.get("stadtbezirk"),
        "lon": lon, "lat": lat,
        "page_url": f"{base_url}/places/{quote(place['id'])}#offer-{quote(o['id'])}",
    }


def offers_csv(snap: Snapshot, base_url: str) -> str:
    """Every offer of the served places, one row each, in place then data order (the
    offer index's order), under the :data:`OFFER_COLUMNS` header; with the BOM."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\r\n",
                        quoting=csv.QUOTE_MINIMAL)
    writer.writerow(OFFER_COLUMNS)
    labels = german_labels(snap)
    for j in range(len(snap.offers.ids)):
        row = offer_row(snap, j, base_url, labels)
        writer.writerow([cell(row[c]) for c in OFFER_COLUMNS])
    return out.getvalue()
