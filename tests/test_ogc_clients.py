"""Real OGC API clients against the app served by `explorer serve` (waitress) on 127.0.0.1:
OWSLib and GDAL's OAPIF driver through pyogrio, as a GIS user would run them.

The server runs in a child process, not a thread: pyogrio keeps the GIL while GDAL reads
features, so a server thread inside the test process could never answer and GDAL would time
out. The README's "Use it in QGIS / GDAL / Python" section is run as it is written, with
the test server's address for http://127.0.0.1:5000.
"""

from __future__ import annotations

import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from conftest import GEODATA, REPO, free_port
from test_ogc_api import CLASSES, write_layers, write_outline

owslib_features = pytest.importorskip(
    "owslib.ogcapi.features", reason="OWSLib is not installed: pip install owslib")
pyogrio = pytest.importorskip("pyogrio", reason="pyogrio (GDAL) is not installed")
if "OAPIF" not in pyogrio.list_drivers():
    pytest.skip(f"GDAL {pyogrio.__gdal_version_string__} has no OAPIF driver",
                allow_module_level=True)

COLLECTIONS = {"places": "Point", "offers": "Point", "schools": "Point", "daycare": "Point",
               "focus-areas": "Polygon", "districts": "Polygon"}
# GDAL must not wait long or go anywhere but the local server (no proxy, no retries).
GDAL_OPTIONS = {"GDAL_HTTP_TIMEOUT": "30", "GDAL_HTTP_CONNECTTIMEOUT": "5",
                "GDAL_HTTP_MAX_RETRY": "0", "GDAL_HTTP_PROXY": None, "GDAL_HTTPS_PROXY": None,
                "CPL_DEBUG": "ON"}  # "HTTP: Fetch(url)" lines on stderr: what GDAL asked
FETCH = re.compile(r"HTTP: Fetch\((\S+)\)")


