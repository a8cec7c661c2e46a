"""The planner's captions say exactly what they count: exact medians, the school stage
counted, one unit per figure, districts only when they are loaded."""

from __future__ import annotations

import json
import re

import shapely

from explorer import create_app
from explorer.planner.texts import distance, km


def page(client, query: str) -> str:
    return client.get(f"/planner?{query}").get_data(as_text=True)


def test_a_median_is_never_rounded_into_the_reach():
    assert distance(1966, "de") == "1,97 km" and km(1966, "de") == "2 km"
    assert distance(2000, "en") == "2.00 km" and distance(640, "de") == "640 m"


def test_figures_say_what_they_count(client):
    html = page(client, "group=grundschule&reach_km=2")
    body = client.get("/api/coverage?group=grundschule&reach_km=2").get_json()
    city = body["summary"]["city"]
    assert "Stufe Grundschule" in html  # the demand count names the stage it counts
    assert "Rasterzellen zu 250 m" in html
    caption = re.search(r"<caption>([^<]*)</caption>", html).group(1)
    assert caption.endswith("(Reichweite: 2 km)") and "(km)" not in caption
    assert "Bezirke" not in caption  # no districts loaded: none promised
    if city["median_distance_m"] is not None:
        assert f"<td>{distance(city['median_distance_m'], 'de')}</td>" in html
    english = page(client, "lang=en")
    assert "(all stages)" in english and "Reach: 2 km" in english


def test_districts_are_named_in_the_caption_once_loaded(app_config, tmp_path):
    outline = tmp_path / "bezirke.geojson"
    outline.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": name},
         "geometry": shapely.geometry.mapping(shapely.box(w, 51.42, e, 51.52))}
        for name, w, e in (("West", 7.12, 7.22), ("Ost", 7.22, 7.32))]}))
    client = create_app({**app_config, "CITY_OUTLINE_FILE": str(outline)}).test_client()
    caption = re.search(r"<caption>([^<]*)</caption>", page(client, "cell_m=1000")).group(1)
    assert caption.startswith("Fokusgebiete und Bezirke")
