"""Bring stored records up to the data rules of December 2026.

Every place now cites the pages that support it (``sources``), a Stadtteil is one of the
30 statistical districts, and an ended offer says since when. Records written before are
upgraded in place, each as a new revision by "migration 0003", so a database seeded or
edited earlier keeps loading: a place's sources are taken from its offers' pages, a
colloquial Stadtteil name becomes its statistical district where that is unambiguous (else
null, with the old name in ``stadtteil_note``), and an ended offer's ``ended_on`` is the day
its source was last checked (the latest day it is known to have ended by).

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


def _place(data: dict, offers: list[dict]) -> dict:
    if not isinstance(data, dict) or not isinstance(data.get("properties"), dict):
        return data  # not a feature: validation reports it, the migration leaves it
    props = dict(data["properties"])
    if not props.get("sources"):
        today = dt.date.today().isoformat()
        urls = dict.fromkeys(o["source"]["url"] for o in offers
                             if isinstance(o.get("source"), dict) and o["source"].get("url"))
        urls = urls or dict.fromkeys(u for u in [props.get("website")] if u)
        props["sources"] = [{"url": url, "read": props.get("checked") or today,
                             "about": "taken from its offers by migration 0003"}
                            for url in urls]
    teil = props.get("stadtteil")
    if teil is not None and teil not in BEZIRK_OF:
        props["stadtteil"] = OFFICIAL.get(teil)
        if props["stadtteil"] is None or BEZIRK_OF[props["stadtteil"]] != props.get(
                "stadtbezirk"):
            props["stadtteil"] = None
            props["stadtteil_note"] = f"was {teil!r}, not a statistical district: check"
    return {**data, "properties": props}


def _offer(data: dict) -> dict:
    if isinstance(data, dict) and data.get("status") == "ended" and not data.get("ended_on"):
        checked = (data.get("source") or {}).get("checked")
        return {**data, "ended_on": checked or dt.date.today().isoformat()}
    return data


def upgrade() -> None:
    session = Session(bind=op.get_bind())
    rows = session.execute(select(Record)).scalars().all()
    offers: dict[str, list[dict]] = {}
    for row in rows:
        if row.kind == OFFER and isinstance(json.loads(row.data), dict):
            offers.setdefault(row.place_id or "", []).append(json.loads(row.data))
    for row in rows:
        data = json.loads(row.data)
        new = _place(data, offers.get(row.id, [])) if row.kind == PLACE else _offer(data)
        if new != data:
            publish(session, row.kind, row.id, new, base_version=row.version, author=AUTHOR,
                    reason="data rules of December 2026", place_id=row.place_id)
    session.commit()


def downgrade() -> None:
    """The added facts are valid under the old rules too: nothing to undo."""
