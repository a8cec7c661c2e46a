"""iCalendar answers (read back with vobject, an independent parser), place pages and their
schema.org JSON-LD (read back with extruct, as search engines' tools do)."""

from __future__ import annotations

import datetime as dt
import re

import extruct
import pytest
import vobject

from explorer import ics
from explorer.load import load_dataset
from tests.conftest import GEODATA, served_by_default
from tests.test_offers import SATURDAY, WEEKLY, dated_app

DATA = load_dataset(GEODATA)
PLANETARIUM = "zeiss-planetarium-bochum"
SHOW = next(o["id"] for f in DATA.places if f["id"] == PLANETARIUM
            for o in f["properties"]["offers"])
SESSIONS = {"type": "sessions", "sessions": [
    {"start": f"{SATURDAY.isoformat()}T15:00", "end": f"{SATURDAY.isoformat()}T16:00",
     "capacity": 40},
    {"start": f"{(SATURDAY + dt.timedelta(days=7)).isoformat()}T15:00",
     "end": f"{(SATURDAY + dt.timedelta(days=7)).isoformat()}T16:00"}]}


@pytest.fixture
def calendar_client(data_dir, state_dir):
    return dated_app(data_dir, state_dir, {
        SHOW: {"when": SESSIONS, "cost": "paid", "price_eur": 9.5, "status": "active"},
        WEEKLY: {"format": "show", "when": {
            "type": "recurring", "dtstart": "2026-01-04T15:00", "duration_min": 90,
            "rrule": "FREQ=WEEKLY;BYDAY=SU;UNTIL=20271031T235959"}},
    })


def parse_ics(response) -> vobject.base.Component:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    return vobject.readOne(response.get_data(as_text=True))


def test_dated_sessions_become_events_with_zone_location_and_link(calendar_client):
    cal = parse_ics(calendar_client.get(f"/api/offers/{SHOW}.ics"))
    events = cal.contents["vevent"]
    assert len(events) == 2
    first = events[0]
    start = first.dtstart.value
    assert start.tzinfo is not None and start.utcoffset() in (dt.timedelta(hours=1),
                                                             dt.timedelta(hours=2))
    assert start.date() == SATURDAY and (start.hour, start.minute) == (15, 0)
    assert first.dtend.value - start == dt.timedelta(hours=1)
    assert "Castroper Str. 67" in first.location.value
    assert f"/places/{PLANETARIUM}" in first.url.value
    assert len({e.uid.value for e in events}) == 2  # calendar apps de-duplicate by UID


def test_a_recurrence_is_one_event_with_its_rrule(calendar_client):
    cal = parse_ics(calendar_client.get(f"/api/offers/{WEEKLY}.ics?lang=en"))
    [event] = cal.contents["vevent"]
    assert event.rrule.value.startswith("FREQ=WEEKLY")
    assert "BYDAY=SU" in event.rrule.value and "UNTIL=20271031T" in event.rrule.value
    dates = list(event.getrruleset())[:3]
    assert [d.weekday() for d in dates] == [6, 6, 6]
    assert event.dtstart.value.tzinfo is not None


def test_offers_ics_holds_the_matching_offers_with_times(calendar_client):
    cal = parse_ics(calendar_client.get("/api/offers.ics?topic=astronomie"))
    summaries = [e.summary.value for e in cal.contents.get("vevent", [])]
    sky = {f["properties"]["name"] for f in DATA.places if any(
        "astronomie" in o["topics"] for o in f["properties"]["offers"])}
    assert len(summaries) >= 2 and any("Planetarium" in s for s in summaries)
    assert all(any(s.endswith(" – " + name) for name in sky) for s in summaries), summaries
    everything = parse_ics(calendar_client.get("/api/offers.ics"))
    assert len(everything.contents["vevent"]) > len(summaries)


def test_an_on_request_offer_has_no_events(client):
    offer = next(o for f in DATA.places for o in f["properties"]["offers"]
                 if (o.get("when") or {}).get("type") == "on_request")
    cal = parse_ics(client.get(f"/api/offers/{offer['id']}.ics"))
    assert "vevent" not in cal.contents and not ics.has_events(offer)


# ---------- place pages ------------------------------------------------------


def test_every_served_place_has_a_page_without_javascript(client):
    for feature in served_by_default(DATA.places):
        page = client.get(f"/places/{feature['id']}")
        assert page.status_code == 200, feature["id"]
        html = page.get_data(as_text=True)
        assert "<script src" not in html  # readable without any script
        assert feature["properties"]["name"].replace("&", "&amp;") in html
        for offer in feature["properties"]["offers"]:
            assert f'id="offer-{offer["id"]}"' in html
    assert client.get("/places/nowhere").status_code == 404


