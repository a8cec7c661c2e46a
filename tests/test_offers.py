"""Offers as the unit: /api/offers, the offer-level filters and their 400s, dates, ranking."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from explorer import create_app
from explorer.load import load_dataset
from tests.conftest import GEODATA, active_offers, served_by_default, with_offer

DATA = load_dataset(GEODATA)
SERVED = {f["id"]: f for f in served_by_default(DATA.places)}
TODAY = dt.date.today()


def next_weekday(day: int, start: dt.date = TODAY) -> dt.date:
    """The next date with ``weekday() == day`` strictly after ``start``."""
    return start + dt.timedelta(days=(day - start.weekday() - 1) % 7 + 1)


SATURDAY = next_weekday(5)
SUNDAY, MONDAY, FRIDAY = (SATURDAY + dt.timedelta(days=n) for n in (1, 2, 6))


def ids(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["count"] == len(body["features"])
    return [f["id"] for f in body["features"]]


def error_parameter(response) -> str:
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"]
    return body["parameter"]


# ---------- /api/offers and /api/places agree -----------------------------------------


def test_one_feature_per_active_offer_at_its_place(client):
    body = client.get("/api/offers").get_json()
    want = {o["id"] for f in SERVED.values() for o in active_offers(f)}
    assert {f["id"] for f in body["features"]} == want
    feature = body["features"][0]
    place = next(f for f in DATA.places if f["id"] == feature["properties"]["place"]["id"])
    assert feature["geometry"] == place["geometry"]
    assert feature["properties"]["place"]["name"] == place["properties"]["name"]
    assert feature["properties"]["place"]["address"]["street"]
    assert feature["properties"]["url"].startswith(f"/places/{place['id']}#offer-")


def test_places_list_the_ids_of_their_matching_offers(client):
    offers = client.get("/api/offers?topic=astronomie&group=grundschule").get_json()
    places = client.get("/api/places?topic=astronomie&group=grundschule").get_json()
    by_place: dict[str, set[str]] = {}
    for f in offers["features"]:
        by_place.setdefault(f["properties"]["place"]["id"], set()).add(f["id"])
    assert by_place and {f["id"]: set(f["properties"]["matching_offers"])
                         for f in places["features"]} == by_place


def test_a_place_matches_only_through_one_offer_matching_every_filter(client):
    # Same offer must carry both: a place with an astronomy offer for Sek II and a
    # separate maths offer for Grundschule is no answer to "astronomy for Grundschule".
    got = set(ids(client.get("/api/places?topic=astronomie&group=grundschule")))
    want = {f["id"] for f in with_offer(list(SERVED.values()), lambda o: "astronomie"
                                        in o["topics"] and "grundschule" in o["groups"])}
    assert got == want


def test_single_offer_and_404(client):
    oid = next(iter(active_offers(SERVED["zeiss-planetarium-bochum"])))["id"]
    body = client.get(f"/api/offers/{oid}?lang=en").get_json()
    assert body["id"] == oid and body["properties"]["place"]["id"] == "zeiss-planetarium-bochum"
    missing = client.get("/api/offers/no-such-offer")
    assert missing.status_code == 404 and "no-such-offer" in missing.get_json()["error"]


# ---------- each new filter and its 400 ---------------------------------------------


@pytest.mark.parametrize(("query", "parameter"), [
    ("age=nine", "age"), ("age=121", "age"), ("age=-1", "age"), ("age=9.5", "age"),
    ("grade=14", "grade"), ("grade=x", "grade"),
    ("from=2026-13-01", "from"), ("from=yesterday", "from"), ("to=1999-01-01", "to"),
    ("from=2027-01-10&to=2027-01-01", "to"),
    ("cost=cheap", "cost"), ("cost=-5", "cost"), ("cost=nan", "cost"), ("cost=10001", "cost"),
    ("cost=1e3", "cost"), ("cost=115771", "cost"),
    ("format=party", "format"), ("bookable=maybe", "bookable"), ("status=deleted", "status"),
    ("sort=random", "sort"), ("sort=distance", "sort"), ("sort=relevance", "sort"),
])
@pytest.mark.parametrize("path", ["/api/offers", "/api/places", "/api/offers.ics"])
def test_bad_offer_filters_answer_400_naming_the_parameter(client, path, query, parameter):
    assert error_parameter(client.get(f"{path}?{query}")) == parameter


def test_age_matches_stated_grade_and_group_ranges(client):
    got = set(ids(client.get("/api/offers?age=9")))
    stated = {o["id"] for f in SERVED.values() for o in active_offers(f)
              if o.get("age_min") is not None and o["age_min"] <= 9
              and (o.get("age_max") is None or o["age_max"] >= 9)}
    assert stated and stated <= got
    too_young = {o["id"] for f in SERVED.values() for o in active_offers(f)
                 if o.get("age_min") is not None and o["age_min"] > 9}
    assert not too_young & got
    # an offer stated only for Grundschule (no ages, no grades) is found for a 9-year-old
    primary_only = {o["id"] for f in SERVED.values() for o in active_offers(f)
                    if o["groups"] == ["grundschule"] and o.get("age_min") is None
                    and o.get("grade_min") is None and o.get("grade_max") is None}
    assert primary_only <= got


def test_grade_filter(client):
    got = set(ids(client.get("/api/offers?grade=12")))
    assert got
    for f in client.get("/api/offers?grade=12").get_json()["features"]:
        p = f["properties"]
        assert p["grade_min"] is None or p["grade_min"] <= 12


def test_cost_free_and_maximum(client):
    free = client.get("/api/offers?cost=free").get_json()["features"]
    assert free and all(f["properties"]["cost"] == "free" for f in free)
    cheap = client.get("/api/offers?cost=6").get_json()["features"]
    assert all(f["properties"]["cost"] == "free" or f["properties"]["price_eur"] <= 6
               for f in cheap)
    assert len(cheap) >= len(free)


def test_format_and_bookable(client):
    tours = client.get("/api/offers?format=guided_tour,workshop").get_json()["features"]
    assert tours and {f["properties"]["format"] for f in tours} <= {"guided_tour", "workshop"}
    bookable = client.get("/api/offers?bookable=1").get_json()["features"]
    assert bookable and all(f["properties"]["bookable"] for f in bookable)
    others = client.get("/api/offers?bookable=0").get_json()["features"]
    assert not {f["id"] for f in bookable} & {f["id"] for f in others}


def test_ended_offers_are_hidden_by_default_and_never_bookable(client):
    ended = ids(client.get("/api/offers?status=ended"))
    assert ended  # the data has ended projects (e.g. THGA "In Sachen MINT")
    assert not set(ended) & set(ids(client.get("/api/offers")))
    assert not set(ended) & set(ids(client.get("/api/offers?status=all&bookable=1")))
    everything = ids(client.get("/api/offers?status=all"))
    assert set(ended) <= set(everything)


# ---------- dates ---------------------------------------------------------------


def edit_offers(data_dir, offers: dict[str, dict]) -> None:
    """Replace fields of some offers (by offer id) in a copy of the real data."""
    path = data_dir / "places.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    for feature in doc["features"]:
        for offer in feature["properties"]["offers"]:
            offer.update(offers.get(offer["id"], {}))
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def dated_app(data_dir, state_dir, offers: dict[str, dict]):
    """A test client on the real data with some offers' fields replaced."""
    edit_offers(data_dir, offers)
    return create_app({"TESTING": True, "DATA_DIR": str(data_dir), "STATE_DIR": str(state_dir),
                       "RELOAD_INTERVAL": 0, "TILE_URL": ""}).test_client()


