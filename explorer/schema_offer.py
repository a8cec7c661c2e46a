"""Validation of one offer inside a place record (the unit the explorer answers with).

Messages name file, place, offer and field, e.g.
``places.geojson: record 'thga', field 'offers[thga-mint-camp].when.end': ...``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from . import when as when_mod
from .when import Holidays, WhenError

STATUSES = ("active", "unconfirmed", "paused", "ended")
LANGUAGE = re.compile(r"^[a-z]{2}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
PHONE = re.compile(r"^\+?[0-9][0-9 ()/-]{4,30}$")
# Ages a school grade stands for (grade 1 at about 6, grade 13 at about 19; 0 = pre-school).
GRADE_AGE_LOW, GRADE_AGE_HIGH = 5, 7


def grade_ages(grade_min: int | None, grade_max: int | None) -> tuple[int, int]:
    """The ages a grade range stands for, generously (pupils repeat, start early or late)."""
    lo = 3 if grade_min in (None, 0) else grade_min + GRADE_AGE_LOW
    hi = 7 if grade_max == 0 else (grade_max if grade_max is not None else 13) + GRADE_AGE_HIGH
    return lo, hi


def _is_date(value: Any) -> bool:
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def is_int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def check_offer(c, offer: Any, i: int, tax: dict, holidays: Holidays, seen: set) -> None:
    """Add every problem of ``offer`` (the i-th of its place) to the checker ``c``."""
    if not isinstance(offer, dict):
        c.add(f"offers[{i}]", "must be an object")
        return
    oid = offer.get("id")
    field = f"offers[{oid}]" if isinstance(oid, str) else f"offers[{i}]"
    from .schema import SLUG, known  # schema imports this module; avoid a cycle at load

    if not isinstance(oid, str) or not SLUG.match(oid):
        c.add(f"{field}.id", "must be a slug like 'planetarium-schulvorstellungen'")
    elif oid in seen:
        c.add(f"{field}.id", "is used by more than one offer")
    else:
        seen.add(oid)
    c.labels(offer, "title", f"{field}.title")
    c.labels(offer, "description", f"{field}.description", required=False)
    c.ids(offer.get("topics"), f"{field}.topics", tax["topics"])
    if offer.get("topics") == []:
        c.add(f"{field}.topics", "is empty: an offer on this map needs a MINT topic")
    c.ids(offer.get("groups"), f"{field}.groups", tax["groups"])
    if not known(offer.get("format"), tax["formats"]):
        c.add(f"{field}.format", f"unknown format {offer.get('format')!r} (known: "
              + ", ".join(tax["formats"]) + ")")
    _check_ranges(c, offer, field)
    _check_cost(c, offer, field, tax)
    _check_booking(c, offer, field)
    if offer.get("checked") is not None and not _is_date(offer.get("checked")):
        c.add(f"{field}.checked", f"{offer.get('checked')!r} is not an ISO date")
    status = offer.get("status", "active")
    if status not in STATUSES:
        c.add(f"{field}.status", f"{status!r} is not one of {', '.join(STATUSES)}")
    ended_on = offer.get("ended_on")
    if ended_on is not None:
        try:
            when_mod.parse_day(ended_on, "ended_on")
        except WhenError as exc:
            c.add(f"{field}.ended_on", exc.message)
        if status != "ended":
            c.add(f"{field}.ended_on", "is set but status is not 'ended'")
        elif _is_date(ended_on) and dt.date.fromisoformat(ended_on) > when_mod.local_today():
            c.add(f"{field}.ended_on", f"{ended_on} is in the future: the offer is active "
                                       "until then")
    elif status == "ended":
        c.add(f"{field}.ended_on", "an ended offer says since when (ISO date; the first of "
                                   "the month or year when only that is known)")
    try:
        when_mod.check(offer.get("when"), holidays)
    except WhenError as exc:
        c.add(f"{field}.when.{exc.field}", exc.message)
    source = offer.get("source")
    if not isinstance(source, dict) or not source.get("url"):
        c.add(f"{field}.source", "every offer cites the page that supports it: "
                                 "{'url', 'checked'}")
    else:
        c.url(source.get("url"), f"{field}.source.url")
        if source.get("checked") is not None and not _is_date(source.get("checked")):
            c.add(f"{field}.source.checked", f"{source.get('checked')!r} is not an ISO date")


def _check_ranges(c, offer: dict, field: str) -> None:
    for name, low, high in (("grade_min", 0, 13), ("grade_max", 0, 13),
                            ("age_min", 0, 120), ("age_max", 0, 120)):
        value = offer.get(name)
        if value is not None and not is_int(value, low, high):
            c.add(f"{field}.{name}", f"must be a whole number {low}-{high} or null")
    g_lo, g_hi = offer.get("grade_min"), offer.get("grade_max")
    a_lo, a_hi = offer.get("age_min"), offer.get("age_max")
    if is_int(g_lo, 0, 13) and is_int(g_hi, 0, 13) and g_lo > g_hi:
        c.add(f"{field}.grade_min", "is greater than grade_max")
    if is_int(a_lo, 0, 120) and is_int(a_hi, 0, 120) and a_lo > a_hi:
        c.add(f"{field}.age_min", "is greater than age_max")
    if (g_lo is not None or g_hi is not None) and (a_lo is not None or a_hi is not None):
        if not all(v is None or is_int(v, 0, 120) for v in (g_lo, g_hi, a_lo, a_hi)):
            return
        lo, hi = grade_ages(g_lo, g_hi)
        if (a_hi is not None and a_hi < lo) or (a_lo is not None and a_lo > hi):
            c.add(f"{field}.age_min", f"ages {a_lo}-{a_hi} contradict grades {g_lo}-{g_hi} "
                  f"(ages {lo}-{hi})")
    size = offer.get("group_size")
    if size is not None:
        if not isinstance(size, dict) or not all(
                size.get(k) is None or is_int(size.get(k), 1, 10_000) for k in ("min", "max")):
            c.add(f"{field}.group_size", "must be {'min': n|null, 'max': n|null} or null")
        elif size.get("min") and size.get("max") and size["min"] > size["max"]:
            c.add(f"{field}.group_size", "min is greater than max")
    duration = offer.get("duration_min")
    if duration is not None and not is_int(duration, 1, 60 * 24 * 31):
        c.add(f"{field}.duration_min", "must be whole minutes or null")
    languages = offer.get("languages", [])
    if not isinstance(languages, list) or not all(
            isinstance(v, str) and LANGUAGE.match(v) for v in languages):
        c.add(f"{field}.languages", "must be a list of ISO 639-1 codes like ['de', 'en']")


def _check_cost(c, offer: dict, field: str, tax: dict) -> None:
    from .schema import known

    cost = offer.get("cost", "unknown")
    if not known(cost, tax["costs"]):
        c.add(f"{field}.cost", f"unknown cost {cost!r} (known: " + ", ".join(tax["costs"]) + ")")
    price = offer.get("price_eur")
    if price is not None:
        if not isinstance(price, int | float) or isinstance(price, bool) or not (
                0 < price <= 10_000):
            c.add(f"{field}.price_eur", "must be a positive amount in EUR or null")
        elif cost != "paid":
            c.add(f"{field}.price_eur", f"is given but cost is {cost!r}, not 'paid'")
    c.labels(offer, "price_note", f"{field}.price_note", required=False)
    for flag in ("but_eligible", "group_booking"):
        if offer.get(flag) not in (True, False, None):
            c.add(f"{field}.{flag}", "must be true, false or null")


def _check_booking(c, offer: dict, field: str) -> None:
    booking = offer.get("booking")
    if booking is None:
        return
    if not isinstance(booking, dict) or not set(booking) <= {"url", "email", "phone"}:
        c.add(f"{field}.booking", "must be null or an object with url, email and/or phone")
        return
    c.url(booking.get("url"), f"{field}.booking.url")
    email, phone = booking.get("email"), booking.get("phone")
    if email is not None and not (isinstance(email, str) and EMAIL.match(email)):
        c.add(f"{field}.booking.email", f"{email!r} is not an e-mail address")
    if phone is not None and not (isinstance(phone, str) and PHONE.match(phone)):
        c.add(f"{field}.booking.phone", f"{phone!r} is not a phone number")
