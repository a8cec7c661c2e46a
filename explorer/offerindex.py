"""Offers as numpy columns: the arrays every offer-level filter runs on.

Built once per snapshot. Ages and grades are *effective* ranges: the offer's own when the
data gives them, else derived from the other range, else from its target groups (see
``geodata/FORMAT.md``), so ``age=9`` finds an offer stated only for "Grundschule". The
data itself keeps unknowns unknown; this derivation is a documented rule of the query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import when as when_mod
from .schema_offer import grade_ages
from .when import Holidays

STATUS_CODES = {"active": 0, "paused": 1, "ended": 2, "unconfirmed": 3}
GROUP_AGES = {"kita": (3, 6), "grundschule": (6, 10), "sek1": (10, 16), "sek2": (15, 19),
              "familien": (0, 99), "erwachsene": (18, 99), "lehrkraefte": (18, 99),
              "studieninteressierte": (15, 99)}
GROUP_GRADES = {"kita": (0, 0), "grundschule": (1, 4), "sek1": (5, 10), "sek2": (11, 13)}


def bits(values: list[list[str]], vocabulary: list[str]) -> np.ndarray:
    position = {v: i for i, v in enumerate(vocabulary)}
    out = np.zeros(len(values), dtype=np.uint64)
    for row, items in enumerate(values):
        for item in items:
            out[row] |= np.uint64(1) << np.uint64(position[item])
    return out


def effective_ages(offer: dict) -> tuple[float, float]:
    a_lo, a_hi = offer.get("age_min"), offer.get("age_max")
    if a_lo is not None or a_hi is not None:
        return (a_lo if a_lo is not None else 0), (a_hi if a_hi is not None else 120)
    g_lo, g_hi = offer.get("grade_min"), offer.get("grade_max")
    if g_lo is not None or g_hi is not None:
        return grade_ages(g_lo, g_hi)
    ranges = [GROUP_AGES[g] for g in offer.get("groups", []) if g in GROUP_AGES]
    if not ranges:
        return np.nan, np.nan
    return min(r[0] for r in ranges), max(r[1] for r in ranges)


def effective_grades(offer: dict) -> tuple[float, float]:
    g_lo, g_hi = offer.get("grade_min"), offer.get("grade_max")
    if g_lo is not None or g_hi is not None:
        return (g_lo if g_lo is not None else 0), (g_hi if g_hi is not None else 13)
    a_lo, a_hi = offer.get("age_min"), offer.get("age_max")
    if a_lo is not None or a_hi is not None:  # grade g stands for ages g+5 .. g+7
        lo = max(0, (a_lo if a_lo is not None else 0) - 7)
        hi = min(13, (a_hi if a_hi is not None else 120) - 5)
        return (lo, hi) if lo <= hi else (np.nan, np.nan)
    ranges = [GROUP_GRADES[g] for g in offer.get("groups", []) if g in GROUP_GRADES]
    if not ranges:
        return np.nan, np.nan
    return min(r[0] for r in ranges), max(r[1] for r in ranges)


def is_bookable(offer: dict) -> bool:
    """Groups can book it now: active, and booked by arrangement or said to be bookable."""
    if offer.get("status", "active") != "active":
        return False
    flag = offer.get("group_booking")
    if flag is not None:
        return bool(flag)
    return (offer.get("when") or {}).get("type") == "on_request"


@dataclass(frozen=True)
class Calendar:
    """One bit per offer and day from ``first`` for ``n_days`` days (little-endian bytes)."""

    first: dt.date
    n_days: int
    days: np.ndarray  # (offers, ceil(n_days / 8)) uint8
    first_day: np.ndarray  # int32, -1: no dated occurrence in the window
    last_day: np.ndarray
    next_day: np.ndarray  # first day >= today, -1: none
    today: int

    def index(self, day: dt.date) -> int:
        return (day - self.first).days

    def date(self, index: int) -> dt.date:
        return self.first + dt.timedelta(days=int(index))

    def any_in(self, candidates: np.ndarray, lo: int, hi: int) -> np.ndarray:
        """For each candidate offer: does it take place on a day in [lo, hi]?"""
        lo, hi = max(lo, 0), min(hi, self.n_days - 1)
        if lo > hi or not len(candidates):
            return np.zeros(len(candidates), bool)
        rough = (self.first_day[candidates] >= 0) & (self.first_day[candidates] <= hi)
        rough &= self.last_day[candidates] >= lo
        picked = candidates[rough]
        window = self.days[picked, lo // 8: hi // 8 + 1].copy()
        window[:, 0] &= np.uint8((0xFF << (lo % 8)) & 0xFF)
        window[:, -1] &= np.uint8(0xFF >> (7 - hi % 8))
        out = np.zeros(len(candidates), bool)
        out[np.flatnonzero(rough)] = window.any(axis=1)
        return out

    def first_in(self, offers: np.ndarray, lo: int, hi: int) -> np.ndarray:
        """First day index in [lo, hi] per offer, -1 where none."""
        lo, hi = max(lo, 0), min(hi, self.n_days - 1)
        out = np.full(len(offers), -1, np.int32)
        if lo > hi or not len(offers):
            return out
        start = lo - lo % 8
        unpacked = np.unpackbits(self.days[offers, lo // 8: hi // 8 + 1], axis=1,
                                 bitorder="little")[:, lo - start: hi - start + 1]
        has = unpacked.any(axis=1)
        out[has] = unpacked[has].argmax(axis=1) + lo
        return out


def day_key(when: dict) -> tuple[str, dict]:
    """A cache key for the days a ``when`` occupies, and the ``when`` to expand for it.

    A weekly rule occupies the same days whatever its start time, as long as its end stays
    on the same side of midnight: start such rules at 00:00 (with the duration extended to
    the same end) so thousands of offers with one rule are expanded once."""
    if when.get("type") == "recurring":
        rules = [normal_rule(r) for r in when_mod.rules_of(when)]
        when = {"type": "recurring", "rules": sorted(rules, key=repr)}
    return repr(sorted(when.items())), when


def normal_rule(rule: dict) -> dict:
    if any(part in rule.get("rrule", "").upper() for part in ("BYHOUR", "BYMINUTE")):
        return dict(rule)
    start = when_mod.parse_local(rule["dtstart"], "dtstart")
    length = rule.get("duration_min") or 0
    end = start.hour * 60 + start.minute + length  # minutes after the start day's 00:00
    extra_days = (end - 1) // 1440 if length else 0  # days the end reaches into
    return {"dtstart": start.date().isoformat() + "T00:00",
            "duration_min": extra_days * 1440 + 1, "rrule": canonical_rule(rule["rrule"])}


def canonical_rule(text: str) -> str:
    """The same rule written the same way (parts and list items sorted): a cache key only;
    dateutil still reads and expands it."""
    parts = []
    for item in text.strip().removeprefix("RRULE:").split(";"):
        name, _sep, value = item.partition("=")
        name, value = name.upper(), value.upper()
        if name in ("BYDAY", "BYMONTH", "BYMONTHDAY"):
            value = ",".join(sorted(value.split(",")))
        parts.append(f"{name}={value}")
    return ";".join(sorted(parts))


def build_calendar(whens: list[Any], holidays: Holidays, today: dt.date) -> Calendar:
    first = today - dt.timedelta(days=when_mod.DAYS_BACK)
    n_days = when_mod.DAYS_BACK + when_mod.DAYS_AHEAD
    width = (n_days + 7) // 8
    packed = np.zeros((len(whens), width), dtype=np.uint8)
    first_day = np.full(len(whens), -1, np.int32)
    last_day = np.full(len(whens), -1, np.int32)
    next_day = np.full(len(whens), -1, np.int32)
    today_i = when_mod.DAYS_BACK
    cache: dict[str, tuple[np.ndarray, int, int, int]] = {}  # data repeats the same rules
    for i, when in enumerate(whens):
        if not when or when.get("type") == "on_request":
            continue
        key, expand = day_key(when)
        hit = cache.get(key)
        if hit is None:
            days = np.array(when_mod.day_indices(expand, holidays, first, n_days), np.int64)
            row = np.zeros(width, np.uint8)
            np.bitwise_or.at(row, days >> 3, (1 << (days & 7)).astype(np.uint8))
            ahead = days[days >= today_i]
            hit = cache[key] = (row, int(days[0]) if len(days) else -1,
                                int(days[-1]) if len(days) else -1,
                                int(ahead[0]) if len(ahead) else -1)
        packed[i], first_day[i], last_day[i], next_day[i] = hit
    return Calendar(first, n_days, packed, first_day, last_day, next_day, today_i)


@dataclass(frozen=True)
class OfferIndex:
    """Columns over all offers of the served places, in place order, then data order."""

    ids: list[str]
    records: list[dict[str, Any]]
    place: np.ndarray  # int32 index into the snapshot's places
    topic_bits: np.ndarray
    group_bits: np.ndarray
    format_codes: np.ndarray
    cost_codes: np.ndarray
    price: np.ndarray  # EUR, nan: not given
    age_lo: np.ndarray
    age_hi: np.ndarray
    grade_lo: np.ndarray
    grade_hi: np.ndarray
    status: np.ndarray  # int8, STATUS_CODES
    bookable: np.ndarray
    anytime: np.ndarray  # "on request": matches any date span
    calendar: Calendar
    reused: np.ndarray  # per offer: its row in the previous index, else -1

    @classmethod
    def build(cls, places: list[dict], taxonomy: dict, holidays: Holidays,
              today: dt.date, previous: OfferIndex | None = None) -> OfferIndex:
        """Columns for ``places``; rows of offers that are the very same objects as in
        ``previous`` (built for the same day and reference files) are copied, not
        derived again, so a publish of one offer costs one offer's work."""
        records, owner = [], []
        for i, feature in enumerate(places):
            for offer in feature["properties"].get("offers") or []:
                records.append(offer)
                owner.append(i)
        old = reused_rows(records, previous.records if previous else None)
        fresh_rows = np.flatnonzero(old < 0)
        fresh = _columns([records[i] for i in fresh_rows], taxonomy, holidays, today)
        if len(fresh_rows) < len(records):
            kept = np.flatnonzero(old >= 0)
            for name, column in fresh.items():
                if name == "calendar":
                    fresh[name] = _merge_calendar(len(records), kept, previous.calendar,
                                                  old[kept], fresh_rows, column)
                else:
                    fresh[name] = _merge(len(records), kept, getattr(previous, name)[old[kept]],
                                         fresh_rows, column)
        return cls(ids=[o["id"] for o in records], records=records,
                   place=np.array(owner, np.int32), reused=old, **fresh)


