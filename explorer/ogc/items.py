"""/collections/{id}/items and /items/{featureId}: pages of features with paging links.

``places`` and ``offers`` are answered by :func:`explorer.matching.match` on the same
snapshot and query as /api/places and /api/offers (so ``numberMatched`` equals their
``count``); the order is theirs too (name, or relevance with q, distance with near), which
is stable within a data version, so offset paging sees every feature once.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np

from .. import geojson
from ..matching import match
from ..offerindex import STATUS_CODES
from ..store import Snapshot
from ..web.api import date_json
from ..web.http import public_base_url
from . import bp
from .collections import Collection, find
from .common import (
    BASE_PARAMS,
    GEOJSON,
    JSON,
    FeatureNotFound,
    check_params,
    etag_of,
    here,
    html_answer,
    json_answer,
    language,
    link,
    not_modified,
    output_format,
    self_links,
    snapshot,
    url,
)
from .features import opened
from .params import CORE_PARAMS, QUERY_PARAMS, Paging, paging, place_query
from .texts import collection_text, ogc_texts

# the columns of the HTML list besides the name, per collection
SUMMARY = {"places": ("kind_label", "stadtteil", "offer_count"),
           "offers": ("place_name", "format_label", "next_date"),
           "schools": ("kind", "street", "postcode"), "daycare": ("kind", "street", "postcode"),
           "focus-areas": ("place_count",), "districts": ("place_count",)}


def query_page(snap: Snapshot, c: Collection, page: Paging, lang: str
               ) -> tuple[int, list[bytes], list[bytes]]:
    """numberMatched and the page's open features with their closing tails."""
    query = place_query(snap, page)
    found = match(snap, query)
    base = public_base_url()
    window = slice(page.offset, page.offset + page.limit)
    if c.id == "places":
        rows = found.places[window]
        counts = np.bincount(snap.offers.place[found.offers], minlength=len(snap.ids))
        tails = [b',"offer_count":%d' % n for n in counts[rows].tolist()]
        metres = found.distances[window] if found.distances is not None else None
        matched, features = len(found.places), opened(snap, "places", query.lang, base)
    else:
        order = found.offer_order[window]
        rows = found.offers[order]
        days = date_json(snap)
        tails = [b',"next_date":%s' % days[d] for d in found.offer_next[order].tolist()]
        metres = (found.all_distances[snap.offers.place[rows]]
                  if found.all_distances is not None else None)
        matched, features = len(found.offers), opened(snap, "offers", query.lang, base)
    if metres is not None:
        tails = [b'%s,"distance_m":%d' % (t, m)
                 for t, m in zip(tails, metres.round().astype(int).tolist(), strict=True)]
    return matched, [features[i] for i in rows.tolist()], [t + b"}}," for t in tails]


def static_page(c: Collection, page: Paging) -> tuple[int, list[bytes], list[bytes]]:
    hits = c.features.in_bbox(page.bbox)
    rows = hits[page.offset: page.offset + page.limit].tolist()
    return len(hits), [c.features.encoded[i][:-2] for i in rows], [b"}},"] * len(rows)


def paging_links(page: Paging, matched: int, returned: int, fmt: str) -> list[dict]:
    mimetype = "text/html" if fmt == "html" else GEOJSON
    t = ogc_texts(language())
    links = []
    if page.offset + returned < matched:
        links.append(link(here(offset=page.offset + page.limit), "next", mimetype, t["next"]))
    if page.offset > 0:
        links.append(link(here(offset=max(0, page.offset - page.limit) or None), "prev",
                          mimetype, t["prev"]))
    return links


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    lang = language()
    c = find(collection_id, lang)
    check_params(QUERY_PARAMS if c.features is None else CORE_PARAMS)
    fmt, page = output_format(), paging()
    etag = etag_of(c.version)
    if not_modified(etag):
        return json_answer(b"", etag, GEOJSON)
    snap = snapshot()
    matched, features, tails = (query_page(snap, c, page, lang) if c.features is None
                                else static_page(c, page))
    links = self_links(fmt, GEOJSON) + paging_links(page, matched, len(features), fmt) + [
        link(url("ogc.collection", [("f", "json")], collection_id=c.id), "collection", JSON,
             collection_text(c.id, "title", lang))]
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    body = geojson.collection_of(features, tails, {
        "numberMatched": matched, "numberReturned": len(features), "timeStamp": stamp,
        "links": links})
    if fmt == "html":
        return html_answer("ogc/items.html", etag, doc=json.loads(body), collection=c.id,
                           title=collection_text(c.id, "title", lang),
                           columns=SUMMARY[c.id], first=page.offset + 1)
    return json_answer(body, etag, GEOJSON)


def one_feature(snap: Snapshot, c: Collection, feature_id: str, lang: str) -> bytes:
    """The feature's JSON with its properties closed and the feature left open."""
    base = public_base_url()
    if c.id == "places":
        i = snap.positions.get(feature_id)
        if i is not None:
            o = snap.offers
            active = int(np.count_nonzero((o.place == i) & (o.status == STATUS_CODES["active"])))
            return opened(snap, "places", lang, base)[i] + b',"offer_count":%d}' % active
    elif c.id == "offers":
        j = snap.offer_positions.get(feature_id)
        if j is not None:
            nxt = int(snap.offers.calendar.next_day[j])
            return opened(snap, "offers", lang, base)[j] + b',"next_date":%s}' % (
                date_json(snap)[nxt])
    else:
        i = c.features.positions.get(feature_id)
        if i is not None:
            return c.features.encoded[i][:-1]
    title = collection_text(c.id, "title", lang)
    raise FeatureNotFound(feature_id, f"no feature {feature_id!r} in collection {c.id!r}",
                          f"Kein Objekt {feature_id!r} in der Sammlung {title!r}.")


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str):
    lang = language()
    c = find(collection_id, lang)
    check_params(BASE_PARAMS)
    fmt = output_format()
    etag = etag_of(c.version)
    if not_modified(etag):
        return json_answer(b"", etag, GEOJSON)
    snap = snapshot()
    head = one_feature(snap, c, feature_id, lang)
    links = self_links(fmt, GEOJSON) + [
        link(url("ogc.collection", [("f", "json")], collection_id=c.id), "collection", JSON,
             collection_text(c.id, "title", lang))]
    body = head + b',"links":' + json.dumps(links, ensure_ascii=False).encode() + b"}"
    if fmt == "html":
        return html_answer("ogc/item.html", etag, doc=json.loads(body), collection=c.id,
                           title=collection_text(c.id, "title", lang))
    return json_answer(body, etag, GEOJSON)
