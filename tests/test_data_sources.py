"""The curated data's promises: size, official Stadtteile, a source for every fact, and
points that agree with the city's own where the city has the same place."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest

from explorer.districts import BEZIRK_OF, STADTTEILE
from explorer.pipeline import citypoints

REPO = Path(__file__).resolve().parent.parent
GEODATA = REPO / "geodata"
OPENDATA = REPO.parent / "shared" / "opendata" / "bochum"
MAX_CITY_DISTANCE_M = 50


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def places() -> dict:
    return json.loads((GEODATA / "places.geojson").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def taxonomy() -> dict:
    return json.loads((GEODATA / "taxonomy.json").read_text(encoding="utf-8"))


def _offers(places: dict) -> list[dict]:
    return [o for f in places["features"] for o in f["properties"]["offers"]]


def test_the_data_covers_bochums_offer(places):
    features = places["features"]
    served = [f for f in features if f["geometry"]
              and any(o["status"] == "active" for o in f["properties"]["offers"])]
    assert len(features) >= 90 and len(served) >= 50
    assert len(_offers(places)) >= 250
    kinds = Counter(f["properties"]["kind"] for f in served)
    # the kinds the issue found thin are each represented on the map
    for kind in ("school_lab", "university", "library", "environment", "makerspace",
                 "club", "museum", "company", "school", "kita", "garden"):
        assert kinds[kind] >= 1, f"no place of kind {kind!r} on the map"
    bezirke = Counter(f["properties"]["stadtbezirk"] for f in served)
    assert set(bezirke) == set(STADTTEILE), "every Stadtbezirk has a place"


def test_readme_states_the_generated_counts(places, taxonomy):
    module = _script("readme_data")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert module.START in readme
    assert module.render(readme, places, taxonomy) == readme, "run scripts/readme_data.py"
    assert f"{len(places['features'])} places with {len(_offers(places))} offers" in readme


def test_sources_md_is_generated_from_the_data(places):
    module = _script("sources_md")
    text = (GEODATA / "SOURCES.md").read_text(encoding="utf-8")
    assert module.render(text, places) == text, "run scripts/sources_md.py"
    for offer in _offers(places):
        assert offer["source"]["url"] in text


def test_every_place_and_offer_cites_a_checked_source(places):
    for feature in places["features"]:
        props = feature["properties"]
        assert props["sources"], feature["id"]
        assert all(s["url"].startswith(("http://", "https://")) and s["read"]
                   for s in props["sources"]), feature["id"]
        assert props["coordinate_source"]["text"], feature["id"]
        for offer in props["offers"]:
            assert offer["source"]["url"].startswith(("http://", "https://")), offer["id"]
            assert offer["source"]["checked"], offer["id"]
            assert (offer["status"] == "ended") == bool(offer.get("ended_on")), offer["id"]


def test_every_stadtteil_is_an_official_statistical_district(places):
    assert len(BEZIRK_OF) == 30
    for feature in places["features"]:
        props = feature["properties"]
        if props["stadtteil"] is None:
            continue
        assert props["stadtteil"] in BEZIRK_OF, (feature["id"], props["stadtteil"])
        assert BEZIRK_OF[props["stadtteil"]] == props["stadtbezirk"] or (
            props["stadtteil"], props["stadtbezirk"]) in {
                ("Wiemelhausen/Brenschede", "Bochum-Mitte")}, feature["id"]


def test_ended_offers_stay_marked_not_deleted(places):
    ended = [o for o in _offers(places) if o["status"] == "ended"]
    assert ended and all(o["ended_on"] for o in ended)


@pytest.mark.skipif(not OPENDATA.is_dir(),
                    reason=f"City of Bochum open data not found at {OPENDATA}")
def test_points_agree_with_the_citys_own_points(places):
    points = citypoints.load(OPENDATA)
    checked, far = 0, []
    for feature in places["features"]:
        if feature["geometry"] is None:
            continue
        lon, lat = feature["geometry"]["coordinates"]
        ref = feature["properties"]["coordinate_source"].get("city_ref")
        hits = citypoints.same_place(points, feature)
        if ref:
            assert hits, f"{feature['id']}: city object {ref} not in the open data"
        for hit in hits:
            checked += 1
            d = citypoints.distance_m(lon, lat, hit.lon, hit.lat)
            if d > MAX_CITY_DISTANCE_M:
                far.append(f"{feature['id']} is {d:.0f} m from {hit.dataset} {hit.id}")
    assert not far, far
    assert checked >= 40  # most places rest on a city point


def test_city_points_are_matched_by_reference_and_by_name(tmp_path):
    (tmp_path / "bochum_defibrillators.csv").write_text(
        "OBJECTID,ADRESSE,LAGE,GEBAEUDE,XCenter_EPSG25832,YCenter_EPSG25832\n"
        "7,Weg 1,Foyer,Sternwarte Testhausen,376950,5705299\n", encoding="utf-8")
    points = citypoints.load(tmp_path)
    by_ref = {"properties": {"name": "x", "coordinate_source": {
        "city_ref": {"dataset": "defibrillators", "id": "7"}}}}
    by_name = {"properties": {"name": "Sternwarte Testhausen (Foyer)", "coordinate_source": {}}}
    other = {"properties": {"name": "Sternwarte", "coordinate_source": {}}}
    assert [p.id for p in citypoints.same_place(points, by_ref)] == ["7"]
    assert [p.id for p in citypoints.same_place(points, by_name)] == ["7"]
    assert citypoints.same_place(points, other) == []
    hit = points["defibrillators"]["7"]
    assert citypoints.distance_m(hit.lon, hit.lat, hit.lon + 0.001, hit.lat) == pytest.approx(
        69.4, abs=1)
