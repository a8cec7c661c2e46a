"""Load and faults against the production server (waitress) in a child process."""

import http.client
import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import GEODATA, served_by_default

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import loadtest  # noqa: E402

LOAD_SECONDS = float(os.environ.get("EXPLORER_LOAD_SECONDS", "8"))


def get_json(host: str, path: str) -> tuple[int, dict]:
    conn = http.client.HTTPConnection(host, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, json.loads(response.read())


def wait_for(predicate, seconds: float = 15.0) -> bool:
    """Poll a condition, bounded in time (the watcher checks every 0.2 s here)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_twenty_clients_mixed_endpoints_no_errors_flat_memory(tmp_path):
    result = loadtest.load_test(LOAD_SECONDS, clients=20, max_requests=200_000,
                                env={"EXPLORER_STATE_DIR": str(tmp_path)})
    assert result["requests"] > 100
    assert result["error_count"] == 0, result["errors"]
    assert abs(result["rss_change_pct"]) <= 10, result


@pytest.fixture
def served_copy(tmp_path):
    data = tmp_path / "geodata"
    shutil.copytree(GEODATA, data)
    env = {"EXPLORER_DATA_DIR": str(data), "EXPLORER_STATE_DIR": str(tmp_path / "state"),
           "EXPLORER_RELOAD_INTERVAL": "0.2", "EXPLORER_DATABASE_URL": "none"}  # files mode
    with loadtest.production_server(env, threads=4) as (host, proc):
        yield data, host, proc


def replace(path: Path, text: str) -> None:
    temp = path.with_suffix(".tmp-write")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def test_corrupt_file_at_reload_keeps_last_good_data(served_copy):
    data, host, proc = served_copy
    places = data / "places.geojson"
    good = places.read_text(encoding="utf-8")
    _, before = get_json(host, "/api/places")

    replace(places, good[: len(good) // 2])  # truncated: invalid JSON
    assert wait_for(lambda: get_json(host, "/healthz")[1]["status"] == "degraded")
    status, after = get_json(host, "/api/places")
    assert status == 200 and after["count"] == before["count"]
    health = get_json(host, "/healthz")[1]
    assert any("places.geojson" in e and "invalid JSON" in e
               for e in health["last_reload_error"])
    log = Path(proc.log_path).read_text()
    assert "reload rejected" in log and "places.geojson" in log

    replace(places, good)
    assert wait_for(lambda: get_json(host, "/healthz")[1]["status"] == "ok")


def test_invalid_record_at_reload_is_named_and_logged(served_copy):
    data, host, proc = served_copy
    places = data / "places.geojson"
    doc = json.loads(places.read_text(encoding="utf-8"))
    victim = served_by_default(doc["features"])[7]
    victim["properties"]["offers"][0]["groups"] = ["rentner"]
    replace(places, json.dumps(doc, ensure_ascii=False))
    assert wait_for(lambda: get_json(host, "/healthz")[1]["status"] == "degraded")
    errors = get_json(host, "/healthz")[1]["last_reload_error"]
    assert any(victim["id"] in e and "groups'" in e and "rentner" in e for e in errors)
    assert victim["id"] in Path(proc.log_path).read_text()
    status, place = get_json(host, f"/api/places/{victim['id']}")
    assert status == 200 and "rentner" not in place["properties"]["groups"]


def test_valid_change_is_served_without_restart(served_copy):
    data, host, proc = served_copy
    places = data / "places.geojson"
    doc = json.loads(places.read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["name"] = "Umbenannt für den Test"
    version = get_json(host, "/healthz")[1]["data_version"]
    replace(places, json.dumps(doc, ensure_ascii=False))
    assert wait_for(lambda: get_json(host, "/healthz")[1]["data_version"] != version)
    _, place = get_json(host, f"/api/places/{doc['features'][0]['id']}")
    assert place["properties"]["name"] == "Umbenannt für den Test"
    assert proc.poll() is None  # same process: no downtime