WEEKLY = "dbm-dauerausstellung-anschauungsbergwerk"
ON_REQUEST = next(o["id"] for f in SERVED.values() for o in active_offers(f)
                  if (o.get("when") or {}).get("type") == "on_request")
ENDED = next(o["id"] for f in DATA.places for o in f["properties"]["offers"]
             if o.get("status") == "ended")


@pytest.fixture
def dated(data_dir, state_dir):
    return dated_app(data_dir, state_dir, {
        WEEKLY: {"when": {"type": "recurring", "dtstart": "2026-01-04T15:00",
                          "duration_min": 60, "rrule": "FREQ=WEEKLY;BYDAY=SU"}},
        ENDED: {"when": {"type": "recurring", "dtstart": "2026-01-04T15:00",
                         "duration_min": 60, "rrule": "FREQ=WEEKLY;BYDAY=SU"}},
    })


def span(start: dt.date, end: dt.date) -> str:
    return f"from={start.isoformat()}&to={end.isoformat()}"


def test_a_weekly_sunday_offer_matches_a_weekend_and_not_the_weekdays(dated):
    weekend = ids(dated.get(f"/api/offers?{span(SATURDAY, SUNDAY)}"))
    assert WEEKLY in weekend
    assert WEEKLY not in ids(dated.get(f"/api/offers?{span(MONDAY, FRIDAY)}"))
    feature = dated.get(f"/api/offers/{WEEKLY}").get_json()
    assert feature["properties"]["when"]["rrule"] == "FREQ=WEEKLY;BYDAY=SU"
    body = dated.get(f"/api/offers?{span(SATURDAY, SUNDAY)}&sort=date").get_json()
    mine = next(f for f in body["features"] if f["id"] == WEEKLY)
    assert mine["properties"]["next_date"] == SUNDAY.isoformat()


