"""Place pages: one server-rendered page per place, readable without JavaScript."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from flask import Blueprint, abort, request

from .. import geojson, ics, jsonld, when_text
from ..i18n import texts
from ..when import TZ, upcoming
from .api import lang_arg, snapshot
from .http import public_base_url
from .pages import html_page, labels, script_json

bp = Blueprint("places", __name__)


def offer_view(offer: dict, record: dict, snap, lang: str, now: dt.datetime) -> dict:
    """What the page shows of one offer: the API's fields plus times in words."""
    holidays = snap.dataset.holidays
    view = dict(offer)
    view["when_text"] = when_text.describe(record.get("when"), holidays, lang)
    view["next"] = [when_text.span(a, b, lang)
                    for a, b in upcoming(record.get("when"), holidays, now, count=3)]
    view["has_events"] = ics.has_events(record)
    view["source_url"] = (record.get("source") or {}).get("url")
    view["ended_on_text"] = date_text(record.get("ended_on"), lang)
    return view


def date_text(iso: str | None, lang: str) -> str | None:
    """An ISO date from the data as the page's language writes dates."""
    if not iso:
        return None
    try:
        return when_text.day(dt.date.fromisoformat(iso), lang)
    except ValueError:
        return iso


@bp.get("/places/<place_id>")
def place_page(place_id: str):
    snap = snapshot()
    lang = lang_arg()
    i = snap.positions.get(place_id)
    if i is None:
        abort(404, description=texts(lang)["not_found"] + f": {place_id!r}")
    record = snap.served[i]
    full = geojson.localise(record, snap.taxonomy, lang)
    now = dt.datetime.now(TZ).replace(tzinfo=None, second=0, microsecond=0)
    offers = [offer_view(o, r, snap, lang, now) for o, r in
              zip(full["properties"]["offers"], record["properties"]["offers"], strict=True)]
    order = {"active": 0, "unconfirmed": 1, "paused": 2, "ended": 3}
    offers.sort(key=lambda o: order[o["status"]])  # ended ones last, still shown
    page_url = public_base_url() + quote(request.path)
    document = jsonld.place_document(record, snap.dataset.holidays, lang, page_url, now)
    lon, lat = record["geometry"]["coordinates"]
    context = {
        "lang": lang,
        "t": texts(lang),
        "labels": labels(snap, lang),
        "place": full["properties"],
        "checked_text": date_text(full["properties"].get("checked"), lang),
        "changed_text": date_text(snap.dataset.record_meta.get(place_id, {}).get("changed"),
                                  lang),
        "place_id": place_id,
        "offers": offers,
        "lat": lat,
        "lon": lon,
        "map_url": f"/?near={lat:.5f},{lon:.5f}&radius_km=1&lang={lang}",
        "other_lang": "en" if lang == "de" else "de",
        "jsonld": script_json(document),
    }
    key = f"{place_id}|{lang}|{now:%Y-%m-%d %H}"  # next dates move with the clock
    return html_page("place.html", snap, key, context)