@dataclass(frozen=True)
class Served:
    base: str  # http://127.0.0.1:PORT
    log: Path

    @property
    def root(self) -> str:
        return f"{self.base}/ogc/"

    def get(self, path: str, **params) -> dict:
        response = requests.get(self.base + path, params=params, timeout=30)
        assert response.status_code == 200, response.text[:300]
        return response.json()


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    """`explorer serve` with imported layers and a two-district city outline."""
    tmp = tmp_path_factory.mktemp("ogc-clients")
    state = tmp / "state"
    state.mkdir()
    write_layers(state)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXPLORER_")}
    env.update({"EXPLORER_DATA_DIR": str(GEODATA), "EXPLORER_STATE_DIR": str(state),
                "EXPLORER_CITY_OUTLINE_FILE": str(write_outline(tmp / "bezirke.geojson")),
                "EXPLORER_RELOAD_INTERVAL": "0", "EXPLORER_DATABASE_URL": "none",
                "EXPLORER_TILE_URL": "", "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    log = tmp / "server.log"
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "explorer", "serve", "--host",
                                 "127.0.0.1", "--port", str(port), "--threads", "4"],
                                cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"explorer serve exited: {log.read_text()[-2000:]}")
            try:
                if requests.get(base + "/healthz", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"explorer serve did not answer: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield Served(base, log)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def gdal(served, capfd) -> Iterator[callable]:
    """GDAL options for the test; yields a function returning the URLs GDAL fetched so far
    (each asserted to be on the local server)."""
    saved = pyogrio.get_gdal_config_option
    before = {k: saved(k) for k in GDAL_OPTIONS}
    pyogrio.set_gdal_config_options(GDAL_OPTIONS)

    def fetched() -> list[str]:
        urls = FETCH.findall(capfd.readouterr().err)
        assert urls and all(u.startswith(served.base + "/ogc") for u in urls), urls
        return urls
    yield fetched
    pyogrio.set_gdal_config_options(before)


def all_ids(served: Served, cid: str, **filters) -> list[str]:
    """Every feature id of a collection in one plain HTTP request."""
    doc = served.get(f"/ogc/collections/{cid}/items", limit=10000, **filters)
    assert doc["numberReturned"] == doc["numberMatched"]
    return [f["id"] for f in doc["features"]]


# --- the README's section, run as it is written ----------------------------------------

README_BASE = "http://127.0.0.1:5000"


def readme_section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("## Use it in QGIS / GDAL / Python")
    return text[start:text.index("\n## ", start + 3)]


def readme_blocks(language: str) -> list[str]:
    blocks = re.findall(rf"```{language}\n(.*?)```", readme_section(), flags=re.S)
    assert blocks, f"no {language} block in the README's GIS section"
    return blocks


def run_readme_python(served: Served, marker: str) -> dict:
    """The README block that contains ``marker``, run with the test server's address."""
    (code,) = [b for b in readme_blocks("python") if marker in b]
    assert f'base = "{README_BASE}"' in code
    namespace: dict = {}
    exec(compile(code.replace(README_BASE, served.base), "README.md", "exec"), namespace)
    return namespace


# --- OWSLib -----------------------------------------------------------------------------

def test_owslib_lists_the_collections_and_conformance(served):
    api = owslib_features.Features(served.root)
    assert api.feature_collections() == list(COLLECTIONS)
    assert set(api.conformance()["conformsTo"]) == CLASSES
    assert api.collection("offers")["extent"]["temporal"]["interval"][0][0]
    assert api.collection("schools")["title"].startswith("Schulen")


@pytest.mark.parametrize("filters", [{}, {"topic": "physik"}, {"status": "all"}])
def test_owslib_pages_through_every_place_once(served, filters):
    api = owslib_features.Features(served.root)
    ids: list[str] = []
    offset, limit = 0, 9
    while True:
        page = api.collection_items("places", limit=limit, offset=offset, **filters)
        assert page["numberReturned"] == len(page["features"]) <= limit
        ids += [f["id"] for f in page["features"]]
        offset += limit
        if offset >= page["numberMatched"]:
            break
    expected = served.get("/api/places", **filters)
    assert len(ids) == len(set(ids)) == expected["count"] == page["numberMatched"]
    assert ids == [f["id"] for f in expected["features"]]


def test_the_readmes_owslib_snippet_runs(served, capsys):
    ns = run_readme_python(served, "owslib")
    assert ns["api"].feature_collections() == list(COLLECTIONS)
    expected = served.get("/api/offers", topic="physik", age=10)
    page = ns["page"]
    assert page["numberMatched"] == expected["count"]
    assert [f["id"] for f in page["features"]] == [f["id"] for f in expected["features"]][:20]
    assert page["features"][0]["id"] in capsys.readouterr().out


# --- GDAL (OAPIF driver) through pyogrio ------------------------------------------------

def test_gdal_lists_every_collection_as_a_layer(served, gdal):
    layers = pyogrio.list_layers(f"OAPIF:{served.root}")
    assert {name: kind for name, kind in layers} == COLLECTIONS
    gdal()


@pytest.mark.parametrize("cid", list(COLLECTIONS))
def test_gdal_reads_every_collection_with_count_crs_and_attributes(served, gdal, cid):
    frame = pyogrio.read_dataframe(f"OAPIF:{served.root}", layer=cid)
    ids = all_ids(served, cid)
    assert len(frame) == len(ids)
    assert frame.crs is not None and frame.crs.to_epsg() == 4326
    assert list(frame["id"]) == ids
    assert set(frame.geom_type) <= {COLLECTIONS[cid], "Multi" + COLLECTIONS[cid]}
    first = served.get(f"/ogc/collections/{cid}/items/{ids[0]}")
    row = frame.iloc[0]
    for key, value in first["properties"].items():
        got = row[key]
        if isinstance(value, list):
            assert list(got if got is not None else []) == value, key
        elif value is None:
            assert got is None or got != got, key  # None or NaN/NaT
        elif key in ("checked", "first_date", "last_date", "next_date", "changed"):
            assert str(got)[:10] == value[:10], key
        else:
            assert got == value, key
    if COLLECTIONS[cid] == "Point":
        assert [row.geometry.x, row.geometry.y] == pytest.approx(
            first["geometry"]["coordinates"])
    info = pyogrio.read_info(f"OAPIF:{served.root}", layer=cid)
    assert info["features"] == len(ids)
    gdal()


@pytest.mark.parametrize("cid", ["places", "offers"])
def test_gdal_pages_of_seven_return_every_feature_once(served, gdal, cid):
    frame = pyogrio.read_dataframe(f"OAPIF:{served.root}", layer=cid, PAGE_SIZE=7)
    ids = all_ids(served, cid)
    assert sorted(frame["id"]) == sorted(ids) and frame["id"].is_unique
    pages = [u for u in gdal() if f"/collections/{cid}/items" in u and "limit=7" in u]
    offsets = sorted({int(m.group(1)) if (m := re.search(r"offset=(\d+)", u)) else 0
                      for u in pages})
    assert offsets == list(range(0, len(ids), 7))
    assert len(offsets) == math.ceil(len(ids) / 7) > 5


def test_gdal_passes_bbox_and_kind_to_the_server(served, gdal):
    box = (7.2, 51.45, 7.3, 51.5)
    framed = pyogrio.read_dataframe(f"OAPIF:{served.root}", layer="places", bbox=box)
    assert sorted(framed["id"]) == sorted(all_ids(served, "places", bbox="7.2,51.45,7.3,51.5"))
    urls = gdal()
    assert any("bbox=" in u for u in urls)
    museums = pyogrio.read_dataframe(f"OAPIF:{served.root}", layer="places",
                                     where="kind = 'museum'")
    assert sorted(museums["id"]) == sorted(all_ids(served, "places", kind="museum"))
    assert any("kind=museum" in u for u in gdal())


def test_the_readmes_geopandas_snippet_runs(served, gdal):
    ns = run_readme_python(served, "pyogrio")
    places, museums = ns["places"], ns["museums"]
    assert len(places) == served.get("/api/places")["count"]
    assert set(museums["kind"]) == {"museum"}
    assert len(museums) == served.get("/api/places", kind="museum")["count"]
    gdal()


def test_the_readmes_gdal_commands_run(served, tmp_path):
    """Each ogrinfo/ogr2ogr line of the README, as written, with the test server's address;
    CI installs gdal-bin (EXPLORER_REQUIRE_GDAL_CLI), elsewhere this skips without it."""
    if not shutil.which("ogrinfo"):
        if os.environ.get("EXPLORER_REQUIRE_GDAL_CLI"):
            pytest.fail("ogrinfo not found but EXPLORER_REQUIRE_GDAL_CLI is set")
        pytest.skip("GDAL's command-line tools are not installed (apt-get install gdal-bin)")
    (block,) = readme_blocks("sh")
    lines = [line for line in block.splitlines() if line.strip()]
    assert lines and all(line.startswith(("ogrinfo ", "ogr2ogr ")) for line in lines)
    env = {**os.environ, **{k: v for k, v in GDAL_OPTIONS.items() if v and k != "CPL_DEBUG"},
           "NO_PROXY": "127.0.0.1"}
    for line in lines:
        run = subprocess.run(shlex.split(line.replace(README_BASE, served.base)), cwd=tmp_path,
                             env=env, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, (line, run.stderr[-1000:])
        if line.startswith("ogrinfo -so"):
            assert f"Feature Count: {served.get('/api/places')['count']}" in run.stdout
    gpkg = {name for name, _kind in pyogrio.list_layers(tmp_path / "mint-bochum.gpkg")}
    assert gpkg == {"places", "offers", "focus-areas"}
    museums = pyogrio.read_dataframe(tmp_path / "museen.geojson")
    assert len(museums) == served.get("/api/places", kind="museum")["count"]
