"""Property-based tests: any filter input gives a result or a clear 400; any record given
to the loader gives data or a validation problem, never an exception."""

import copy
import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer import create_app
from explorer.load import load_dataset
from explorer.schema import DataError, Problem, validate_place, validate_places
from tests.conftest import GEODATA

APP = create_app({"TESTING": True, "RELOAD_INTERVAL": 0, "TILE_URL": "",
                  "STATE_DIR": "/nonexistent-state", "DATABASE_URL": "none"})
DATA = load_dataset(GEODATA)
TAX = DATA.taxonomy
SIDE_FILES = ["taxonomy.json", "areas.geojson", "gazetteer.json", "school_holidays.json",
              "synonyms.json"]
PARAMS = ["topic", "group", "kind", "q", "area", "near", "radius_km", "bbox", "lang", "view"]
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                    st.integers(-1000, 1000).map(str), st.sampled_from(["", "-", "1e999", "0x1"]))
values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(list(TAX["topics"]) + list(TAX["groups"]) + list(TAX["kinds"])
                    + ["wlab", "de", "en", "map", "full"]),
    st.lists(numbers, min_size=1, max_size=5).map(",".join),
)
queries = st.lists(st.tuples(st.one_of(st.sampled_from(PARAMS), st.text(max_size=8)), values),
                   max_size=6)


@SETTINGS
@given(queries)
def test_any_place_query_is_answered_or_rejected_clearly(query):
    response = APP.test_client().get("/api/places", query_string=query)
    assert response.status_code in (200, 400), response.status_code
    body = response.get_json()
    if response.status_code == 400:
        assert "parameter" in body and body["error"]
    else:
        assert body["count"] == len(body["features"])


@SETTINGS
@given(queries)
def test_any_page_query_is_a_page_or_a_400_page(query):
    for path in ("/", "/embed"):
        response = APP.test_client().get(path, query_string=query)
        assert response.status_code in (200, 400)
        assert response.mimetype == "text/html"


@SETTINGS
@given(st.text(max_size=60))
def test_any_place_id_is_found_or_404(place_id):
    response = APP.test_client().get("/api/places/" + place_id.replace("/", "_").replace(
        "?", "_").replace("#", "_"))
    assert response.status_code in (200, 404, 308)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=10), children, max_size=4)),
    max_leaves=12,
)
FIELDS = ["id", "geometry", "properties", "name", "kind", "address", "stadtbezirk", "website",
          "description", "topics", "groups", "offers", "wheelchair", "transit", "checked",
          "coordinate_source", "stadtteil"]


@SETTINGS
@given(st.sampled_from(FIELDS), json_values, st.integers(0, len(DATA.places) - 1))
def test_any_field_value_is_accepted_or_reported(field, value, index):
    feature = copy.deepcopy(DATA.places[index])
    if field in ("id", "geometry", "properties"):
        feature[field] = value
    else:
        feature["properties"][field] = value
    problems = validate_place(feature, "places.geojson", TAX, index)
    assert all(isinstance(p, Problem) and p.field and p.message for p in problems)


OFFER_FIELDS = ["id", "title", "description", "topics", "groups", "format", "grade_min",
                "grade_max", "age_min", "age_max", "cost", "price_eur", "price_note",
                "but_eligible", "group_size", "duration_min", "languages", "booking",
                "group_booking", "when", "status", "ended_on", "source"]
