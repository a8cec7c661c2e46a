"""`explorer import bochum-opendata` on the real City of Bochum files, local and over HTTP."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import GEODATA, OPENDATA
from pytest_httpserver import HTTPServer
from trickle import LASTS, TricklingHeaders, trickling_body

from explorer import create_app
from explorer.cli import main
from explorer.layers import LAYER_COLUMNS, load_layer
from explorer.schema import in_bochum

SCHOOLS, DAYCARE = "bochum_schools.csv", "bochum_daycare_centers.csv"
PLAYGROUNDS, MONUMENTS = "bochum_playgrounds.csv", "bochum_natural_monuments.csv"
FOLDERS = {SCHOOLS: "schools", DAYCARE: "daycare_centers"}
UPSTREAM = {**{name: f"/EDUC/{folder}/{name}" for name, folder in FOLDERS.items()},
            PLAYGROUNDS: f"/EDUC/playgrounds/{PLAYGROUNDS}",
            MONUMENTS: f"/ENVI/natural_monuments/{MONUMENTS}"}  # a sibling of EDUC


@pytest.fixture(scope="module")
def opendata() -> Path:
    if not (OPENDATA / SCHOOLS).is_file() or not (OPENDATA / DAYCARE).is_file():
        pytest.skip(f"City of Bochum open-data files not found in {OPENDATA} "
                    "(../shared/opendata/bochum); import tests need them")
    return OPENDATA


@pytest.fixture
def http(server: HTTPServer) -> Iterator[HTTPServer]:
    yield server
    server.clear()


def run(source: Path | str, state: Path, *extra: str) -> Result:
    return CliRunner().invoke(main, ["import", "bochum-opendata", "--source", str(source),
                                     "--state-dir", str(state), *extra])


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=";",
                                quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def features(state: Path, layer: str) -> dict[str, dict]:
    data = json.loads((state / "layers" / f"{layer}.geojson").read_text(encoding="utf-8"))
    return {f["id"]: f for f in data["features"]}


def utm32_to_wgs84(east: float, north: float) -> tuple[float, float]:
    """Hand-written inverse transverse Mercator (Snyder 1987, eqs. 8-12 ff.) on GRS80.

    Independent of pyproj; accurate to millimetres this close to the central meridian 9°E.
    ETRS89 and WGS84 agree to well under a metre, far inside the test's 2 m.
    """
    a, f, k0 = 6378137.0, 1 / 298.257222101, 0.9996
    e2 = f * (2 - f)
    ep2 = e2 / (1 - e2)
    x, m = east - 500000.0, north / k0
    mu = m / (a * (1 - e2 / 4 - 3 * e2**2 / 64 - 5 * e2**3 / 256))
    e1 = (1 - math.sqrt(1 - e2)) / (1 + math.sqrt(1 - e2))
    phi1 = (mu + (3 * e1 / 2 - 27 * e1**3 / 32) * math.sin(2 * mu)
            + (21 * e1**2 / 16 - 55 * e1**4 / 32) * math.sin(4 * mu)
            + (151 * e1**3 / 96) * math.sin(6 * mu) + (1097 * e1**4 / 512) * math.sin(8 * mu))
    sin1, cos1, tan1 = math.sin(phi1), math.cos(phi1), math.tan(phi1)
    c1, t1 = ep2 * cos1**2, tan1**2
    n1 = a / math.sqrt(1 - e2 * sin1**2)
    r1 = a * (1 - e2) / (1 - e2 * sin1**2) ** 1.5
    d = x / (n1 * k0)
    lat = phi1 - (n1 * tan1 / r1) * (
        d**2 / 2 - (5 + 3 * t1 + 10 * c1 - 4 * c1**2 - 9 * ep2) * d**4 / 24
        + (61 + 90 * t1 + 298 * c1 + 45 * t1**2 - 252 * ep2 - 3 * c1**2) * d**6 / 720)
    lon = math.radians(9.0) + (
        d - (1 + 2 * t1 + c1) * d**3 / 6
        + (5 - 2 * c1 + 28 * t1 - 3 * c1**2 + 8 * ep2 + 24 * t1**2) * d**5 / 120) / cos1
    return math.degrees(lon), math.degrees(lat)


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    dx = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371000.0 * math.hypot(dx, math.radians(lat2 - lat1))


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def test_counts_coordinates_and_format(tmp_path: Path, opendata: Path) -> None:
    result = run(opendata, tmp_path)
    assert result.exit_code == 0, result.output
    schools, daycare = features(tmp_path, "schools"), features(tmp_path, "daycare")
    # Distinct poi_ids counted straight from the files (README: 236 and 193).
    assert len({r["poi_id"] for r in read_rows(opendata / SCHOOLS)}) == len(schools) == 236
    assert len({r["poi_id"] for r in read_rows(opendata / DAYCARE)}) == len(daycare) == 193
    for fid, feature in {**schools, **daycare}.items():
        props = feature["properties"]
        assert fid == f"poi-{props['poi_id']}"
        assert feature["geometry"]["type"] == "Point"
        assert in_bochum(*feature["geometry"]["coordinates"]), fid
        assert set(LAYER_COLUMNS) <= set(props)
        assert props["website"] is None or props["website"].startswith(("https://",
                                                                          "http://"))
    for layer in ("schools", "daycare"):  # the app's own loader accepts the files
        loaded = load_layer(tmp_path / "layers" / f"{layer}.geojson", layer)
        assert len(loaded.frame) == len(features(tmp_path, layer))


def test_known_places_within_2m_of_independent_conversion(tmp_path: Path,
                                                          opendata: Path) -> None:
    assert run(opendata, tmp_path).exit_code == 0
    layers = {**features(tmp_path, "schools"), **features(tmp_path, "daycare")}
    raw = {r["poi_id"]: r for r in read_rows(opendata / SCHOOLS) + read_rows(opendata / DAYCARE)}
    for poi in ("282", "611861"):  # Ruhr-Universität Bochum; Kita Villa Luna O-Werk
        expected = utm32_to_wgs84(float(raw[poi]["rechts_utm"]), float(raw[poi]["hoch_utm"]))
        lon, lat = layers[f"poi-{poi}"]["geometry"]["coordinates"]
        assert metres(lon, lat, *expected) < 2.0, (poi, lon, lat, expected)
    # The curated record says it took RUB's coordinate from poi_id 282.
    curated = json.loads((GEODATA / "places.geojson").read_text(encoding="utf-8"))
    rub = next(f for f in curated["features"] if f["id"] == "ruhr-universitaet-bochum")
    assert rub["properties"]["coordinate_source"]["city_ref"] == {"dataset": "schools",
                                                                  "id": "282"}
    assert metres(*rub["geometry"]["coordinates"],
                  *layers["poi-282"]["geometry"]["coordinates"]) < 2.0


def test_categories_merged_and_mapped(tmp_path: Path, opendata: Path) -> None:
    assert run(opendata, tmp_path).exit_code == 0
    schools, daycare = features(tmp_path, "schools"), features(tmp_path, "daycare")
    rows_255 = [r for r in read_rows(opendata / SCHOOLS) if r["poi_id"] == "255"]
    bigest = schools["poi-255"]["properties"]
    assert len(rows_255) > 1
    assert set(bigest["categories"]) == {r["kategorie"] for r in rows_255}
    assert bigest["main_category"] == next(r["kategorie"] for r in rows_255
                                           if r["erstkateg"] == "1")

    def props(poi: str) -> tuple:
        p = schools[f"poi-{poi}"]["properties"]
        return p["kind"], p["school_type"], p["groups"]

    assert props("151") == ("school", "grundschule", ["grundschule"])
    assert props("241") == ("school", "gymnasium", ["sek1", "sek2"])  # also a Sportschule
    assert props("262") == ("school", "berufskolleg", ["sek2"])
    assert props("170") == ("school", "foerderschule", ["grundschule"])  # "(Primarstufe)"
    assert props("289") == ("school", "foerderschule", ["sek1"])  # level not derivable
    assert props("312") == ("school", "waldorfschule", ["grundschule", "sek1", "sek2"])
    assert props("282") == ("other_education", "hochschule", [])  # RUB: not a demand point
    assert schools["poi-338"]["properties"]["main_category"] == "Sonstige Spezialschulen"
    taxonomy = json.loads((GEODATA / "taxonomy.json").read_text(encoding="utf-8"))
    for feature in [*schools.values(), *daycare.values()]:
        assert set(feature["properties"]["groups"]) <= set(taxonomy["groups"])
    assert {(f["properties"]["kind"], tuple(f["properties"]["groups"]))
            for f in daycare.values()} == {("daycare", ("kita",))}
    assert schools["poi-611755"]["properties"]["website"] == "https://www.sfe.bobi.net"


def test_nature_layer_has_the_nature_areas_and_the_geological_monuments(
        tmp_path: Path, opendata: Path) -> None:
    assert run(opendata, tmp_path).exit_code == 0
    nature = features(tmp_path, "nature")
    areas = {r["poi_id"] for r in read_rows(opendata / PLAYGROUNDS)
             if r["kategorie"] == "Naturerlebnisflächen"}
    with (opendata / MONUMENTS).open(encoding="utf-8", newline="") as handle:
        monuments = list(csv.DictReader(handle))
    rocks = [m for m in monuments if not any(
        tree in m["Bezeichnung"] for tree in ("buche", "eiche", "Eibe", "kastanie", "Esche",
                                              "ulme", "linde", "Buchsbaum"))]
    kinds = {f["properties"]["kind"] for f in nature.values()}
    assert kinds == {"nature_area", "geotope"}
    assert {f["properties"]["poi_id"] for f in nature.values()
            if f["properties"]["kind"] == "nature_area"} == areas
    assert len([f for f in nature.values() if f["properties"]["kind"] == "geotope"]) \
        == len(rocks) == 5
    klosterbusch = nature["ndm-lp-m-o5"]
    assert klosterbusch["geometry"]["coordinates"] == [7.271272, 51.440828]
    assert load_layer(tmp_path / "layers" / "nature.geojson", "nature").frame.shape[0] == 14


def test_without_nature_files_the_other_layers_still_import(tmp_path: Path,
                                                            opendata: Path) -> None:
    source = tmp_path / "educ"
    source.mkdir()
    for name in (SCHOOLS, DAYCARE):
        shutil.copy(opendata / name, source / name)
    result = run(source, tmp_path / "state")
    assert result.exit_code == 0, result.output
    assert "nature layer skipped, the previous one is kept" in result.output
    assert not (tmp_path / "state" / "layers" / "nature.geojson").exists()
    assert (tmp_path / "state" / "layers" / "schools.geojson").exists()


def test_url_source_gives_the_same_layers(tmp_path: Path, opendata: Path, http) -> None:
    for name, path in UPSTREAM.items():
        http.expect_request(path).respond_with_data(
            (opendata / name).read_bytes(), content_type="text/csv; charset=utf-8")
    via_url = run(http.url_for("/EDUC"), tmp_path / "url")
    assert via_url.exit_code == 0, via_url.output
    assert "WARNING" not in via_url.output
    assert run(opendata, tmp_path / "local").exit_code == 0
    for layer in ("schools.geojson", "daycare.geojson", "nature.geojson"):
        assert (tmp_path / "url" / "layers" / layer).read_bytes() == \
            (tmp_path / "local" / "layers" / layer).read_bytes()
    assert len(http.log) == 4
    assert all(req.headers["User-Agent"].startswith("mint-explorer") for req, _ in http.log)


def test_second_run_changes_nothing(tmp_path: Path, opendata: Path) -> None:
    assert run(opendata, tmp_path).exit_code == 0
    paths = [tmp_path / "layers" / n for n in ("schools.geojson", "daycare.geojson")]
    before = [(p.read_bytes(), p.stat().st_mtime_ns) for p in paths]
    second = run(opendata, tmp_path)
    assert second.exit_code == 0, second.output
    assert "0 added, 0 changed, 0 removed" in second.stdout
    assert second.stdout.count("0 added, 0 changed, 0 removed") == 3
    assert "nothing written" in second.stdout
    assert [(p.read_bytes(), p.stat().st_mtime_ns) for p in paths] == before


def edited_copy(opendata: Path, target: Path) -> Path:
    """Open data a month later: one school gone, one renamed, one new."""
    target.mkdir()
    shutil.copy(opendata / DAYCARE, target / DAYCARE)
    rows = [r for r in read_rows(opendata / SCHOOLS) if r["poi_id"] != "151"]
    for row in rows:
        if row["poi_id"] == "152":
            row["name"] = "Anne-Frank-Realschule"
    new = dict(next(r for r in rows if r["poi_id"] == "153"))
    rows.append(new | {"poi_id": "999999", "name": "Neue Testschule", "hoch_utm": "5706000"})
    write_rows(target / SCHOOLS, rows)
    return target


def test_dry_run_prints_diff_and_writes_nothing(tmp_path: Path, opendata: Path) -> None:
    state = tmp_path / "state"
    fresh = run(opendata, state, "--dry-run")
    assert fresh.exit_code == 0, fresh.output
    assert "+ poi-282 Ruhr-Universität Bochum (RUB)" in fresh.stdout
    assert not (state / "layers").exists()
    assert run(opendata, state).exit_code == 0
    paths = sorted((state / "layers").iterdir())
    before = [p.read_bytes() for p in paths]
    later = edited_copy(opendata, tmp_path / "later")
    dry = run(later, state, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "schools: 236 places" in dry.stdout and "1 added, 1 changed, 1 removed" in dry.stdout
    assert "+ poi-999999 Neue Testschule" in dry.stdout
    assert "~ poi-152 Anne-Frank-Realschule" in dry.stdout
    assert "- poi-151 Amtmann-Kreyenfeld-Schule" in dry.stdout
    assert "dry run: nothing written" in dry.stdout
    assert [p.read_bytes() for p in sorted((state / "layers").iterdir())] == before


def test_rerun_applies_updates_and_reports_removed(tmp_path: Path, opendata: Path) -> None:
    state = tmp_path / "state"
    assert run(opendata, state).exit_code == 0
    daycare_before = (state / "layers" / "daycare.geojson").read_bytes()
    result = run(edited_copy(opendata, tmp_path / "later"), state)
    assert result.exit_code == 0, result.output
    assert "- poi-151 Amtmann-Kreyenfeld-Schule" in result.stdout
    schools = features(state, "schools")
    assert "poi-151" not in schools and "poi-999999" in schools
    assert schools["poi-152"]["properties"]["name"] == "Anne-Frank-Realschule"
    assert (state / "layers" / "daycare.geojson").read_bytes() == daycare_before


@pytest.mark.parametrize("failure", ["daycare 500", "schools 404", "schools truncated"])
def test_failed_run_leaves_previous_layers_intact(tmp_path: Path, opendata: Path, http,
                                                  failure: str) -> None:
    state = tmp_path / "state"
    assert run(opendata, state).exit_code == 0
    before = tree_digest(state)
    broken_layer, problem = failure.split()
    later = edited_copy(opendata, tmp_path / "later")  # so a partial write would show
    for name, folder in FOLDERS.items():
        data = (later / name).read_bytes()
        request = http.expect_request(f"/EDUC/{folder}/{name}")
        if folder.startswith(broken_layer) and problem.isdigit():
            request.respond_with_data("nope", status=int(problem))
        elif folder.startswith(broken_layer):
            request.respond_with_data(data[:400])  # header and a fragment of one row
        else:
            request.respond_with_data(data)
    result = run(http.url_for("/EDUC"), state)
    assert result.exit_code == 1
    assert "nothing written, the previous layers are unchanged" in result.stderr
    assert (f"HTTP {problem}" if problem.isdigit() else "no usable rows") in result.stderr
    assert tree_digest(state) == before


@pytest.mark.parametrize("slow", [DAYCARE, PLAYGROUNDS])  # a required and an optional layer
def test_trickling_download_fails_within_the_deadline_and_keeps_the_layers(
        tmp_path: Path, opendata: Path, http, slow: str) -> None:
    """One byte every 0.5 s never trips a timeout per read: the 2 s deadline for the
    whole download must end it, fail the import and leave the previous layers alone."""
    state = tmp_path / "state"
    assert run(opendata, state).exit_code == 0
    before = tree_digest(state)
    later = edited_copy(opendata, tmp_path / "later")  # so a partial write would show
    shutil.copy(opendata / PLAYGROUNDS, later / PLAYGROUNDS)
    shutil.copy(opendata / MONUMENTS, later / MONUMENTS)
    for name, path in UPSTREAM.items():
        data = (later / name).read_bytes()
        request = http.expect_request(path)
        if name == slow:
            request.respond_with_response(trickling_body(data, "text/csv; charset=utf-8"))
        else:
            request.respond_with_data(data, content_type="text/csv; charset=utf-8")
    start = time.monotonic()
    result = run(http.url_for("/EDUC"), state, "--timeout", "2")
    elapsed = time.monotonic() - start
    assert result.exit_code == 1, result.output
    assert elapsed < 3 * 2 < LASTS  # the upstream would have taken 20 s
    assert (f"{http.url_for(UPSTREAM[slow])}: download failed: timed out after 2 s"
            in result.stderr)
    assert "nothing written, the previous layers are unchanged" in result.stderr
    assert tree_digest(state) == before
    assert any(req.path == UPSTREAM[slow] for req, _ in http.log)


def test_trickling_headers_fail_within_the_deadline(tmp_path: Path, opendata: Path) -> None:
    state = tmp_path / "state"
    assert run(opendata, state).exit_code == 0
    before = tree_digest(state)
    start = time.monotonic()
    with TricklingHeaders() as slow:
        result = run(slow.url_for("/EDUC"), state, "--timeout", "2")
        seen = len(slow.requests)
    assert result.exit_code == 1, result.output
    assert time.monotonic() - start < 3 * 2 < LASTS
    assert seen == 1
    assert (f"{slow.url_for(UPSTREAM[SCHOOLS])}: download failed: timed out after 2 s"
            in result.stderr)
    assert tree_digest(state) == before


def test_unreachable_source_fails_cleanly(tmp_path: Path) -> None:
    result = run("http://127.0.0.1:9/EDUC", tmp_path, "--timeout", "2")
    assert result.exit_code == 1
    assert "download failed" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "layers").exists()


def test_missing_column_fails_the_whole_import(tmp_path: Path, opendata: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(opendata / DAYCARE, source / DAYCARE)
    rows = [{k: v for k, v in r.items() if k != "hoch_utm"}
            for r in read_rows(opendata / SCHOOLS)]
    write_rows(source / SCHOOLS, rows)
    result = run(source, tmp_path / "state")
    assert result.exit_code == 1
    assert "bochum_schools.csv: header lacks column(s) hoch_utm" in result.stderr
    assert not (tmp_path / "state" / "layers").exists()


def test_quirky_rows_are_repaired_or_skipped_with_warnings(tmp_path: Path,
                                                           opendata: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(opendata / DAYCARE, source / DAYCARE)
    rows = [r for r in read_rows(opendata / SCHOOLS) if "\n" not in r["beschreib"]][:60]
    out = io.StringIO()
    write_rows(source / SCHOOLS, rows)
    text = (source / SCHOOLS).read_text(encoding="utf-8")
    good = text.splitlines()[1]  # line 2: a complete row
    fields = good.split('";"')
    out.write(text)
    out.write('"900001";"Zu kurz";"Weg 1"\n')  # line 62: too few fields -> skipped
    out.write(good.replace(fields[0], '"900002', 1) + ';""\n')  # 63: extra empty -> repaired
    # 64: a stray quote leaves the last field open, swallowing the line break after it
    out.write(good.replace(fields[0], '"900003', 1)[:-1] + "\n")
    out.write(good.replace(fields[0], '"900004', 1) + "\n")  # 65
    out.write(good.replace(fields[0], '"900005', 1).replace('"Bildung";', '"Stü""tz";', 1)
              + "\n")  # 66: a doubled quote inside a field is fine
    out.write(good.replace(fields[0], '"', 1).replace(fields[1], "Ohne Id", 1) + "\n")  # 67
    (source / SCHOOLS).write_text(out.getvalue(), encoding="utf-8")
    result = run(source, tmp_path / "state")
    assert result.exit_code == 0, result.output
    err = result.stderr
    assert "bochum_schools.csv line 62: 3 fields, header has 18; row skipped" in err
    assert "bochum_schools.csv line 63: 19 fields, header has 18; extra empty" in err
    assert "bochum_schools.csv line 64: re-read on its own after a stray quote" in err
    assert "bochum_schools.csv line 67: empty poi_id; row skipped" in err
    assert "line 66" not in err
    ids = set(features(tmp_path / "state", "schools"))
    assert {"poi-900002", "poi-900003", "poi-900004", "poi-900005"} <= ids
    assert "poi-900001" not in ids


def test_app_serves_layers_and_curated_places_stay_unchanged(tmp_path: Path,
                                                              opendata: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    config = {"TESTING": True, "DATA_DIR": str(GEODATA), "STATE_DIR": str(state),
              "RELOAD_INTERVAL": 0, "TILE_URL": "", "COVERAGE_RATE_LIMIT": 0}
    curated_before = tree_digest(GEODATA)
    app = create_app(config)
    client = app.test_client()
    places_before = client.get("/api/places").get_json()
    places_before.pop("version")  # the data version includes the layers, by design
    assert client.get("/api/layers/schools").status_code == 404

    assert run(opendata, state).exit_code == 0
    assert tree_digest(GEODATA) == curated_before  # the import never touches geodata/
    assert app.extensions["store"].reload()  # what the watcher does on the file change
    for candidate in (client, create_app(config).test_client()):
        response = candidate.get("/api/layers/schools")
        assert response.status_code == 200
        body = response.get_json()
        assert len(body["features"]) == 236
        assert candidate.get("/api/layers/daycare").get_json()["features"][0]["id"]
        places = candidate.get("/api/places").get_json()
        places.pop("version")
        assert places == places_before


def test_a_monument_without_coordinate_is_left_out_and_a_broken_file_skips_only_nature(
        tmp_path: Path, opendata: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in (SCHOOLS, DAYCARE, PLAYGROUNDS):
        shutil.copy(opendata / name, source / name)
    lines = (opendata / MONUMENTS).read_text(encoding="utf-8").splitlines()
    lines.append("NDV 99,Testweg,Findling (Testgranit),Seltenheit,,")
    (source / MONUMENTS).write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(source, tmp_path / "state")
    assert result.exit_code == 0, result.output
    assert "NDV 99: no usable coordinate" in result.output
    assert len([f for f in features(tmp_path / "state", "nature").values()
                if f["properties"]["kind"] == "geotope"]) == 5
    huge = "x" * 200_000  # beyond the csv module's field limit: an unreadable file
    (source / MONUMENTS).write_text('Obj_Nr_neu,Lage,Bezeichnung,Schutzgrund,Rechtswert,'
                                    f'Hochwert\nNDV 1,{huge},Findling,,1,2\n',
                                    encoding="utf-8")
    broken = run(source, tmp_path / "state2")
    assert broken.exit_code == 0, broken.output
    assert "nature layer skipped" in broken.output
    assert (tmp_path / "state2" / "layers" / "schools.geojson").exists()
