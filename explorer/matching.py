"""Apply a :class:`~explorer.query.PlaceQuery` to a snapshot: matching offers and places.

A place matches when at least one of its offers matches every offer-level filter (topic,
group, age, grade, dates, cost, format, bookable, status, text) and the place itself
matches the place-level ones (kind, area, bbox, near/radius). Everything is numpy masks
over the snapshot's columns; no per-request GeoDataFrame work (../shared/PERFORMANCE.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .offerindex import STATUS_CODES
from .store import Snapshot, mask_of

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    p1, p2 = math.radians(lat), np.radians(lats)
    dphi = p2 - p1
    dlmb = np.radians(lons) - math.radians(lon)
    a = np.sin(dphi / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


@dataclass(frozen=True)
class Match:
    """Matching places (in answer order) and offers (ascending: grouped by place)."""

    places: np.ndarray
    distances: np.ndarray | None  # metres, aligned with ``places``
    offers: np.ndarray
    offer_scores: np.ndarray | None  # aligned with ``offers`` (text search only)
    offer_next: np.ndarray  # day index of the next date in the span, -1: none / on request
    offer_order: np.ndarray  # positions into ``offers`` in answer order
    all_distances: np.ndarray | None  # metres from ``near`` to every place (by index)


def place_mask(snapshot: Snapshot, query) -> tuple[np.ndarray, np.ndarray | None]:
    mask = np.ones(len(snapshot.ids), dtype=bool)
    if query.kinds:
        codes = [snapshot.vocab["kinds"].index(k) for k in query.kinds]
        mask &= np.isin(snapshot.kind_codes, codes)
    if query.area:
        mask &= snapshot.area_masks[query.area]
    if query.bbox:
        w, s, e, n = query.bbox
        lon = snapshot.lon
        mask &= ((lon >= w) & (lon <= e)) if w <= e else ((lon >= w) | (lon <= e))
        mask &= (snapshot.lat >= s) & (snapshot.lat <= n)
    distances = None
    if query.near is not None:
        distances = haversine_m(query.near[0], query.near[1], snapshot.lat, snapshot.lon)
        if query.radius_km is not None:
            mask &= distances <= query.radius_km * 1000
    return mask, distances


def offer_mask(snapshot: Snapshot, query, places: np.ndarray) -> np.ndarray:
    o = snapshot.offers
    tax = snapshot.taxonomy
    mask = places[o.place]
    if len(query.statuses) == 1:  # the default: one comparison, not a set lookup
        mask &= o.status == STATUS_CODES[query.statuses[0]]
    elif len(query.statuses) < len(STATUS_CODES):
        mask &= np.isin(o.status, [STATUS_CODES[s] for s in query.statuses])
    vocab = snapshot.vocab
    if query.topics:
        mask &= (o.topic_bits & mask_of(list(query.topics), vocab["topics"])) != 0
    if query.groups:
        mask &= (o.group_bits & mask_of(list(query.groups), vocab["groups"])) != 0
    if query.formats:
        formats = list(tax["formats"])
        mask &= np.isin(o.format_codes, [formats.index(f) for f in query.formats])
    if query.age is not None:
        mask &= (o.age_lo <= query.age) & (o.age_hi >= query.age)
    if query.grade is not None:
        mask &= (o.grade_lo <= query.grade) & (o.grade_hi >= query.grade)
    if query.cost is not None:
        free = o.cost_codes == list(tax["costs"]).index("free")
        if query.cost == "free":
            mask &= free
        else:
            paid = o.cost_codes == list(tax["costs"]).index("paid")
            mask &= free | (paid & (o.price <= query.cost))
    if query.bookable is not None:
        mask &= o.bookable == query.bookable
    return mask


def match(snapshot: Snapshot, query, today_index: int | None = None) -> Match:
    o = snapshot.offers
    cal = o.calendar
    places, distances = place_mask(snapshot, query)
    offers = np.flatnonzero(offer_mask(snapshot, query, places))
    lo = cal.index(query.date_from) if query.date_from else cal.today
    hi = cal.index(query.date_to) if query.date_to else cal.n_days - 1
    dated = bool(query.date_from or query.date_to)
    if dated:  # an ended offer never takes place, whatever its old dates say
        keep = o.anytime[offers] | cal.any_in(offers, lo, hi)
        keep &= o.status[offers] != STATUS_CODES["ended"]
        offers = offers[keep]
    scores = None
    if query.q:
        scores = snapshot.search.scores(query.q, offers, o.place, o.topic_bits, o.group_bits)
        hit = scores > 0
        offers, scores = offers[hit], scores[hit]
    nxt = cal.first_in(offers, lo, hi) if dated else cal.next_day[offers]
    owners = o.place[offers]
    unique_places, first = np.unique(owners, return_index=True)
    sort = query.effective_sort
    place_rank = np.zeros(len(unique_places), float)  # smaller first
    if sort == "distance":
        place_rank = distances[unique_places]
    elif sort == "relevance":
        place_rank = -np.maximum.reduceat(scores, first) if len(first) else place_rank
    elif sort == "date":
        soon = np.where(nxt < 0, np.iinfo(np.int32).max, nxt).astype(float)
        place_rank = np.minimum.reduceat(soon, first) if len(first) else place_rank
    order = np.argsort(place_rank, kind="stable")  # ties keep name order
    ordered = unique_places[order]
    rank_of_place = np.empty(len(snapshot.ids), float)
    rank_of_place[ordered] = np.arange(len(ordered))
    if sort == "relevance":
        offer_order = np.lexsort((np.arange(len(offers)), -scores))
    elif sort == "date":
        soon = np.where(nxt < 0, np.iinfo(np.int32).max, nxt)
        offer_order = np.lexsort((np.arange(len(offers)), soon))
    else:
        offer_order = np.lexsort((np.arange(len(offers)), rank_of_place[owners]))
    return Match(ordered, distances[ordered] if distances is not None else None, offers,
                 scores, nxt, offer_order, distances)
