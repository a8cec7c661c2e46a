"""iCalendar (RFC 5545) for offers, written with the ``icalendar`` library.

Dated sessions become one event each, a recurrence one event with its RRULE, a season an
all-day event over its days. "On request" and undated offers have no event: a calendar
holds only what takes place at a time. Times carry the Europe/Berlin zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from icalendar import Calendar, Event, vRecur

from . import when as when_mod
from .geojson import pick
from .when import TZ, Holidays

PRODID = "-//MINT explorer Bochum//offers//DE"


def _address(place: dict) -> str:
    a = place["properties"].get("address") or {}
    return ", ".join(v for v in (place["properties"]["name"], a.get("street"),
                                 f"{a.get('postcode', '')} {a.get('city', '')}".strip()) if v)


def _base(offer: dict, place: dict, lang: str, base_url: str, uid: str) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("summary", f"{pick(offer.get('title'), lang)} – {place['properties']['name']}")
    description = pick(offer.get("description"), lang) or ""
    link = f"{base_url}/places/{place['id']}?lang={lang}#offer-{offer['id']}"
    event.add("description", (description + "\n\n" + link).strip())
    event.add("url", link)
    event.add("location", _address(place))
    lon, lat = place["geometry"]["coordinates"]
    event.add("geo", (lat, lon))
    event.add("dtstamp", dt.datetime.now(dt.UTC).replace(microsecond=0))
    return event


def events(offer: dict, place: dict, holidays: Holidays, lang: str,
           base_url: str) -> list[Event]:
    """The VEVENTs of one offer (none for on-request or undated offers, and none unless it
    is active: a paused, unconfirmed or ended offer has no dates to put in a calendar)."""
    when = offer.get("when")
    if not when or offer.get("status", "active") != "active":
        return []
    host = base_url.split("//")[-1].split("/")[0] or "mint-explorer"
    uid = f"{offer['id']}@{host}"
    kind = when["type"]
    out = []
    if kind == "sessions":
        for i, session in enumerate(when["sessions"]):
            start = when_mod.parse_local(session["start"], "start")
            end = when_mod.parse_local(session.get("end") or session["start"], "end")
            event = _base(offer, place, lang, base_url, f"{i}-{uid}")
            event.add("dtstart", start.replace(tzinfo=TZ))
            event.add("dtend", max(end, start).replace(tzinfo=TZ))
            out.append(event)
    elif kind == "recurring":
        rules = when_mod.rules_of(when)
        for i, spec in enumerate(rules):  # one event per rule (RFC 5545: one RRULE each)
            start = when_mod.parse_local(spec["dtstart"], "dtstart")
            event = _base(offer, place, lang, base_url, f"{i}-{uid}" if len(rules) > 1 else uid)
            event.add("dtstart", start.replace(tzinfo=TZ))
            event.add("duration", dt.timedelta(minutes=spec.get("duration_min") or 60))
            rule = vRecur.from_ical(spec["rrule"].removeprefix("RRULE:"))
            if "UNTIL" in rule:  # local in the data; RFC 5545 wants UTC with a zoned DTSTART
                until = rule["UNTIL"][0]
                if not isinstance(until, dt.datetime):  # a date: until the end of that day
                    until = dt.datetime.combine(until, dt.time(23, 59, 59))
                rule["UNTIL"] = [until.replace(tzinfo=TZ).astimezone(dt.UTC)]
            event.add("rrule", rule)
            out.append(event)
    elif kind == "season":
        first, last = when_mod.season_span(when, holidays)
        event = _base(offer, place, lang, base_url, uid)
        event.add("dtstart", first)
        event.add("dtend", last + dt.timedelta(days=1))  # all-day DTEND is exclusive
        out.append(event)
    return out


def calendar(items: list[tuple[dict, dict]], holidays: Holidays, lang: str, base_url: str,
             name: str) -> bytes:
    """One VCALENDAR for (offer, place feature) pairs."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Berlin")
    for offer, place in items:
        for event in events(offer, place, holidays, lang, base_url):
            cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def has_events(offer: dict[str, Any]) -> bool:
    when = offer.get("when") or {}
    return offer.get("status", "active") == "active" and when.get("type") in {
        "sessions", "recurring", "season"}
