"""Planner HTTP: /api/coverage parameters and errors, the page, and the exports."""

import csv
import gzip as gz
import io
import json
import re

import pytest
import shapely

from explorer import create_app
from explorer.load import load_dataset
from explorer.planner.export import AREA_COLUMNS, UNDERSERVED_COLUMNS
from tests.conftest import GEODATA, with_offer

THIRD_PARTY = re.compile(r"""(?:src|href)=["'](?:https?:)?//""")


def read_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def write_layers(state_dir, layers: dict) -> None:
    (state_dir / "layers").mkdir(exist_ok=True)
    for name, features in layers.items():
        (state_dir / "layers" / f"{name}.geojson").write_text(
            json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")


def school(pid, kind, groups, lon, lat, name="Schule"):
    return {"type": "Feature", "id": pid, "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"poi_id": pid, "name": name, "kind": kind, "groups": groups,
                           "street": "Weg 1", "postcode": "44787", "categories": ["x"]}}


def test_coverage_defaults_and_shape(client):
    body = client.get("/api/coverage").get_json()
    assert set(body) == {"grid", "demand", "summary", "parameters"}
    assert body["parameters"]["reach_km"] == 2 and body["parameters"]["cell_m"] == 250
    assert body["grid"]["type"] == "FeatureCollection" and body["demand"]["type"] == (
        "FeatureCollection")
    cell = body["grid"]["features"][0]
    assert cell["geometry"]["type"] == "Polygon"
    assert set(cell["properties"]) == {"distance_m", "offers_in_reach", "class", "beyond_reach"}
    summary = body["summary"]
    assert summary["cells"] == len(body["grid"]["features"])
    assert summary["city"]["id"] == "bochum" and [a["id"] for a in summary["areas"]] == ["wlab"]
    assert summary["demand_source"] == "places"  # no import in a fresh STATE_DIR
    assert summary["demand_points"] == len(body["demand"]["features"])


def test_filters_and_reach_change_the_answer(client):
    astro = client.get("/api/coverage?topic=astronomie&reach_km=3").get_json()
    assert astro["parameters"]["topic"] == ["astronomie"]
    want = with_offer(load_dataset(GEODATA).places, lambda o: "astronomie" in o["topics"])
    assert astro["summary"]["offers"] == len(want) >= 2  # planetarium, observatory, ...
    everything = client.get("/api/coverage?reach_km=3").get_json()
    assert everything["summary"]["offers"] > astro["summary"]["offers"]
    assert (astro["summary"]["city"]["cells_beyond_reach"]
            > everything["summary"]["city"]["cells_beyond_reach"])
    fine = client.get("/api/coverage?topic=astronomie&cell_m=100").get_json()
    assert fine["summary"]["cells"] > 6 * astro["summary"]["cells"]


