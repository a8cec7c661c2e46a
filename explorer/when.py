"""When an offer takes place: dated sessions, an RFC 5545 recurrence, a season, on request.

Recurrences are expanded by python-dateutil, never by hand. Times are local Bochum time
(naive ISO in the data, Europe/Berlin when exported). The store turns every offer into a
bit per day of a calendar window (:class:`Calendar`), so a date filter over 500,000 offers
is a few numpy operations; exact times are computed here for pages and iCalendar.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

TZ = ZoneInfo("Europe/Berlin")
TYPES = ("sessions", "recurring", "on_request", "season")
RRULE_PARTS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTH",
                         "BYMONTHDAY", "BYSETPOS", "BYHOUR", "BYMINUTE", "BYWEEKNO",
                         "BYYEARDAY", "WKST"})
FREQS = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
MAX_EXPANSION = 5000  # occurrences per offer and window: a daily rule over 10 years fits
DAYS_BACK, DAYS_AHEAD = 366, 2 * 366  # the calendar window around the build day
YEARS = (2000, 2100)


def local_today() -> dt.date:
    """Today in Bochum (the server's clock may run on UTC)."""
    return dt.datetime.now(TZ).date()


class WhenError(ValueError):
    """A problem in one offer's ``when``; ``field`` is relative to it (e.g. 'rrule')."""

    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        super().__init__(f"{field}: {message}")


def within_years(value, text: str, field: str):
    """Dates are bounded to YEARS: this also bounds how far a rule is expanded."""
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise WhenError(field, f"{text!r} is outside the years {YEARS[0]}-{YEARS[1]}")
    return value


def parse_local(text: Any, field: str) -> dt.datetime:
    """An ISO date or date-time without offset (local time); a date means midnight."""
    if not isinstance(text, str):
        raise WhenError(field, f"{text!r} is not an ISO date or date-time")
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise WhenError(field, f"{text!r} is not an ISO date or date-time") from None
    if value.tzinfo is not None:
        raise WhenError(field, f"{text!r} has a UTC offset; give local Bochum time")
    return within_years(value, text, field)


def parse_day(text: Any, field: str) -> dt.date:
    if not isinstance(text, str):
        raise WhenError(field, f"{text!r} is not an ISO date (YYYY-MM-DD)")
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        raise WhenError(field, f"{text!r} is not an ISO date (YYYY-MM-DD)") from None
    return within_years(value, text, field)


def parse_rrule(text: Any, dtstart: dt.datetime) -> rrule:
    """An RRULE value (without the 'RRULE:' prefix), refusing parts we do not support."""
    if not isinstance(text, str):
        raise WhenError("rrule", "must be an RFC 5545 RRULE such as 'FREQ=WEEKLY;BYDAY=SU'")
    return _parse_rrule(text, dtstart)


@lru_cache(maxsize=4096)  # data sets repeat a few rules many times; rrule is not mutated
def _parse_rrule(text: str, dtstart: dt.datetime) -> rrule:
    if not text.strip():
        raise WhenError("rrule", "must be an RFC 5545 RRULE such as 'FREQ=WEEKLY;BYDAY=SU'")
    parts = {}
    for item in text.strip().removeprefix("RRULE:").split(";"):
        name, sep, value = item.partition("=")
        if not sep or not value:
            raise WhenError("rrule", f"{item!r} is not NAME=VALUE")
        if name.upper() not in RRULE_PARTS:
            raise WhenError("rrule", f"unknown RRULE part {name!r} (known: "
                            + ", ".join(sorted(RRULE_PARTS)) + ")")
        parts[name.upper()] = value
    if parts.get("FREQ", "").upper() not in FREQS:
        raise WhenError("rrule", f"FREQ must be one of {', '.join(sorted(FREQS))}")
    if parts.get("UNTIL", "").upper().endswith("Z"):
        raise WhenError("rrule", "UNTIL must be local time without 'Z', like dtstart")
    if "COUNT" in parts and "UNTIL" in parts:
        raise WhenError("rrule", "COUNT and UNTIL cannot both be given")
    try:
        return rrulestr(text.strip().removeprefix("RRULE:"), dtstart=dtstart)
    except (ValueError, TypeError) as exc:
        raise WhenError("rrule", f"cannot be read: {exc}") from None


@dataclass(frozen=True)
class Holidays:
    """NRW school holidays by id (``geodata/school_holidays.json``)."""

    spans: dict[str, tuple[dt.date, dt.date]]
    names: dict[str, dict[str, str]]

    def upcoming(self, today: dt.date) -> tuple[str, dt.date, dt.date] | None:
        """The holidays in progress or next to come."""
        ahead = sorted((end >= today, start, hid) for hid, (start, end) in self.spans.items())
        for is_ahead, start, hid in ahead:
            if is_ahead:
                return hid, start, self.spans[hid][1]
        return None


NO_HOLIDAYS = Holidays({}, {})


def season_span(when: dict, holidays: Holidays) -> tuple[dt.date, dt.date]:
    hid = when.get("school_holidays")
    if hid is not None:
        if not isinstance(hid, str) or hid not in holidays.spans:
            raise WhenError("school_holidays", f"unknown NRW school holidays {hid!r} (known: "
                            + ", ".join(sorted(holidays.spans)) + ")")
        if "start" not in when and "end" not in when:
            return holidays.spans[hid]
    start = parse_day(when.get("start"), "start")
    end = parse_day(when.get("end"), "end")
    if end < start:
        raise WhenError("end", f"{end} is before start {start}")
    return start, end


def check(when: Any, holidays: Holidays) -> None:
    """Raise :class:`WhenError` for the first problem in ``when`` (None = unknown)."""
    if when is None:
        return
    if not isinstance(when, dict) or when.get("type") not in TYPES:
        raise WhenError("type", f"must be one of {', '.join(TYPES)} (or when: null)")
    kind = when["type"]
    if kind == "sessions":
        sessions = when.get("sessions")
        if not isinstance(sessions, list) or not sessions:
            raise WhenError("sessions", "must be a non-empty list")
        for i, session in enumerate(sessions):
            if not isinstance(session, dict):
                raise WhenError(f"sessions[{i}]", "must be an object with start and end")
            start = parse_local(session.get("start"), f"sessions[{i}].start")
            end = parse_local(session.get("end") or session.get("start"), f"sessions[{i}].end")
            if end < start:
                raise WhenError(f"sessions[{i}].end", f"{end} is before its start {start}")
            capacity = session.get("capacity")
            if capacity is not None and (not isinstance(capacity, int) or capacity < 1
                                         or isinstance(capacity, bool)):
                raise WhenError(f"sessions[{i}].capacity", "must be a whole number >= 1")
            deadline = session.get("registration_deadline")
            if deadline is not None and parse_local(
                    deadline, f"sessions[{i}].registration_deadline") > start:
                raise WhenError(f"sessions[{i}].registration_deadline",
                                "is after the session's start")
    elif kind == "recurring" and "rules" in when:
        rules = when["rules"]
        if not isinstance(rules, list) or not rules or not all(isinstance(r, dict)
                                                               for r in rules):
            raise WhenError("rules", "must be a non-empty list of {dtstart, duration_min, rrule}")
        for i, rule in enumerate(rules):
            try:
                check_rule(rule)
            except WhenError as exc:
                raise WhenError(f"rules[{i}].{exc.field}", exc.message) from None
    elif kind == "recurring":
        check_rule(when)
    elif kind == "season":
        season_span(when, holidays)


def check_rule(rule: dict) -> None:
    start = parse_local(rule.get("dtstart"), "dtstart")
    parse_rrule(rule.get("rrule"), start)
    duration = rule.get("duration_min")
    if duration is not None and (not isinstance(duration, int) or isinstance(duration, bool)
                                 or not 1 <= duration <= 24 * 60):
        raise WhenError("duration_min", "must be whole minutes 1-1440")


def rules_of(when: dict) -> list[dict]:
    """A recurrence's rules: one (dtstart, duration_min, rrule) or several under ``rules``
    (e.g. opening hours that differ by season or weekday)."""
    return list(when["rules"]) if "rules" in when else [when]


def occurrences(when: dict | None, holidays: Holidays, start: dt.datetime, end: dt.datetime,
                limit: int = MAX_EXPANSION) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start, end) of each occurrence overlapping [start, end], in local time.

    A season is one occurrence spanning its days; "on request" and unknown have none."""
    if not when:
        return []
    kind = when["type"]
    out: list[tuple[dt.datetime, dt.datetime]] = []
    if kind == "sessions":
        for s in when["sessions"]:
            a = parse_local(s["start"], "start")
            b = parse_local(s.get("end") or s["start"], "end")
            if b >= start and a <= end:
                out.append((a, b))
        out.sort()
    elif kind == "recurring":
        for spec in rules_of(when):
            first = parse_local(spec["dtstart"], "dtstart")
            length = dt.timedelta(minutes=spec.get("duration_min") or 0)
            rule = parse_rrule(spec["rrule"], first)
            for a in rule.xafter(start - length, count=limit, inc=True):
                if a > end:
                    break
                out.append((a, a + length))
        out.sort()
    elif kind == "season":
        a, b = season_span(when, holidays)
        sa, sb = dt.datetime.combine(a, dt.time()), dt.datetime.combine(b, dt.time(23, 59))
        if sb >= start and sa <= end:
            out.append((sa, sb))
    return out


def upcoming(when: dict | None, holidays: Holidays, now: dt.datetime,
             count: int = 5, days: int = DAYS_AHEAD) -> list[tuple[dt.datetime, dt.datetime]]:
    """The next ``count`` occurrences from ``now`` (a running one included)."""
    return occurrences(when, holidays, now, now + dt.timedelta(days=days), limit=count)[:count]


def day_indices(when: dict | None, holidays: Holidays, first_day: dt.date,
                n_days: int) -> list[int]:
    """Indices (0 = ``first_day``) of the calendar days an offer takes place on."""
    start = dt.datetime.combine(first_day, dt.time())
    end = start + dt.timedelta(days=n_days) - dt.timedelta(microseconds=1)
    days: set[int] = set()
    for a, b in occurrences(when, holidays, start, end):
        lo = max((a.date() - first_day).days, 0)
        # an occurrence ending exactly at midnight does not occupy the next day
        last = (b - dt.timedelta(microseconds=1)) if b > a else b
        hi = min((last.date() - first_day).days, n_days - 1)
        days.update(range(lo, hi + 1))
    return sorted(days)