def test_on_request_matches_any_span_and_ended_never(dated):
    for start, end in ((SATURDAY, SUNDAY), (MONDAY, FRIDAY), (TODAY, TODAY)):
        got = ids(dated.get(f"/api/offers?{span(start, end)}&status=all"))
        assert ON_REQUEST in got
        assert ENDED not in got  # it still has a weekly rule, but it has ended


def test_offers_without_known_times_do_not_match_a_date_span(client):
    unknown = {o["id"] for f in SERVED.values() for o in active_offers(f) if not o.get("when")}
    assert unknown and not unknown & set(ids(client.get(f"/api/offers?{span(TODAY, TODAY)}")))


def test_a_holiday_programme_matches_inside_the_school_holidays(data_dir, state_dir):
    holidays = json.loads((GEODATA / "school_holidays.json").read_text(encoding="utf-8"))
    future = [h for h in holidays["holidays"] if h["start"] > TODAY.isoformat()]
    if not future:
        pytest.skip("geodata/school_holidays.json lists no future holidays: add the next ones")
    hol = future[0]
    client = dated_app(data_dir, state_dir, {WEEKLY: {"when": {
        "type": "season", "school_holidays": hol["id"]}}})
    start, end = dt.date.fromisoformat(hol["start"]), dt.date.fromisoformat(hol["end"])
    assert WEEKLY in ids(client.get(f"/api/offers?{span(start, start)}"))
    assert WEEKLY in ids(client.get(f"/api/offers?{span(end, end)}"))
    before = start - dt.timedelta(days=1)
    assert WEEKLY not in ids(client.get(f"/api/offers?{span(before, before)}"))


def test_from_alone_is_open_ended_and_the_calendar_window_is_named(client):
    assert client.get(f"/api/offers?from={TODAY.isoformat()}").status_code == 200
    far = (TODAY + dt.timedelta(days=5 * 365)).isoformat()
    response = client.get(f"/api/offers?from={far}")
    assert error_parameter(response) == "from"
    assert "calendar" in response.get_json()["error"]


# ---------- text search: ranking, synonyms, typos ------------------------------------


def place_ranking(client, q: str, lang: str = "de") -> list[str]:
    return ids(client.get("/api/places", query_string={"q": q, "lang": lang}))


def test_astronomie_finds_the_planetarium_and_the_observatories_first(client):
    sky = {f["id"] for f in SERVED.values()
           if f["properties"]["kind"] in {"planetarium", "observatory"}}
    assert {"zeiss-planetarium-bochum", "sternwarte-bochum-iuz"} <= sky
    named = {f["id"] for f in SERVED.values()  # a place named for the word ranks high too
             if "astronomie" in f["properties"]["name"].lower()}
    first = sky | named
    assert set(place_ranking(client, "Astronomie")[:len(first)]) == first


def test_a_place_named_for_the_query_ranks_above_one_that_mentions_it(client):
    ranking = place_ranking(client, "Tierpark")
    assert ranking[0] == "tierpark-fossilium-bochum"
    # the zoo school mentions the Tierpark in its name, other places only in texts
    mentions = [pid for pid in ranking if "tierpark" not in SERVED[pid]["properties"]["name"]
                .lower()]
    assert all(ranking.index(pid) > ranking.index("tierpark-fossilium-bochum")
               for pid in mentions)


@pytest.mark.parametrize(("word", "lang"), [("Sterne", "de"), ("Weltall", "de"),
                                            ("astronomy", "en"), ("stars", "en")])