@pytest.mark.parametrize("query, parameter", [
    ("reach_km=0.05", "reach_km"), ("reach_km=21", "reach_km"), ("reach_km=abc", "reach_km"),
    ("reach_km=nan", "reach_km"), ("cell_m=99", "cell_m"), ("cell_m=50", "cell_m"),
    ("cell_m=2001", "cell_m"), ("topic=alchemie", "topic"), ("group=senioren", "group"),
    ("kind=castle", "kind"), ("lang=fr", "lang"), ("near=51.4,7.2", "near"),
])
def test_bad_parameters_are_400_json_naming_them(client, query, parameter):
    for path in ("/api/coverage", "/planner/export/underserved.csv",
                 "/planner/export/grid.geojson"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, path
        assert response.get_json()["parameter"] == parameter


def test_bad_parameter_on_the_page_is_an_html_400(client):
    response = client.get("/planner?cell_m=10")
    assert response.status_code == 400 and b"cell_m" in response.data
    assert response.mimetype == "text/html"


def test_etag_answers_304(client):
    first = client.get("/api/coverage?topic=physik")
    again = client.get("/api/coverage?topic=physik",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_page_is_german_first_with_tables_and_no_inline_code(client):
    response = client.get("/planner?topic=astronomie")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'lang="de"' in html
    assert "Kennzahlen nach Gebiet" in html and 'id="area-table"' in html
    assert 'id="underserved-table"' in html and "Zeiss Planetarium Bochum" in html
    assert '<th scope="col">' in html and '<th scope="row">' in html
    assert not THIRD_PARTY.findall(html)
    assert " style=" not in html and "<style" not in html
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline == [' type="application/json" id="planner-config"']
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert 'value="astronomie" checked' in html
    for link in ("/planner/export/underserved.csv?topic=astronomie",
                 "/planner/export/map.html?topic=astronomie"):
        assert link in html
    en = client.get("/planner?topic=astronomie&lang=en").get_data(as_text=True)
    assert 'lang="en"' in en and "Figures by area" in en


def test_map_script_matches_the_page_and_uses_local_leaflet(client):
    html = client.get("/planner?topic=astronomie").get_data(as_text=True)
    div = re.search(r'<div class="folium-map" id="(map_\w+)"', html).group(1)
    src = re.search(r'<script src="(/planner/map.js[^"]+)"', html).group(1).replace("&amp;", "&")
    script = client.get(src).get_data(as_text=True)
    assert f'L.map(\n                "{div}"' in script or f'"{div}"' in script
    assert "coverage-cell" in script and "demand-underserved" in script
    assert "cdn" not in script.lower()
    for asset in re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', html):
        assert client.get(asset.replace("&amp;", "&")).status_code == 200, asset


def test_underserved_csv(client):
    response = client.get("/planner/export/underserved.csv?topic=astronomie")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = read_csv(response)
    assert rows and list(rows[0]) == UNDERSERVED_COLUMNS
    distances = [int(r["distance_m"]) for r in rows]
    assert all(d > 2000 for d in distances) and distances == sorted(distances, reverse=True)
    wlab = [r for r in rows if "wlab" in r["areas"]]
    assert {r["id"] for r in wlab} == {"willy-brandt-gesamtschule-bochum",
                                       "lessing-schule-bochum"}


def test_areas_csv(client):
    rows = read_csv(client.get("/planner/export/areas.csv?topic=astronomie&lang=en"))
    assert list(rows[0]) == AREA_COLUMNS
    assert [r["id"] for r in rows] == ["bochum", "wlab"]
    city, wlab = rows
    assert city["name"] == "Bochum (whole city)" and wlab["approximate"] == "true"
    assert float(wlab["share_underserved"]) == 1.0
    assert float(wlab["share_underserved_vs_city_pp"]) == pytest.approx(
        100 * (1.0 - float(city["share_underserved"])), abs=0.1)


def test_grid_geojson_export(client):
    response = client.get("/planner/export/grid.geojson?cell_m=500&reach_km=1.5")
    assert response.mimetype == "application/geo+json"
    assert "attachment" in response.headers["Content-Disposition"]
    grid = json.loads(response.data)
    assert grid["cell_m"] == 500 and grid["reach_m"] == 1500
    polygon = shapely.geometry.shape(grid["features"][0]["geometry"])
    assert polygon.is_valid and 7.09 < polygon.centroid.x < 7.36
    beyond = [f["properties"]["beyond_reach"] for f in grid["features"]]
    distances = [f["properties"]["distance_m"] for f in grid["features"]]
    assert beyond == [d > 1500 for d in distances]


def test_map_html_export_is_standalone(client):
    response = client.get("/planner/export/map.html?topic=astronomie")
    html = response.get_data(as_text=True)
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.mimetype == "text/html"
    assert not re.search(r"<script[^>]*\ssrc=|<link[^>]*\shref=", html)  # nothing to fetch
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
    assert "L.map(" in html and ".leaflet-container" in html  # Leaflet JS and CSS inlined
    assert "url(images/" not in html  # its images are data URIs
    assert "coverage-cell" in html and "Entfernung zum nächsten" in html


def test_imported_layers_are_the_demand(app_config, state_dir):
    # A kita next to a sek2-only place (the BO.ing forum) and a primary school at the
    # Planetarium (which has offers for grundschule).
    write_layers(state_dir, {
        "schools": [school("1", "school", ["grundschule"], 7.227772, 51.485439, "Grundschule A"),
                    school("2", "university", [], 7.26, 51.445, "Hochschule")],
        "daycare": [school("3", "daycare", ["kita"], 7.260555, 51.444932, "Kita B")],
    })
    client = create_app(app_config).test_client()
    body = client.get("/api/coverage?topic=mathematik&reach_km=0.5").get_json()
    assert body["summary"]["demand_source"] == "layers"
    assert body["summary"]["demand_skipped"] == 1
    demand = {f["id"]: f["properties"] for f in body["demand"]["features"]}
    assert set(demand) == {"schools:1", "daycare:3"}
    assert demand["daycare:3"]["underserved"] is True
    distance = demand["daycare:3"]["distance_m"]  # None: no maths offer for Kitas at all
    assert distance is None or distance > 500
    grundschule = client.get("/api/coverage?group=grundschule").get_json()
    assert [f["id"] for f in grundschule["demand"]["features"]] == ["schools:1"]


def test_city_outline_setting_gives_districts(app_config, tmp_path):
    def district(name, w, e):
        return {"type": "Feature", "properties": {"name": name},
                "geometry": shapely.geometry.mapping(shapely.box(w, 51.42, e, 51.52))}
    outline = tmp_path / "bezirke.geojson"
    outline.write_text(json.dumps({"type": "FeatureCollection", "features": [
        district("West", 7.12, 7.22), district("Ost", 7.22, 7.32)]}))
    client = create_app({**app_config, "CITY_OUTLINE_FILE": str(outline)}).test_client()
    body = client.get("/api/coverage?cell_m=1000").get_json()
    assert body["parameters"]["study_area"] == "outline"
    assert [d["name"] for d in body["summary"]["districts"]] == ["West", "Ost"]
    assert "Untersuchungsgebiet: Stadtgrenze" in client.get("/planner").get_data(as_text=True)


def test_bodies_are_kept_packed_and_sent_as_gzip_or_plain(app_config):
    """Issue 13: the cache holds gzip bytes bounded by PLANNER_CACHE_MB, not 14 MB strings."""
    app = create_app({**app_config, "PLANNER_CACHE_MB": 1})
    client = app.test_client()
    url = "/planner/export/grid.geojson?reach_km=2&cell_m=250"
    plain = client.get(url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert gz.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] == plain.headers["ETag"][:-1] + '-gz"'
    assert "Accept-Encoding" in packed.headers["Vary"]
    for tag in (plain.headers["ETag"], packed.headers["ETag"]):
        assert client.get(url, headers={"If-None-Match": tag}).status_code == 304
    for reach in (1, 3, 4, 5, 6):
        client.get(f"/api/coverage?reach_km={reach}&cell_m=250")
    assert 0 < app.extensions["planner"].bodies.weight <= 1024 * 1024
