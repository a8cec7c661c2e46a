"""The map page: escaping, self-hosted assets, security headers, reload behaviour."""

import json
import re

import pytest

from explorer import create_app

THIRD_PARTY = re.compile(r"""(?:src|href)=["'](?:https?:)?//""")
PAYLOAD = "<img src=x onerror=alert(1)>"


def test_page_renders_german_by_default_and_english_on_request(client):
    de = client.get("/").get_data(as_text=True)
    en = client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="de"' in de and "MINT-Lernorte in Bochum" in de
    assert 'lang="en"' in en and "STEM learning places in Bochum" in en


def test_page_loads_no_third_party_assets(client):
    html = client.get("/").get_data(as_text=True)
    assert not THIRD_PARTY.findall(html)
    for src in re.findall(r'<script src="([^"]+)"', html) + re.findall(
            r'<link rel="stylesheet" href="([^"]+)"', html):
        response = client.get(src)
        assert response.status_code == 200, src
        assert b"cdn.jsdelivr" not in response.data and b"unpkg.com" not in response.data


def test_map_script_is_folium_output_with_local_cluster(client):
    html = client.get("/").get_data(as_text=True)
    src = re.search(r'<script src="(/map/[^"]+)"', html).group(1)
    script = client.get(src).get_data(as_text=True)
    assert "L.map(" in script and "L.markerClusterGroup(" in script
    assert "maxZoom" in script  # folium leaves it unset without tiles


def test_security_headers(client):
    h = client.get("/").headers
    csp = h["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'self'" in csp
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] and h["Permissions-Policy"]
    assert h["X-Frame-Options"] == "SAMEORIGIN"


def test_tile_host_is_allowed_for_images_only(app_config):
    app = create_app({**app_config, "TILE_URL": "https://{s}.tiles.example.org/{z}/{x}/{y}.png"})
    csp = app.test_client().get("/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://*.tiles.example.org" in csp
    assert "script-src 'self';" in csp


def test_url_parameters_are_escaped_in_the_page(client):
    html = client.get("/", query_string={"q": '"></script><script>alert(1)</script>'}
                      ).get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "\\u003c/script\\u003e" in html  # inside the JSON config block


def test_bad_page_parameter_is_a_400_page(client):
    response = client.get("/?topic=alchemie")
    assert response.status_code == 400
    assert "topic" in response.get_data(as_text=True)


@pytest.fixture
def hostile_app(data_dir, app_config):
    path = data_dir / "places.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"][0]["properties"]["name"] = PAYLOAD
    data["features"][0]["properties"]["description"]["de"] = '"><svg onload=alert(2)>'
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    areas_path = data_dir / "areas.geojson"
    areas = json.loads(areas_path.read_text(encoding="utf-8"))
    areas["features"][0]["properties"]["name"]["de"] = PAYLOAD
    areas["features"][0]["properties"]["label"]["de"] = PAYLOAD
    areas_path.write_text(json.dumps(areas, ensure_ascii=False), encoding="utf-8")
    return create_app({**app_config, "DATA_DIR": str(data_dir)})


def test_hostile_names_are_escaped_in_page_and_map_script(hostile_app):
    client = hostile_app.test_client()
    html = client.get("/").get_data(as_text=True)
    assert PAYLOAD not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    src = re.search(r'<script src="(/map/[^"]+)"', html).group(1)
    script = client.get(src).get_data(as_text=True)
    assert "<img" not in script and "\\u0026lt;img" in script  # escaped, then JSON-encoded


def test_reload_with_bad_data_keeps_serving_last_good(data_dir, app_config):
    app = create_app({**app_config, "DATA_DIR": str(data_dir)})
    client = app.test_client()
    store = app.extensions["store"]
    before = client.get("/api/places").get_json()["count"]
    path = data_dir / "places.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"][3]["properties"]["offers"][0]["topics"] = ["nonsense"]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert store.reload() is False
    assert client.get("/api/places").get_json()["count"] == before
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded"
    assert any("places.geojson" in e and "topics'" in e and data["features"][3]["id"] in e
               for e in health["last_reload_error"])


def test_reload_picks_up_good_new_data(data_dir, app_config):
    app = create_app({**app_config, "DATA_DIR": str(data_dir)})
    client = app.test_client()
    path = data_dir / "places.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    removed = data["features"].pop()
    path.write_text(json.dumps(data), encoding="utf-8")
    old_version = client.get("/healthz").get_json()["data_version"]
    assert app.extensions["store"].reload() is True
    assert client.get(f"/api/places/{removed['id']}").status_code == 404
    assert client.get("/healthz").get_json()["data_version"] != old_version


def test_files_written_while_loading_are_noticed(data_dir, app_config):
    """The watcher compares with the signature taken before the last load."""
    from explorer.store import files_signature

    app = create_app({**app_config, "DATA_DIR": str(data_dir)})
    store = app.extensions["store"]
    assert files_signature(store) == store.seen_signature
    path = data_dir / "places.geojson"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert files_signature(store) != store.seen_signature
    assert store.reload() is True
    assert files_signature(store) == store.seen_signature


@pytest.mark.parametrize("layer_text", [
    '{"features": ["x"]}',
    '{"features": [{"id": 1, "geometry": {"type": "Point", "coordinates": ["a", "b"]}}]}',
    '{"features": {"not": "a list"}}',
    "[]",
])
def test_malformed_layer_file_is_a_reported_problem(app_config, layer_text):
    from pathlib import Path

    app = create_app(app_config)
    layers = Path(app_config["STATE_DIR"]) / "layers"
    layers.mkdir(exist_ok=True)
    (layers / "schools.geojson").write_text(layer_text, encoding="utf-8")
    store = app.extensions["store"]
    assert store.reload() is False
    assert any("schools.geojson" in str(p) for p in store.last_error)


def test_pages_have_etags_and_revalidate(client):
    first = client.get("/?topic=physik")
    assert first.headers["ETag"]
    again = client.get("/?topic=physik", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/?topic=chemie").headers["ETag"] != first.headers["ETag"]


def test_both_languages_share_one_data_version_of_map_parts(app, client):
    client.get("/")
    client.get("/?lang=en")
    assert len(app.extensions["map_parts"]) == 2


def test_transit_lines_must_be_a_list_of_texts(data_dir):
    from explorer.load import load_dataset
    from explorer.schema import DataError

    path = data_dir / "places.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["transit"] = {"stop": "Hbf", "lines": "U35"}
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataError, match="'transit'"):
        load_dataset(data_dir)