def test_synonyms_in_both_languages_find_astronomy(client, word, lang):
    got = place_ranking(client, word, lang)
    assert {"zeiss-planetarium-bochum", "sternwarte-bochum-iuz"} <= set(got[:3])


@pytest.mark.parametrize("word", ["MINT", "stem", "STEM"])
def test_mint_and_stem_match_every_place(client, word):
    assert set(place_ranking(client, word)) == set(SERVED)


@pytest.mark.parametrize(("typo", "place"), [
    ("Astronmie", "zeiss-planetarium-bochum"), ("Planetarum", "zeiss-planetarium-bochum"),
    ("Sternwate", "sternwarte-bochum-iuz"), ("Fosilium", "tierpark-fossilium-bochum")])
def test_small_typos_are_tolerated(client, typo, place):
    assert place in place_ranking(client, typo)[:5], typo


def test_nonsense_finds_nothing_and_sort_orders(client):
    assert place_ranking(client, "xqzvw") == []
    names = ids(client.get("/api/places?topic=biologie&sort=name"))
    folded = [SERVED[i]["properties"]["name"].casefold() for i in names]
    assert len(names) > 2 and folded == sorted(folded, key=lambda n: n.replace("ä", "a"))
    near = client.get("/api/offers?near=51.4787,7.2235").get_json()["features"]
    metres = [f["properties"]["distance_m"] for f in near]
    assert metres == sorted(metres)
    scored = client.get("/api/offers?q=Astronomie").get_json()["features"]
    scores = [f["properties"]["score"] for f in scored]
    assert scores == sorted(scores, reverse=True)


# ---------- the planner and the embed take the same filters -----------------------


def test_planner_coverage_by_free_offers_or_in_a_span(client):
    every = client.get("/api/coverage?reach_km=2").get_json()["summary"]["offers"]
    free = client.get("/api/coverage?reach_km=2&cost=free").get_json()
    assert free["parameters"]["cost"] == "free"
    assert 0 < free["summary"]["offers"] < every
    weekend = client.get(f"/api/coverage?reach_km=2&{span(SATURDAY, SUNDAY)}").get_json()
    assert 0 < weekend["summary"]["offers"] < every
    csv = client.get(f"/planner/export/areas.csv?cost=free&{span(SATURDAY, SUNDAY)}")
    assert csv.status_code == 200
    assert error_parameter(client.get("/api/coverage?age=old")) == "age"


def test_embed_takes_offer_filters_and_keeps_them_in_the_page(client):
    page = client.get(f"/embed?age=9&{span(SATURDAY, SUNDAY)}&cost=free")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'"from": "{SATURDAY.isoformat()}"' in html and '"age": "9"' in html
    assert client.get("/embed?age=nine").status_code == 400
    snippet = client.get("/embed/snippet?age=9&bookable=1").get_json()
    assert "age=9" in snippet["src"] and "bookable=1" in snippet["src"]
    assert "age=9" in snippet["snippet"]  # the fallback link keeps them too


def test_stop_words_alone_do_not_filter(client):
    assert set(place_ranking(client, "und")) == set(SERVED)
    assert set(place_ranking(client, "for the")) == set(SERVED)


def test_a_past_to_without_from_is_refused(client):
    past = (TODAY - dt.timedelta(days=30)).isoformat()
    response = client.get(f"/api/offers?to={past}")
    assert error_parameter(response) == "to" and "from=" in response.get_json()["error"]
    assert client.get(f"/api/offers?from={(TODAY - dt.timedelta(days=60)).isoformat()}"
                      f"&to={past}").status_code == 200


def test_map_view_lists_each_places_offers_in_answer_order(client):
    places = client.get("/api/places?view=map&q=physik").get_json()["features"]
    offers = client.get("/api/offers?q=physik").get_json()["features"]
    order = [f["id"] for f in offers]
    for place in places:
        listed = [o["id"] for o in place["properties"]["offers_matching"]]
        mine = [oid for oid in order if oid in set(place_offer_ids(place["id"]))]
        assert listed == mine[:3], place["id"]


def place_offer_ids(place_id: str) -> list[str]:
    return [o["id"] for o in DATA.places[[f["id"] for f in DATA.places].index(place_id)]
            ["properties"]["offers"]]
