"""Bring stored records up to the data rules of December 2026.

Every place now cites the pages that support it (``sources``), a Stadtteil is one of the
30 statistical districts, and an ended offer says since when. Records written before are
upgraded in place, each as a new revision by "migration 0003", so a database seeded or
edited earlier keeps loading: a place's sources are taken from its offers' pages, a
colloquial Stadtteil name becomes its statistical district where that is unambiguous (else
null, with the old name in ``stadtteil_note``), and an ended offer's ``ended_on`` is the day
its source was last checked (the latest day it is known to have ended by). An offer with no
source gets its place's page, marked unchecked, and is ``unconfirmed`` until an editor
looks at it; a place with no page at all stops the upgrade with a message naming it.

Revision ID: 0003
Revises: 0002
"""

import datetime as dt
import json

from alembic import op
from sqlalchemy import select
from sqlalchemy.orm import Session

from explorer.db.models import OFFER, PLACE, Record
from explorer.db.records import publish
from explorer.districts import BEZIRK_OF

revision = "0003"
down_revision = "0002"
AUTHOR = "migration 0003"
# quarters whose statistical district is unambiguous
OFFICIAL = {"Wiemelhausen": "Wiemelhausen/Brenschede", "Brenschede": "Wiemelhausen/Brenschede",
            "Hiltrop": "Bergen/Hiltrop", "Bergen": "Bergen/Hiltrop",
            "Harpen": "Harpen/Rosenberg", "Rosenberg": "Harpen/Rosenberg",
            "Kornharpen": "Kornharpen/Voede-Abzweig",
            "Langendreer/Alter Bahnhof": "Langendreer-Alter Bahnhof",
            "Wattenscheid": "Wattenscheid-Mitte"}


def _url(value: object) -> str | None:
    return value if isinstance(value, str) and value.startswith(("http://", "https://")) \
        else None


def _day(value: object) -> str | None:
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        return None


def _place(data: object, offers: list[dict]) -> object:
    if not isinstance(data, dict) or not isinstance(data.get("properties"), dict):
        return data  # not a feature: validation reports it, the migration leaves it
    props = dict(data["properties"])
    if not props.get("sources"):
        read = _day(props.get("checked")) or dt.date.today().isoformat()
        urls = dict.fromkeys(u for u in (_url((o.get("source") or {}).get("url"))
                                         for o in offers) if u)
        urls = urls or dict.fromkeys(u for u in (
            _url(props.get("website")),
            _url((props.get("coordinate_source") or {}).get("url"))) if u)
        if not urls:
            raise RuntimeError(f"migration 0003: place {data.get('id')!r} cites no page at "
                               "all (no offer source, website or coordinate source): add one "
                               "with the editorial form or the geodata import, then run "
                               "`explorer db upgrade` again")
        props["sources"] = [{"url": url, "read": read,
                             "about": "taken from the record by migration 0003"}
                            for url in urls]
    teil = props.get("stadtteil")
    if teil is not None and (not isinstance(teil, str) or teil not in BEZIRK_OF):
        official = OFFICIAL.get(teil) if isinstance(teil, str) else None
        if official is not None and BEZIRK_OF[official] == props.get("stadtbezirk"):
            props["stadtteil"] = official
        else:
            props["stadtteil"] = None
            props["stadtteil_note"] = f"was {teil!r}, not a statistical district: check"
    return {**data, "properties": props}


def _offer(data: object, place: dict | None) -> object:
    if not isinstance(data, dict):
        return data
    out = dict(data)
    if not isinstance(out.get("source"), dict) or not _url(out["source"].get("url")):
        # no page was recorded: the place's stands in until an editor checks the offer
        pages = (((place or {}).get("properties") or {}).get("sources") or [{}])
        url = _url(pages[0].get("url")) if isinstance(pages[0], dict) else None
        if url:
            out["source"] = {"url": url, "checked": None}
            if out.get("status", "active") == "active":
                out["status"] = "unconfirmed"
            out["notes"] = ((out.get("notes") or "") + " Migration 0003: no source was "
                            "recorded; the place's page stands in until it is checked.").strip()
    if out.get("status") == "ended" and not out.get("ended_on"):
        out["ended_on"] = (_day((out.get("source") or {}).get("checked"))
                           or dt.date.today().isoformat())
    return out


def _load(row: Record) -> object:
    try:
        return json.loads(row.data)
    except ValueError:
        return None  # unreadable: left for validation to report


def upgrade() -> None:
    session = Session(bind=op.get_bind())
    rows = session.execute(select(Record)).scalars().all()
    offers: dict[str, list[dict]] = {}
    for row in rows:
        data = _load(row)
        if row.kind == OFFER and isinstance(data, dict):
            offers.setdefault(row.place_id or "", []).append(data)
    places: dict[str, object] = {}
    for row in sorted(rows, key=lambda r: r.kind != PLACE):  # places first
        data = _load(row)
        if data is None:
            continue
        if row.kind == PLACE:
            new = places[row.id] = _place(data, offers.get(row.id, []))
        else:
            owner = places.get(row.place_id or "")
            new = _offer(data, owner if isinstance(owner, dict) else None)
        if new != data:
            publish(session, row.kind, row.id, new, base_version=row.version, author=AUTHOR,
                    reason="data rules of December 2026", place_id=row.place_id)
    session.commit()


def downgrade() -> None:
    """The added facts are valid under the old rules too: nothing to undo."""
