"""schema.org JSON-LD for place pages: the place, its offers, its dated sessions as events.

Search engines need, for an ``EducationEvent``: name, startDate, location with a postal
address; ``offers`` with price and currency when a price is known. Unknown stays out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.rrule import DAILY

from . import when as when_mod
from .geojson import pick
from .when import TZ, Holidays

PLACE_TYPES = {"museum": "Museum", "university": "CollegeOrUniversity", "school": "School",
               "school_lab": "EducationalOrganization", "library": "Library", "zoo": "Zoo",
               "planetarium": "Place", "observatory": "Place", "garden": "Place",
               "makerspace": "EducationalOrganization", "kita": "ChildCare",
               "club": "Organization", "environment": "EducationalOrganization",
               "company": "Organization", "other": "Place"}
MAX_EVENTS = 20
OPEN_FORMATS = frozenset({"exhibition", "self_guided"})  # their times are opening hours
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def validity(spec: dict, now: dt.datetime) -> dict[str, str] | None:
    """validFrom/validThrough of the current or next run of a seasonal or bounded rule
    (a gap of more than a week ends a run); {} for a rule that holds now and on; None for
    a rule with no occurrence in the coming year."""
    start = when_mod.parse_local(spec["dtstart"], "dtstart")
    text = spec["rrule"].upper()
    if start <= now and not any(part in text for part in ("BYMONTH=", "UNTIL=", "COUNT=")):
        return {}
    ahead = when_mod.occurrences({"type": "recurring", "rules": [spec]}, when_mod.NO_HOLIDAYS,
                                 now, now + dt.timedelta(days=366))
    if not ahead:
        return None
    last = ahead[0][0]
    for a, _b in ahead[1:]:
        if a - last > dt.timedelta(days=8):
            break
        last = a
    return {"validFrom": ahead[0][0].date().isoformat(), "validThrough": last.date().isoformat()}


def opening_hours(offer: dict, now: dt.datetime) -> list[dict[str, Any]] | None:
    """The weekly rules of an exhibition as schema.org opening hours (None: not hours)."""
    when = offer.get("when") or {}
    if when.get("type") != "recurring" or offer.get("format") not in OPEN_FORMATS:
        return None
    specs = []
    for spec in when_mod.rules_of(when):
        valid = validity(spec, now)
        if valid is None:  # not open in the coming year: no hours to show
            continue
        start = when_mod.parse_local(spec["dtstart"], "dtstart")
        rule = when_mod.parse_rrule(spec["rrule"], start)
        days = sorted(rule._byweekday or ())  # dateutil keeps the parsed parts as attributes
        if rule._freq == DAILY:
            days = list(range(7))
        if not days:
            return None
        close = start + dt.timedelta(minutes=spec.get("duration_min") or 0)
        closes = "23:59" if close.date() > start.date() else close.strftime("%H:%M")
        specs.append({"@type": "OpeningHoursSpecification",
                      "dayOfWeek": [f"https://schema.org/{WEEKDAYS[d]}" for d in days],
                      "opens": start.strftime("%H:%M"), "closes": closes, **valid})
    return specs


def postal_address(props: dict) -> dict[str, Any]:
    a = props.get("address") or {}
    return {"@type": "PostalAddress", "streetAddress": a.get("street"),
            "postalCode": a.get("postcode"), "addressLocality": a.get("city"),
            "addressRegion": "Nordrhein-Westfalen", "addressCountry": "DE"}


def price_offer(offer: dict, url: str) -> dict[str, Any] | None:
    cost = offer.get("cost", "unknown")
    if cost == "free":
        return {"@type": "Offer", "price": 0, "priceCurrency": "EUR", "url": url}
    if cost == "paid" and offer.get("price_eur") is not None:
        return {"@type": "Offer", "price": offer["price_eur"], "priceCurrency": "EUR",
                "url": url}
    return None


def place_document(feature: dict, holidays: Holidays, lang: str, page_url: str,
                   now: dt.datetime) -> dict[str, Any]:
    props = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"]
    place_node: dict[str, Any] = {
        "@type": PLACE_TYPES.get(props["kind"], "Place"),
        "@id": page_url,
        "name": props["name"],
        "description": pick(props.get("description"), lang),
        "address": postal_address(props),
        "geo": {"@type": "GeoCoordinates", "latitude": lat, "longitude": lon},
        "url": props.get("website") or page_url,
    }
    location = {"@type": "Place", "name": props["name"], "address": postal_address(props),
                "geo": place_node["geo"]}
    events: list[dict[str, Any]] = []
    hours = []
    for offer in props.get("offers") or []:
        if offer.get("status", "active") != "active":
            continue
        url = f"{page_url}#offer-{offer['id']}"
        specs = opening_hours(offer, now)
        if specs is not None:
            hours += specs
            continue
        for start, end in when_mod.upcoming(offer.get("when"), holidays, now, count=5):
            if len(events) >= MAX_EVENTS:
                break
            event = {
                "@type": "EducationEvent",
                "name": pick(offer.get("title"), lang),
                "description": pick(offer.get("description"), lang),
                "startDate": start.replace(tzinfo=TZ).isoformat(),
                "endDate": max(end, start).replace(tzinfo=TZ).isoformat(),
                "eventStatus": "https://schema.org/EventScheduled",
                "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
                "location": location,
                "organizer": {"@type": "Organization", "name": props["name"],
                              "url": props.get("website") or page_url},
                "url": url,
            }
            if offer.get("age_min") is not None or offer.get("age_max") is not None:
                event["typicalAgeRange"] = (f"{offer.get('age_min') or 0}-"
                                            f"{offer.get('age_max') or ''}")
            price = price_offer(offer, url)
            if price:
                event["offers"] = price
            events.append({k: v for k, v in event.items() if v is not None})
    if hours:
        place_node["openingHoursSpecification"] = hours
    graph = [{k: v for k, v in place_node.items() if v is not None}, *events]
    return {"@context": "https://schema.org", "@graph": graph}