def test_place_page_shows_when_for_whom_cost_booking_and_calendar_link(calendar_client):
    html = calendar_client.get(f"/places/{PLANETARIUM}").get_data(as_text=True)
    assert "Nächste Termine" in html and SATURDAY.strftime("%d.%m.%Y") in html
    assert "9.50 €" in html and "In den Kalender (.ics)" in html
    assert f'href="/api/offers/{SHOW}.ics?lang=de"' in html
    assert re.search(r'href="/\?near=51\.4\d+,7\.2\d+&amp;radius_km=1&amp;lang=de"', html)
    english = calendar_client.get(f"/places/{PLANETARIUM}?lang=en").get_data(as_text=True)
    assert "Next dates" in english and "Add to calendar" in english
    for german in ("Nächste Termine", "Kosten", "Für wen", "Zur Karte"):
        assert german not in english
    assert "Next dates" not in html and "Add to calendar" not in html


def test_ended_offers_are_shown_as_ended_without_booking(client):
    place = next(f for f in DATA.places
                 if any(o.get("status") == "ended" for o in f["properties"]["offers"])
                 and f in served_by_default(DATA.places))
    html = client.get(f"/places/{place['id']}").get_data(as_text=True)
    ended = next(o for o in place["properties"]["offers"] if o.get("status") == "ended")
    block = html.split(f'id="offer-{ended["id"]}"')[1].split("</article>")[0]
    assert "beendet" in block and "Buchung" not in block and ".ics" not in block


def test_json_ld_has_what_search_engines_need_for_events(calendar_client):
    html = calendar_client.get(f"/places/{PLANETARIUM}").get_data(as_text=True)
    data = extruct.extract(html, base_url="http://localhost/", syntaxes=["json-ld"])
    [doc] = data["json-ld"]
    graph = doc["@graph"]
    place = graph[0]
    assert place["@type"] in {"Place", "Museum", "EducationalOrganization"}
    assert place["address"]["streetAddress"] == "Castroper Str. 67"
    assert place["geo"]["latitude"] > 51
    events = [n for n in graph if n["@type"] == "EducationEvent"]
    assert len(events) >= 2
    for event in events:
        for key in ("name", "startDate", "endDate", "location", "url", "eventStatus"):
            assert event.get(key), key
        assert dt.datetime.fromisoformat(event["startDate"]).tzinfo is not None
        assert event["location"]["address"]["postalCode"] == "44791"
        assert event["location"]["address"]["addressLocality"] == "Bochum"
    show = [e for e in events if e["startDate"].startswith(SATURDAY.isoformat())]
    assert show and show[0]["offers"] == {"@type": "Offer", "price": 9.5,
                                          "priceCurrency": "EUR", "url": show[0]["url"]}


def test_exhibition_hours_are_opening_hours_not_events(client):
    html = client.get("/places/deutsches-bergbau-museum").get_data(as_text=True)
    [doc] = extruct.extract(html, syntaxes=["json-ld"])["json-ld"]
    place = doc["@graph"][0]
    [hours] = place["openingHoursSpecification"]
    assert "https://schema.org/Sunday" in hours["dayOfWeek"] and hours["opens"] == "09:30"


def test_hostile_offer_text_is_escaped_on_the_page_and_in_json_ld(data_dir, state_dir):
    payload = '</script><script>alert(1)</script><img src=x onerror=alert(2)>'
    client = dated_app(data_dir, state_dir, {SHOW: {
        "title": {"de": payload, "en": payload}, "when": SESSIONS}})
    html = client.get(f"/places/{PLANETARIUM}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    [doc] = extruct.extract(html, syntaxes=["json-ld"])["json-ld"]
    assert any(n.get("name") == payload for n in doc["@graph"])  # intact as data


def test_several_rules_become_several_events_and_opening_hours(client):
    cal = parse_ics(client.get("/api/offers/zeche-hannover-museum.ics"))
    events = cal.contents["vevent"]
    assert len(events) == 2 and len({e.uid.value for e in events}) == 2
    assert {e.rrule.value.split("BYDAY=")[1].split(";")[0] for e in events} == {
        "WE,TH,FR,SA", "SU"}
    html = client.get("/places/lwl-museum-zeche-hannover").get_data(as_text=True)
    [doc] = extruct.extract(html, syntaxes=["json-ld"])["json-ld"]
    hours = doc["@graph"][0].get("openingHoursSpecification", [])
    opens = {h["opens"] for h in hours}
    assert {"14:00", "11:00"} <= opens, hours
