"""The items parameters of OGC API Features Part 1 (limit, offset, bbox, datetime) and
the explorer's own filters, turned into one :class:`~explorer.query.PlaceQuery`.

``datetime`` becomes the query's date span, so offers match exactly as ``from``/``to`` do
on /api/offers (the snapshot's day calendar: sessions, recurrences, seasons; offers on
request match any span). The calendar counts Bochum days, so a date-time with an offset
is taken as the Bochum day it falls on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

from flask import current_app, request
from werkzeug.datastructures import MultiDict

from ..query import PLACE_PARAMS, ParamError, PlaceQuery, parse_bbox, parse_int
from ..store import Snapshot
from ..when import TZ
from .common import BASE_PARAMS

DEFAULT_LIMIT, MAX_LIMIT = 10, 10_000
MAX_OFFSET = 10**9
PAGING = frozenset({"limit", "offset", "bbox", "datetime"})
CORE_PARAMS = BASE_PARAMS | PAGING  # every collection
QUERY_PARAMS = CORE_PARAMS | PLACE_PARAMS | {"sort"}  # places and offers
OPEN = ("", "..")
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}"
                       r"([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?)?")
UNESCAPED_PLUS = re.compile(r"([Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:\d{2})$")


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int
    bbox: tuple[float, float, float, float] | None
    span: tuple[dt.date | None, dt.date | None] | None  # None: no datetime given


def parse_limit(text: str) -> int:
    """1..10000; larger asks get the maximum (the standard allows a server to return
    fewer than asked, never an error for a large limit), below 1 is a 400."""
    digits = text.strip()  # at most MAX_VALUE characters (common.check_params)
    if digits.isascii() and digits.isdigit() and int(digits) > MAX_LIMIT:
        return MAX_LIMIT
    return parse_int("limit", text, 1, MAX_LIMIT)


def parse_instant(text: str) -> dt.date:
    text = UNESCAPED_PLUS.sub(r"\1+\2", text)  # '+02:00' sent unencoded reads ' 02:00'
    if not DATE_TIME.fullmatch(text):
        raise ParamError("datetime", f"{text!r} is not an RFC 3339 date or date-time "
                         "(e.g. 2026-05-01 or 2026-05-01T10:00:00Z)")
    try:
        value = dt.datetime.fromisoformat(text.upper().replace(" ", "T"))
    except ValueError:
        raise ParamError("datetime", f"{text!r} is not a valid date or date-time") from None
    if value.tzinfo is None:
        return value.date()
    try:
        return value.astimezone(TZ).date()
    except (OverflowError, ValueError):  # year 1 or 9999 moved across the date line
        raise ParamError("datetime", f"{text!r} is out of range") from None


def parse_datetime(text: str) -> tuple[dt.date | None, dt.date | None]:
    """An instant, ``start/end``, ``../end`` or ``start/..`` (an empty side is open too)."""
    text = text.strip()
    if "/" not in text:
        day = parse_instant(text)
        return day, day
    if text.count("/") != 1:
        raise ParamError("datetime", f"{text!r}: an interval has one '/'")
    start_text, end_text = text.split("/")
    start = None if start_text in OPEN else parse_instant(start_text)
    end = None if end_text in OPEN else parse_instant(end_text)
    if start and end and end < start:
        raise ParamError("datetime", f"{text!r}: the end {end} is before the start {start}")
    return start, end


def paging() -> Paging:
    args = request.args
    limit = parse_limit(args["limit"]) if args.get("limit") else DEFAULT_LIMIT
    offset = parse_int("offset", args["offset"], 0, MAX_OFFSET) if args.get("offset") else 0
    bbox = parse_bbox(args["bbox"], strict=False) if args.get("bbox") else None
    span = parse_datetime(args["datetime"]) if args.get("datetime") else None
    return Paging(limit, offset, bbox, span)


def place_query(snap: Snapshot, page: Paging) -> PlaceQuery:
    """The explorer's filters as /api/places reads them, with ``datetime`` as the span."""
    rest = MultiDict([(k, v) for k, v in request.args.items(multi=True)
                      if k not in {"f", "limit", "offset", "datetime"}])
    query = PlaceQuery.from_args(rest, snap, current_app.config["DEFAULT_LANG"],
                                 allowed=QUERY_PARAMS - {"f", "limit", "offset", "datetime"})
    if page.span is None or page.span == (None, None):
        return query
    if query.date_from or query.date_to:
        raise ParamError("datetime", "give either datetime or from/to, not both")
    start, end = page.span
    cal = snap.offers.calendar
    # an open start means "any day up to end": from the calendar's first day, not today
    return dataclasses.replace(query, date_from=start or cal.first, date_to=end)
