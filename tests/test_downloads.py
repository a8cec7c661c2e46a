"""/downloads/places.geojson and /downloads/offers.csv: the whole data set as files."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from pathlib import Path

import pytest
from conftest import GEODATA, REPO

from explorer import create_app
from explorer.downloads import OFFER_COLUMNS

AWKWARD = 'Experimente; mit "Zitat", Komma\nund Zeilenumbruch'
FORMULA = '=HYPERLINK("https://example.org","klick")'


def geocoded(data: Path = GEODATA) -> list[dict]:
    """The places the snapshot serves: those with a point (any offer status)."""
    places = json.loads((data / "places.geojson").read_text(encoding="utf-8"))["features"]
    return [f for f in places if f.get("geometry")]


def rows_of(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff"), "German Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))


def app_on(data_dir: Path, app_config: dict):
    return create_app({**app_config, "DATA_DIR": str(data_dir)})


def test_places_geojson_is_every_place_once_as_its_full_record(client):
    response = client.get("/downloads/places.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    body = response.get_json(force=True)
    expected = geocoded()
    ids = [f["id"] for f in body["features"]]
    assert len(ids) == len(set(ids)) == body["count"] == len(expected)
    assert set(ids) == {f["id"] for f in expected}
    offers_by_place = {f["id"]: [o["id"] for o in f["properties"].get("offers") or []]
                       for f in expected}
    for feature in body["features"]:  # all offers, every status, in data order
        assert [o["id"] for o in feature["properties"]["offers"]] == offers_by_place[feature["id"]]
        assert feature == client.get(f"/api/places/{feature['id']}").get_json(force=True)


def test_places_geojson_in_english_has_english_labels(client):
    taxonomy = json.loads((GEODATA / "taxonomy.json").read_text(encoding="utf-8"))
    body = client.get("/downloads/places.geojson?lang=en").get_json(force=True)
    for feature in body["features"]:
        p = feature["properties"]
        assert p["kind_label"] == taxonomy["kinds"][p["kind"]]["en"]
    assert "places-en" in client.get("/downloads/places.geojson?lang=en").headers[
        "Content-Disposition"]


def test_offers_csv_has_the_documented_header_and_every_offer_once(client):
    response = client.get("/downloads/offers.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.mimetype_params["charset"] == "utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = rows_of(response.data)
    assert rows[0] == list(OFFER_COLUMNS)
    expected = {o["id"]: f["id"] for f in geocoded() for o in f["properties"].get("offers") or []}
    ids = [r[0] for r in rows[1:]]
    assert len(ids) == len(set(ids)) == len(expected)
    col = {name: i for i, name in enumerate(OFFER_COLUMNS)}
    for row in rows[1:]:
        assert len(row) == len(OFFER_COLUMNS)
        assert expected[row[0]] == row[col["place_id"]]
        assert "None" not in row and "nan" not in row and "null" not in row
        assert row[col["page_url"]] == (f"http://localhost/places/{row[col['place_id']]}"
                                        f"#offer-{row[0]}")
        assert 7.10 <= float(row[col["lon"]]) <= 7.35 and 51.40 <= float(row[col["lat"]]) <= 51.54


def test_offers_csv_cells_match_the_records(client):
    """Multi-valued fields joined with |, unknown empty, flags true/false, dates ISO."""
    rows = rows_of(client.get("/downloads/offers.csv").data)
    col = {name: i for i, name in enumerate(OFFER_COLUMNS)}
    by_id = {r[0]: r for r in rows[1:]}
    for place in geocoded():
        for o in place["properties"].get("offers") or []:
            row = by_id[o["id"]]
            assert row[col["topics"]] == "|".join(o["topics"])
            assert row[col["groups"]] == "|".join(o.get("groups", []))
            assert row[col["status"]] == o.get("status", "active")
            for name in ("age_min", "age_max", "grade_min", "grade_max", "duration_min"):
                assert row[col[name]] == ("" if o.get(name) is None else str(o[name]))
            flag = o.get("group_booking")
            assert row[col["group_booking"]] == {True: "true", False: "false", None: ""}[flag]
            assert row[col["title_en"]] == (o["title"].get("en") or "")
            assert row[col["next_date"]] == "" or re.fullmatch(r"\d{4}-\d{2}-\d{2}",
                                                               row[col["next_date"]])
            if o.get("status") == "ended":
                assert row[col["next_date"]] == ""


def write_titles(data_dir: Path, titles: list[str]) -> list[str]:
    """Give the first offers of the first geocoded places these German titles."""
    path = data_dir / "places.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    changed = []
    places = [f for f in collection["features"] if f.get("geometry")
              and f["properties"].get("offers")]
    for place, title in zip(places, titles, strict=False):
        offer = place["properties"]["offers"][0]
        offer["title"]["de"] = title
        changed.append(offer["id"])
    path.write_text(json.dumps(collection, ensure_ascii=False, indent=1), encoding="utf-8")
    return changed


def test_csv_round_trips_separators_quotes_newlines_and_defuses_formulas(data_dir, app_config):
    awkward_id, formula_id = write_titles(data_dir, [AWKWARD, FORMULA])
    client = app_on(data_dir, app_config).test_client()
    body = client.get("/downloads/offers.csv").data
    rows = rows_of(body)
    col = {name: i for i, name in enumerate(OFFER_COLUMNS)}
    by_id = {r[0]: r for r in rows[1:]}
    assert len(rows) - 1 == sum(len(f["properties"].get("offers") or [])
                                for f in geocoded(data_dir))  # the newline split no row
    assert by_id[awkward_id][col["title_de"]] == AWKWARD
    assert all(len(r) == len(OFFER_COLUMNS) for r in rows)
    # a spreadsheet would run it: it arrives as text with a leading apostrophe
    assert by_id[formula_id][col["title_de"]] == "'" + FORMULA
    assert not any(cell.startswith(("=", "@")) for r in rows[1:] for cell in r)
    assert not any(cell.startswith(("+", "-")) and not re.fullmatch(r"[-+]?\d+(\.\d+)?", cell)
                   for r in rows[1:] for cell in r)


def test_a_new_data_version_is_a_new_file_with_a_new_etag(data_dir, app_config):
    app = app_on(data_dir, app_config)
    client = app.test_client()
    before = {p: client.get(p) for p in ("/downloads/offers.csv", "/downloads/places.geojson")}
    (offer_id,) = write_titles(data_dir, ["Ganz neuer Titel für den Test"])
    assert app.extensions["store"].reload()
    for path, old in before.items():
        new = client.get(path)
        assert new.headers["ETag"] != old.headers["ETag"]
        assert "Ganz neuer Titel für den Test" in new.data.decode("utf-8")
        assert "Ganz neuer Titel für den Test" not in old.data.decode("utf-8")
        assert offer_id in new.data.decode("utf-8")
        again = client.get(path, headers={"If-None-Match": old.headers["ETag"]})
        assert again.status_code == 200 and again.data == new.data


@pytest.mark.parametrize("path", ["/downloads/offers.csv", "/downloads/places.geojson"])
def test_304_and_gzip(client, path):
    plain = client.get(path)
    etag = plain.headers["ETag"]
    assert plain.headers["Cache-Control"].startswith("public")
    unchanged = client.get(path, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""
    zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    again = client.get(path, headers={"Accept-Encoding": "gzip"})  # from the gzip cache
    assert again.data == zipped.data and again.headers["ETag"] == zipped.headers["ETag"]
    assert client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers[
        "ETag"]}).status_code == 304


@pytest.mark.parametrize("url, parameter", [("/downloads/offers.csv?lang=de", "lang"),
                                            ("/downloads/offers.csv?x=1", "x"),
                                            ("/downloads/places.geojson?lang=fr", "lang"),
                                            ("/downloads/places.geojson?view=map", "view")])
def test_bad_parameters_are_named(client, url, parameter):
    response = client.get(url)
    assert response.status_code == 400
    assert response.get_json()["parameter"] == parameter


def test_the_readme_documents_the_columns():
    """The README's "Open data" table lists OFFER_COLUMNS in order (once merged)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    if "\n## Open data\n" not in readme:
        pytest.skip("README has no 'Open data' section yet (text in research notes)")
    section = readme.split("\n## Open data\n", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([a-z_]+)` \|", section, re.M)
    assert documented == list(OFFER_COLUMNS)