whens = st.one_of(
    json_values,
    st.fixed_dictionaries({"type": st.sampled_from(["sessions", "recurring", "season",
                                                    "on_request"])},
                          optional={"sessions": st.lists(st.dictionaries(
                              st.sampled_from(["start", "end", "capacity",
                                               "registration_deadline"]),
                              st.one_of(json_values, st.datetimes().map(
                                  lambda d: d.isoformat(timespec="minutes")))), max_size=3),
                              "dtstart": st.one_of(json_values, st.just("2026-03-01T15:00")),
                              "rrule": st.one_of(st.text(max_size=30), st.sampled_from([
                                  "FREQ=WEEKLY;BYDAY=SU", "FREQ=MONTHLY;BYDAY=3SA",
                                  "FREQ=DAILY;COUNT=0", "FREQ=YEARLY;UNTIL=2027",
                                  "FREQ=WEEKLY;BYDAY=SU;UNTIL=20261031T235959Z"])),
                              "duration_min": json_values,
                              "rules": st.lists(st.one_of(json_values, st.fixed_dictionaries({
                                  "dtstart": st.just("2026-03-01T15:00"),
                                  "rrule": st.sampled_from(["FREQ=WEEKLY;BYDAY=SU", "FREQ=X"]),
                                  "duration_min": st.one_of(st.integers(-5, 2000), json_values)
                              })), max_size=3),
                              "start": st.one_of(json_values, st.dates().map(str)),
                              "end": st.one_of(json_values, st.dates().map(str)),
                              "school_holidays": st.one_of(json_values,
                                                           st.just("sommerferien-2027"))}),
)


@SETTINGS
@given(st.sampled_from(OFFER_FIELDS), json_values, whens, st.integers(0, len(DATA.places) - 1))
def test_any_offer_field_or_when_is_accepted_or_reported(field, value, when, index):
    feature = copy.deepcopy(DATA.places[index])
    if not feature["properties"]["offers"]:
        feature = copy.deepcopy(DATA.places[0])
    offer = feature["properties"]["offers"][0]
    offer[field] = value
    problems = validate_place(feature, "places.geojson", TAX, index, DATA.holidays)
    assert all(isinstance(p, Problem) and p.field and p.message for p in problems)
    offer[field], offer["when"] = DATA.places[0]["properties"]["offers"][0].get(field), when
    problems = validate_place(feature, "places.geojson", TAX, index, DATA.holidays)
    assert all(isinstance(p, Problem) and p.field and p.message for p in problems)
    if not problems:  # a valid when must also expand and describe without raising
        from explorer.offerindex import build_calendar
        from explorer.when_text import describe

        build_calendar([when], DATA.holidays, dt.date.today())
        describe(when, DATA.holidays, "de")


@SETTINGS
@given(json_values)
def test_any_document_is_accepted_or_reported(document):
    problems = validate_places(document, "places.geojson", TAX)
    assert all(isinstance(p, Problem) for p in problems)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(FIELDS), json_values)
def test_loader_never_raises_anything_but_data_error(tmp_path_factory, field, value):
    folder = tmp_path_factory.mktemp("fuzz")
    for name in SIDE_FILES:
        (folder / name).write_bytes((GEODATA / name).read_bytes())
    features = copy.deepcopy(DATA.places[:3])
    features[1]["properties"][field] = value
    (folder / "places.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "features": features}), encoding="utf-8")
    try:
        dataset = load_dataset(folder)
    except DataError as exc:
        assert exc.problems
    else:
        assert len(dataset.places) == 3


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_loader_survives_arbitrary_bytes(tmp_path_factory, raw):
    folder = tmp_path_factory.mktemp("bytes")
    for name in SIDE_FILES:
        (folder / name).write_bytes((GEODATA / name).read_bytes())
    (folder / "places.geojson").write_bytes(raw)
    try:
        load_dataset(folder)
    except DataError as exc:
        assert "places.geojson" in str(exc)


DATA_FILES = [*SIDE_FILES, "places.geojson"]


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(DATA_FILES), json_values)
def test_any_document_in_any_data_file_is_loaded_or_reported(tmp_path_factory, name, doc):
    folder = tmp_path_factory.mktemp("anyfile")
    for other in DATA_FILES:
        (folder / other).write_bytes((GEODATA / other).read_bytes())
    (folder / name).write_text(json.dumps(doc), encoding="utf-8")
    try:
        load_dataset(folder)
    except DataError as exc:
        assert exc.problems and all(isinstance(p, Problem) for p in exc.problems)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.one_of(json_values, st.lists(json_values, max_size=3).map(
    lambda features: {"type": "FeatureCollection", "features": features})))
def test_any_layer_file_is_loaded_or_reported(tmp_path_factory, doc):
    from explorer.layers import load_layer

    path = tmp_path_factory.mktemp("layer") / "schools.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    try:
        load_layer(path, "schools")
    except DataError as exc:
        assert exc.problems
