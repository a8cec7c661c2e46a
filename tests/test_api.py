"""The JSON API contract: every filter, every error, caching and CORS headers."""

import json

import pytest
from shapely.geometry import Point, shape

from explorer.load import load_dataset
from explorer.matching import haversine_m
from tests.conftest import GEODATA, active_offers, served_by_default

DATA = load_dataset(GEODATA)
PLACES = {f["id"]: f for f in served_by_default(DATA.places)}  # with an active offer


def ids(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    assert body["count"] == len(body["features"])
    return [f["id"] for f in body["features"]]


def expected(predicate) -> set[str]:
    """Places with an active offer that satisfies ``predicate(offer, place properties)``."""
    return {pid for pid, f in PLACES.items()
            if any(predicate(o, f["properties"]) for o in active_offers(f))}


def test_all_places_without_filters(client):
    assert set(ids(client.get("/api/places"))) == set(PLACES)


def test_content_type_is_geojson(client):
    assert client.get("/api/places").mimetype == "application/geo+json"


@pytest.mark.parametrize("topic", ["astronomie", "geowissenschaften", "informatik"])
def test_topic_filter(client, topic):
    assert set(ids(client.get(f"/api/places?topic={topic}"))) == expected(
        lambda o, p: topic in o["topics"])


def test_topic_any_of_comma_and_repeated_forms_agree(client):
    want = expected(lambda o, p: {"astronomie", "chemie"} & set(o["topics"]))
    assert set(ids(client.get("/api/places?topic=astronomie,chemie"))) == want
    assert set(ids(client.get("/api/places?topic=astronomie&topic=chemie"))) == want


def test_group_filter(client):
    assert set(ids(client.get("/api/places?group=kita"))) == expected(
        lambda o, p: "kita" in o["groups"])


def test_parameters_combine_with_and(client):
    want = expected(lambda o, p: "astronomie" in o["topics"] and "grundschule" in o["groups"])
    got = set(ids(client.get("/api/places?topic=astronomie&group=grundschule")))
    assert got == want and got  # the class-3 astronomy question has answers


def test_kind_filter(client):
    assert set(ids(client.get("/api/places?kind=museum,zoo"))) == expected(
        lambda o, p: p["kind"] in {"museum", "zoo"})


@pytest.mark.parametrize("q", ["schülerlabor", "SCHUELERLABOR", "Schulerlabor"])
def test_text_search_is_case_and_umlaut_insensitive(client, q):
    got = set(ids(client.get("/api/places", query_string={"q": q})))
    assert "alfried-krupp-schuelerlabor" in got
    # a hit mentions a lab, or is a place of the kind "Schülerlabor" (taxonomy label)
    assert all("labor" in json.dumps(PLACES[i], ensure_ascii=False).lower()
               or PLACES[i]["properties"]["kind"] == "school_lab" for i in got)


def test_text_search_covers_offers(client):
    offer_title = PLACES["zeiss-planetarium-bochum"]["properties"]["offers"][0]["title"]["de"]
    got = ids(client.get("/api/places", query_string={"q": offer_title}))
    assert "zeiss-planetarium-bochum" in got


def test_area_filter_returns_places_inside_the_polygon(client):
    polygon = DATA.areas.loc["wlab"].geometry
    want = {pid for pid, f in PLACES.items()
            if polygon.contains(Point(f["geometry"]["coordinates"]))}
    got = set(ids(client.get("/api/places?area=wlab")))
    assert got == want and got


def test_near_with_radius_adds_distance_and_sorts(client):
    lat, lon = 51.4817, 7.2165  # Bochum Hauptbahnhof area
    body = client.get(f"/api/places?near={lat},{lon}&radius_km=2").get_json()
    distances = [f["properties"]["distance_m"] for f in body["features"]]
    assert distances == sorted(distances) and distances
    assert max(distances) <= 2000
    for f in body["features"]:
        x, y = f["geometry"]["coordinates"]
        assert abs(haversine_m(lat, lon, y, x) - f["properties"]["distance_m"]) < 1
    outside = [pid for pid, f in PLACES.items()
               if haversine_m(lat, lon, f["geometry"]["coordinates"][1],
                              f["geometry"]["coordinates"][0]) <= 2000]
    assert len(outside) == len(distances)


def test_near_without_radius_sorts_everything(client):
    body = client.get("/api/places?near=51.5158,7.2737").get_json()
    assert len(body["features"]) == len(PLACES)
    assert body["features"][0]["properties"]["distance_m"] < 50  # the Kleist school site


def test_bbox_filter(client):
    w, s, e, n = 7.20, 51.47, 7.24, 51.50
    want = {pid for pid, f in PLACES.items()
            if w <= f["geometry"]["coordinates"][0] <= e
            and s <= f["geometry"]["coordinates"][1] <= n}
    assert set(ids(client.get(f"/api/places?bbox={w},{s},{e},{n}"))) == want


def test_bbox_may_be_a_point_or_cross_the_antimeridian(client):
    """bbox=0,0,0,0 matches the OpenAPI pattern and is a valid (empty) box, not a 400."""
    zero = client.get("/api/places?bbox=0,0,0,0")
    assert zero.status_code == 200 and zero.get_json()["features"] == []
    pid, place = next(iter(PLACES.items()))
    lon, lat = place["geometry"]["coordinates"]
    assert pid in ids(client.get(f"/api/places?bbox={lon},{lat},{lon},{lat}"))
    # W > E: from 170 degrees east across the antimeridian to Bochum's east edge
    assert pid in ids(client.get("/api/places?bbox=170,51,7.5,52"))
    assert ids(client.get("/api/places?bbox=7.5,51,170,52")) == []


def test_lang_switches_texts(client):
    de = client.get("/api/places/zeiss-planetarium-bochum").get_json()["properties"]
    en = client.get("/api/places/zeiss-planetarium-bochum?lang=en").get_json()["properties"]
    raw = PLACES["zeiss-planetarium-bochum"]["properties"]
    assert de["description"] == raw["description"]["de"]
    assert en["description"] == raw["description"]["en"]
    assert de["topic_labels"][0] != en["topic_labels"][0]


def test_single_place_and_404(client):
    feature = client.get("/api/places/thga").get_json()
    assert feature["type"] == "Feature" and feature["id"] == "thga"
    assert shape(feature["geometry"]).x == PLACES["thga"]["geometry"]["coordinates"][0]
    missing = client.get("/api/places/no-such-place")
    assert missing.status_code == 404
    assert missing.is_json and "no-such-place" in missing.get_json()["error"]


def test_taxonomy_and_areas(client):
    tax = client.get("/api/taxonomy").get_json()
    assert tax["topics"]["astronomie"] == {"de": "Astronomie", "en": "Astronomy"}
    areas = client.get("/api/areas").get_json()
    wlab = areas["features"][0]["properties"]
    assert wlab["id"] == "wlab" and wlab["approximate"] is True and wlab["method"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("topic=alchemie", "topic"),
        ("group=rentner", "group"),
        ("kind=castle", "kind"),
        ("area=mars", "area"),
        ("near=51.48", "near"),
        ("near=abc,7.2", "near"),
        ("near=91,7.2", "near"),
        ("near=nan,7.2", "near"),
        ("near=51.48,7.22&radius_km=-1", "radius_km"),
        ("near=51.48,7.22&radius_km=1e9", "radius_km"),
        ("radius_km=2", "radius_km"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=7.1,51.5,7.3,51.4", "bbox"),
        ("lang=fr", "lang"),
        ("q=" + "x" * 201, "q"),
        ("colour=red", "colour"),
    ],
)
def test_bad_parameters_get_400_naming_the_parameter(client, query, parameter):
    response = client.get(f"/api/places?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["parameter"] == parameter and body["error"]


def test_bad_lang_on_single_place(client):
    response = client.get("/api/places/thga?lang=xx")
    assert response.status_code == 400 and response.get_json()["parameter"] == "lang"


def test_etag_and_cache_control(client):
    first = client.get("/api/places?topic=physik")
    assert first.headers["ETag"] and "max-age" in first.headers["Cache-Control"]
    again = client.get("/api/places?topic=physik",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/api/places?topic=chemie")
    assert other.headers["ETag"] != first.headers["ETag"]


def test_gzip_is_cached_by_etag(app, client):
    cache = app.extensions["gzip_cache"]
    headers = {"Accept-Encoding": "gzip"}
    first = client.get("/api/places", headers=headers)
    assert first.headers["Content-Encoding"] == "gzip"
    misses = cache.misses
    client.get("/api/places", headers=headers)
    assert cache.misses == misses and cache.hits >= 1
    import gzip as gz
    assert json.loads(gz.decompress(first.data))["count"] == len(PLACES)


def test_cors_headers_for_get(client):
    response = client.get("/api/places")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404 and response.is_json


def test_post_is_405_json(client):
    response = client.post("/api/places")
    assert response.status_code == 405 and response.is_json


def test_gazetteer_lookup(client):
    hits = client.get("/api/gazetteer?q=werne").get_json()
    assert hits and hits[0]["name"] == "Werne"
    assert client.get("/api/gazetteer?q=44894").get_json()[0]["kind"] == "postcode"


def test_healthz_reports_version_and_counts(client):
    body = client.get("/healthz").get_json()
    geocoded = [f for f in DATA.places if f["geometry"]]  # the others await geocoding
    assert body["status"] == "ok" and body["counts"]["places"] == len(geocoded)
    assert body["data_version"]


def test_map_view_is_compact_and_matches_full_view(client):
    full = client.get("/api/places?topic=physik").get_json()
    compact = client.get("/api/places?topic=physik&view=map").get_json()
    assert [f["id"] for f in full["features"]] == [f["id"] for f in compact["features"]]
    assert set(compact["features"][0]["properties"]) == {
        "id", "name", "kind", "kind_label", "stadtteil", "offer_count", "offers_matching"}
    near = client.get("/api/places?view=map&near=51.48,7.22").get_json()
    assert "distance_m" in near["features"][0]["properties"]
    bad = client.get("/api/places?view=huge")
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "view"


def test_repeated_query_is_served_from_the_body_cache(app, client):
    cache = app.extensions["body_cache"]
    first = client.get("/api/places?group=sek2&view=map").data
    hits = cache.hits
    assert client.get("/api/places?group=sek2&view=map").data == first
    assert cache.hits == hits + 1


def test_a_number_of_thousands_of_digits_is_a_400_not_a_500(client):
    """int() refuses strings over 4,300 digits with ValueError: found by the OGC API work."""
    for name in ("age", "grade"):
        r = client.get(f"/api/places?{name}=" + "9" * 5000)
        assert r.status_code == 400 and r.get_json()["parameter"] == name
