"""The offers API: one GeoJSON feature per matching offer, single offers, iCalendar."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request

from .. import geojson, ics
from ..geojson import pick
from ..i18n import texts
from ..matching import match
from ..query import API_PARAMS, PlaceQuery
from .api import GEOJSON, collection_response, date_json, lang_arg, snapshot
from .http import cached_response, etag_for, public_base_url

bp = Blueprint("offers", __name__, url_prefix="/api")
ICS = "text/calendar"
MAX_ICS_OFFERS = 2000


def offers_body(snap, query: PlaceQuery) -> bytes:
    """Pre-encoded offer features in answer order, each with its next date (one join)."""
    found = match(snap, query)
    opened = snap.features.get("offer", query.view, query.lang)
    days = date_json(snap)
    order = found.offer_order
    rows = found.offers[order].tolist()
    nxt = found.offer_next[order].tolist()  # -1 picks the trailing null
    tails = [b""] * len(rows)
    if found.offer_scores is not None:
        scores = found.offer_scores[order].round().astype(int).tolist()
        tails = [b'%s,"score":%d' % (t, v) for t, v in zip(tails, scores, strict=True)]
    if found.all_distances is not None:
        owners = snap.offers.place[found.offers[order]]
        metres = found.all_distances[owners].round().astype(int).tolist()
        tails = [b'%s,"distance_m":%d' % (t, v) for t, v in zip(tails, metres, strict=True)]
    closing = [b',"next_date":%s%s}},' % (days[d], t) for d, t in zip(nxt, tails, strict=True)]
    return geojson.collection_of([opened[j] for j in rows], closing,
                                 {"count": len(rows), "version": snap.version})


@bp.get("/offers")
def offers():
    return collection_response(offers_body, "offers")


def find_offer(snap, offer_id: str) -> int:
    j = snap.offer_positions.get(offer_id)
    if j is None:
        abort(404, description=f"no offer with id {offer_id!r}")
    return j


@bp.get("/offers/<offer_id>")
def offer(offer_id: str):
    snap = snapshot()
    lang = lang_arg()
    j = find_offer(snap, offer_id)
    return cached_response(snap.features.get("offer", "full", lang)[j] + b"}}",
                           etag_for(snap.version, "offer", offer_id, lang), GEOJSON)


def ics_response(body: bytes, etag: str, filename: str):
    response = cached_response(body, etag, ICS)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.get("/offers/<offer_id>.ics")
def offer_ics(offer_id: str):
    snap = snapshot()
    lang = lang_arg()
    j = find_offer(snap, offer_id)
    record = snap.offers.records[j]
    place = snap.served[int(snap.offers.place[j])]
    base = public_base_url()
    body = ics.calendar([(record, place)], snap.dataset.holidays, lang, base,
                        pick(record.get("title"), lang))
    return ics_response(body, etag_for(snap.version, "ics", offer_id, lang, base),
                        f"{offer_id}.ics")


@bp.get("/offers.ics")
def offers_ics():
    snap = snapshot()
    query = PlaceQuery.from_args(request.args, snap, current_app.config["DEFAULT_LANG"],
                                 allowed=API_PARAMS - {"view"})
    found = match(snap, query)
    picked = [int(found.offers[k]) for k in found.offer_order.tolist()]
    picked = [j for j in picked if ics.has_events(snap.offers.records[j])][:MAX_ICS_OFFERS]
    items = [(snap.offers.records[j], snap.served[int(snap.offers.place[j])]) for j in picked]
    name = texts(query.lang)["title"]
    base = public_base_url()
    body = ics.calendar(items, snap.dataset.holidays, query.lang, base, name)
    return ics_response(body, etag_for(snap.version, "ics", query.canonical(), base),
                        "mint-bochum.ics")
