"""Two `explorer serve` processes on one real PostgreSQL: a change approved through one is
served by both within two reload intervals; with the database stopped, reads go on from
the snapshot, writes fail with a clear message, and both work again once it is back."""

from __future__ import annotations

import contextlib
import json
import re
import sys
import time
from pathlib import Path

import pytest
import requests
from conftest import served_by_default
from editorial_helpers import PASSWORD, account
from sqlalchemy.orm import Session

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import loadtest  # noqa: E402

from explorer import create_app  # noqa: E402

GEODATA = REPO / "geodata"
INTERVAL = 0.5
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def post(http: requests.Session, base: str, path: str, data: dict) -> requests.Response:
    token = TOKEN.search(http.get(base + path, timeout=10).text).group(1)
    return http.post(base + path, data={**data, "csrf_token": token}, timeout=10,
                     allow_redirects=False)


def place_form(feature: dict, version: int, name: str) -> dict:
    p = feature["properties"]
    return {"name": name, "kind": p["kind"], "street": p["address"]["street"],
            "postcode": p["address"]["postcode"], "stadtteil": p.get("stadtteil") or "",
            "stadtbezirk": p["stadtbezirk"], "lat": feature["geometry"]["coordinates"][1],
            "lon": feature["geometry"]["coordinates"][0],
            "coordinate_text": p["coordinate_source"]["text"],
            "coordinate_url": p["coordinate_source"].get("url") or "",
            "website": p.get("website") or "", "description_de": p["description"]["de"],
            "description_en": p["description"].get("en", ""),
            "wheelchair": p.get("wheelchair") or "", "version": str(version),
            "action": "publish"}


@pytest.fixture
def pg_url(pg_cluster, seeded_templates, tmp_path, request):
    from dbfixtures import seeded_url

    return seeded_url("postgresql", seeded_templates, tmp_path, request)


@contextlib.contextmanager
def two_servers(pg_url: str, tmp_path: Path):
    env = {"EXPLORER_DATABASE_URL": pg_url, "EXPLORER_RELOAD_INTERVAL": str(INTERVAL),
           "EXPLORER_SECRET_KEY": "shared", "EXPLORER_DATA_DIR": str(GEODATA)}
    with loadtest.production_server({**env, "EXPLORER_STATE_DIR": str(tmp_path / "a")},
                                    threads=4) as (a, _pa), \
            loadtest.production_server({**env, "EXPLORER_STATE_DIR": str(tmp_path / "b")},
                                       threads=4) as (b, _pb):
        yield f"http://{a}", f"http://{b}"


def editor_session(base: str) -> requests.Session:
    http = requests.Session()
    answer = post(http, base, "/login", {"email": "editor@example.org", "password": PASSWORD})
    assert answer.status_code == 302, answer.text[:300]
    return http


def name_at(base: str, pid: str) -> str:
    return requests.get(f"{base}/api/places/{pid}", timeout=10).json()["properties"]["name"]


def test_a_change_through_one_process_is_served_by_both(pg_url, tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": str(GEODATA), "DATABASE_URL": pg_url,
                      "STATE_DIR": str(tmp_path / "c"), "RELOAD_INTERVAL": 0, "TILE_URL": ""})
    account(app, "editor@example.org", "editor")
    feature = served_by_default(json.loads((GEODATA / "places.geojson").read_text())[
        "features"])[4]
    with two_servers(pg_url, tmp_path) as (a, b):
        http = editor_session(a)
        saved = post(http, a, f"/edit/place/{feature['id']}",
                     place_form(feature, 1, "Neu über Prozess A"))
        assert saved.status_code == 302, saved.text[:500]
        time.sleep(2 * INTERVAL + 0.5)  # two reload intervals, plus the rebuild itself
        assert name_at(a, feature["id"]) == "Neu über Prozess A"
        assert name_at(b, feature["id"]) == "Neu über Prozess A"


def test_database_outage_keeps_reads_and_fails_writes_clearly(pg_url, pg_cluster, tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": str(GEODATA), "DATABASE_URL": pg_url,
                      "STATE_DIR": str(tmp_path / "c"), "RELOAD_INTERVAL": 0, "TILE_URL": ""})
    account(app, "editor@example.org", "editor")
    with Session(app.extensions["db"]):
        pass
    app.extensions["db"].dispose()
    feature = served_by_default(json.loads((GEODATA / "places.geojson").read_text())[
        "features"])[5]
    with two_servers(pg_url, tmp_path) as (a, b):
        http = editor_session(a)
        form_token = TOKEN.search(http.get(f"{a}/edit/place/{feature['id']}").text).group(1)
        pg_cluster.stop()
        try:
            time.sleep(2 * INTERVAL + 0.5)
            for _ in range(20):  # reads go on from the last snapshot
                assert requests.get(f"{b}/api/places", timeout=10).status_code == 200
            health = requests.get(f"{a}/healthz", timeout=10).json()
            assert health["status"] == "degraded" and health["database"]["error"]
            write = http.post(f"{a}/edit/place/{feature['id']}",
                              data={**place_form(feature, 1, "Während des Ausfalls"),
                                    "csrf_token": form_token}, timeout=30)
            assert write.status_code == 503, (write.status_code, write.url, write.text[:600])
            assert "Datenbank ist gerade nicht erreichbar" in write.text
            assert "Traceback" not in write.text
        finally:
            pg_cluster.start()
        time.sleep(2 * INTERVAL + 0.5)
        assert requests.get(f"{a}/healthz", timeout=10).json()["status"] == "ok"
        saved = post(http, a, f"/edit/place/{feature['id']}",
                     place_form(feature, 1, "Nach dem Ausfall"))
        assert saved.status_code == 302
        time.sleep(2 * INTERVAL + 0.5)
        assert name_at(b, feature["id"]) == "Nach dem Ausfall"


def test_two_processes_starting_together_set_up_an_empty_database_once(pg_cluster,
                                                                         tmp_path):
    import os
    import subprocess

    from sqlalchemy import create_engine, text

    url = pg_cluster.create_database(f"together_{os.getpid()}")
    procs, ports = [], []
    try:
        for name in ("a", "b"):  # started at once: both migrate and seed, one at a time
            port = loadtest.free_port()
            env = {**os.environ, "EXPLORER_DATABASE_URL": url, "EXPLORER_PORT": str(port),
                   "EXPLORER_HOST": "127.0.0.1", "EXPLORER_TILE_URL": "",
                   "EXPLORER_STATE_DIR": str(tmp_path / name),
                   "EXPLORER_DATA_DIR": str(GEODATA)}
            log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
            proc = subprocess.Popen([str(Path(sys.executable).parent / "explorer"), "serve"],
                                    env=env, stdout=log, stderr=subprocess.STDOUT)
            proc.log_path = str(tmp_path / f"{name}.log")
            procs.append(proc)
            ports.append(port)
        for proc, port in zip(procs, ports, strict=True):
            loadtest.wait_until_up(port, proc, 60)
        engine = create_engine(url)
        with engine.connect() as conn:
            places = conn.execute(text("SELECT count(*) FROM records WHERE kind = 'place'"))
            assert places.scalar_one() == len(json.loads(
                (GEODATA / "places.geojson").read_text())["features"])
        engine.dispose()
        for port in ports:
            assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json()[
                "status"] == "ok"
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=15)
