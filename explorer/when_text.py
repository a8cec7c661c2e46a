"""Offer times in words, German and English ("wöchentlich Di, So 15:00–16:00, bis 31.10.2026")."""

from __future__ import annotations

import datetime as dt

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY

from . import when as when_mod
from .when import Holidays

DAYS = {"de": ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"],
        "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]}
MONTHS = {"de": ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.",
                 "Okt.", "Nov.", "Dez."],
          "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                 "Dec"]}
WORDS = {
    "de": {"on_request": "nach Vereinbarung", "weekly": "wöchentlich", "daily": "täglich",
           "monthly": "monatlich", "yearly": "jährlich", "until": "bis", "from": "ab",
           "unknown": "Termine unbekannt", "every": "alle {n} {unit}", "clock": " Uhr",
           "all_day": "rund um die Uhr", "times": "{n}-mal", "on_day": "am {n}.",
           "units": {DAILY: "Tage", WEEKLY: "Wochen", MONTHLY: "Monate", YEARLY: "Jahre"}},
    "en": {"on_request": "by arrangement", "weekly": "weekly", "daily": "daily",
           "monthly": "monthly", "yearly": "yearly", "until": "until", "from": "from",
           "unknown": "dates unknown", "every": "every {n} {unit}", "clock": "",
           "all_day": "around the clock", "times": "{n} times", "on_day": "on day {n}",
           "units": {DAILY: "days", WEEKLY: "weeks", MONTHLY: "months", YEARLY: "years"}},
}


def day(value: dt.date, lang: str) -> str:
    return value.strftime("%d.%m.%Y") if lang == "de" else value.isoformat()


def clock(value: dt.datetime | dt.time) -> str:
    return value.strftime("%H:%M")


def span(start: dt.datetime, end: dt.datetime, lang: str) -> str:
    """'Sa 05.12.2026, 15:00–16:00' (one day), an overnight slot, or a range of days."""
    weekday = DAYS[lang][start.weekday()]
    midnight = dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time())
    if end == midnight and start.time() == dt.time():  # a whole day
        return f"{weekday} {day(start.date(), lang)}"
    if start.date() != end.date() and end - start < dt.timedelta(days=1):  # overnight
        return (f"{weekday} {day(start.date(), lang)}, {clock(start)} – "
                f"{DAYS[lang][end.weekday()]} {day(end.date(), lang)}, {clock(end)}"
                f"{WORDS[lang]['clock']}")
    if start.date() == end.date():
        times = clock(start) + (f"–{clock(end)}" if end > start else "")
        if start.time() == dt.time() and end.time() in (dt.time(), dt.time(23, 59)):
            return f"{weekday} {day(start.date(), lang)}"
        return f"{weekday} {day(start.date(), lang)}, {times}{WORDS[lang]['clock']}"
    return f"{day(start.date(), lang)} – {day(end.date(), lang)}"


ORDINAL = {"en": {1: "1st", 2: "2nd", 3: "3rd", -1: "last", -2: "second to last"},
           "de": {-1: "letzter", -2: "vorletzter"}}


def ordinal(n: int, lang: str) -> str:
    return ORDINAL[lang].get(n) or (f"{n}." if lang == "de" else f"{n}th")


def month_span(months: set[int], lang: str) -> str:
    """'Nov.–Feb.' for one run of months (across the new year too), else a list."""
    names = MONTHS[lang]
    starts = [m for m in sorted(months) if (m - 2) % 12 + 1 not in months]
    if len(starts) == 1:
        first, last = starts[0], starts[0]
        while last % 12 + 1 in months and last % 12 + 1 != first:
            last = last % 12 + 1
        return names[first - 1] if first == last else f"{names[first - 1]}–{names[last - 1]}"
    return ", ".join(names[m - 1] for m in sorted(months))


def describe(when: dict | None, holidays: Holidays, lang: str) -> str:
    w = WORDS[lang]
    if not when:
        return w["unknown"]
    kind = when["type"]
    if kind == "on_request":
        return w["on_request"]
    if kind == "season":
        first, last = when_mod.season_span(when, holidays)
        name = (holidays.names.get(when.get("school_holidays") or "") or {}).get(lang)
        text = f"{day(first, lang)} – {day(last, lang)}"
        return f"{name}: {text}" if name else text
    if kind == "sessions":
        sessions = when["sessions"]
        first = when_mod.parse_local(sessions[0]["start"], "start")
        end = when_mod.parse_local(sessions[0].get("end") or sessions[0]["start"], "end")
        more = f" (+{len(sessions) - 1})" if len(sessions) > 1 else ""
        return span(first, end, lang) + more
    return "; ".join(describe_rule(r, lang) for r in when_mod.rules_of(when))


def describe_rule(spec: dict, lang: str) -> str:
    """One recurrence rule in words."""
    w = WORDS[lang]
    start = when_mod.parse_local(spec["dtstart"], "dtstart")
    rule = when_mod.parse_rrule(spec["rrule"], start)
    names = {DAILY: "daily", WEEKLY: "weekly", MONTHLY: "monthly", YEARLY: "yearly"}
    freq = names.get(rule._freq, "weekly")  # dateutil keeps the parsed parts as attributes
    weekdays = sorted(rule._byweekday or ())
    if rule._freq in (DAILY, WEEKLY) and weekdays and rule._interval == 1:
        freq = "daily" if len(weekdays) == 7 else "weekly"  # a daily rule on some days
        weekdays = [] if len(weekdays) == 7 else weekdays
    if rule._interval == 1:
        parts = [w[freq]]
    else:
        parts = [w["every"].format(n=rule._interval, unit=w["units"].get(rule._freq, ""))]
    positions = sorted(rule._bysetpos or ())
    if weekdays and positions and rule._freq in (MONTHLY, YEARLY):  # e.g. the last Friday
        parts.append(", ".join(f"{ordinal(n, lang)} {DAYS[lang][d]}" for n in positions
                               for d in weekdays))
    elif weekdays:
        parts.append(", ".join(DAYS[lang][d] for d in weekdays))
    for weekday, n in sorted(rule._bynweekday or ()):  # e.g. the 3rd Saturday of a month
        parts.append(f"{ordinal(n, lang)} {DAYS[lang][weekday]}")
    if rule._freq in (MONTHLY, YEARLY) and rule._bymonthday and not weekdays:
        original = when_mod.parse_rrule(spec["rrule"], start)._original_rule
        if "bymonthday" in original:
            parts.append(", ".join(w["on_day"].format(n=n) for n in sorted(rule._bymonthday)))
    length = dt.timedelta(minutes=spec.get("duration_min") or 0)
    if start.time() == dt.time() and length >= dt.timedelta(days=1):
        parts.append(w["all_day"])
    else:
        times = clock(start) + (f"–{clock(start + length)}" if length else "")
        parts.append(times + w["clock"])
    if rule._bymonth and len(set(rule._bymonth)) < 12:
        parts.append(f"({month_span(set(rule._bymonth), lang)})")
    if start.date() > when_mod.local_today():
        parts.append(f"{w['from']} {day(start.date(), lang)}")
    if rule._until:
        parts.append(f"{w['until']} {day(rule._until.date(), lang)}")
    if rule._count:
        parts.append(f"({w['times'].format(n=rule._count)})")
    return " ".join(parts)