def reused_rows(records: list[dict], previous: list[dict] | None) -> np.ndarray:
    """Row of each record in ``previous`` when it is the same object there, else -1
    (``previous`` stays alive meanwhile, so an object id cannot be a recycled one)."""
    if not previous:
        return np.full(len(records), -1, np.int64)
    row = {id(r): j for j, r in enumerate(previous)}
    return np.array([row.get(id(r), -1) for r in records], np.int64)


def _merge(n: int, kept: np.ndarray, kept_values: np.ndarray, fresh_rows: np.ndarray,
           fresh_values: np.ndarray) -> np.ndarray:
    out = np.empty((n, *kept_values.shape[1:]), kept_values.dtype)
    out[kept] = kept_values
    out[fresh_rows] = fresh_values
    return out


def _merge_calendar(n: int, kept: np.ndarray, old: Calendar, old_rows: np.ndarray,
                    fresh_rows: np.ndarray, fresh: Calendar) -> Calendar:
    parts = {name: _merge(n, kept, getattr(old, name)[old_rows], fresh_rows,
                          getattr(fresh, name))
             for name in ("days", "first_day", "last_day", "next_day")}
    return Calendar(fresh.first, fresh.n_days, today=fresh.today, **parts)


def _columns(records: list[dict], taxonomy: dict, holidays: Holidays,
             today: dt.date) -> dict[str, Any]:
    formats, costs = list(taxonomy["formats"]), list(taxonomy["costs"])
    ages = np.array([effective_ages(o) for o in records], float).reshape(-1, 2)
    grades = np.array([effective_grades(o) for o in records], float).reshape(-1, 2)
    whens = [o.get("when") for o in records]
    return dict(
        topic_bits=bits([o.get("topics", []) for o in records], list(taxonomy["topics"])),
        group_bits=bits([o.get("groups", []) for o in records], list(taxonomy["groups"])),
        format_codes=np.array([formats.index(o["format"]) for o in records], np.int16),
        cost_codes=np.array([costs.index(o.get("cost", "unknown")) for o in records],
                            np.int16),
        price=np.array([o.get("price_eur") if o.get("price_eur") is not None else np.nan
                        for o in records], float),
        age_lo=ages[:, 0], age_hi=ages[:, 1], grade_lo=grades[:, 0], grade_hi=grades[:, 1],
        status=np.array([STATUS_CODES[o.get("status", "active")] for o in records], np.int8),
        bookable=np.array([is_bookable(o) for o in records], bool),
        anytime=np.array([(w or {}).get("type") == "on_request" for w in whens], bool),
        calendar=build_calendar(whens, holidays, today),
    )
