"""Admission control for expensive work (issue 13): per-client limits in a shared storage,
the client behind trusted proxies, the bounded pool, the cell budget, and two server
processes sharing one Redis."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from explorer import create_app
from explorer.config import SettingError
from explorer.web.ratelimit import Busy, ClientLimits, Pool, client_address, parse_networks

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import loadtest  # noqa: E402

PROXY = parse_networks("127.0.0.1, 10.0.0.0/8")


def test_limits_allow_up_to_the_limit_then_say_how_long_to_wait():
    limits = ClientLimits("memory://")
    assert all(limits.allow("s", "a", 3) == 0 for _ in range(3))
    wait = limits.allow("s", "a", 3)
    assert 1 <= wait <= 60
    assert limits.allow("s", "b", 3) == 0  # per client
    assert limits.allow("other", "a", 3) == 0  # per scope
    assert limits.allow("cost", "c", 5, cost=4) == 0 and limits.allow("cost", "c", 5, 2) > 0
    assert limits.allow("s", "a", 0) == 0  # 0 disables


def test_the_client_behind_a_trusted_proxy_is_the_nearest_untrusted_hop():
    # not from a trusted proxy: the header is the client's own claim and is ignored
    assert client_address("203.0.113.9", "198.51.100.1", PROXY) == "203.0.113.9"
    assert client_address("127.0.0.1", "198.51.100.1", ()) == "127.0.0.1"
    # from the proxy: the hop it saw; what the client wrote on the left cannot fool it
    assert client_address("127.0.0.1", "198.51.100.1", PROXY) == "198.51.100.1"
    assert client_address("127.0.0.1", "6.6.6.6, 198.51.100.1, 10.1.2.3", PROXY) == \
        "198.51.100.1"
    assert client_address("127.0.0.1", "10.0.0.5", PROXY) == "10.0.0.5"  # all trusted
    assert client_address("127.0.0.1", None, PROXY) == "127.0.0.1"


def test_bad_settings_stop_start_up_naming_them(app_config):
    with pytest.raises(SettingError, match="EXPLORER_TRUSTED_PROXIES"):
        create_app({**app_config, "TRUSTED_PROXIES": "10.0.0.0/8, nonsense"})
    with pytest.raises(SettingError, match="EXPLORER_LIMITER_STORAGE_URI"):
        create_app({**app_config, "LIMITER_STORAGE_URI": "carrier-pigeon://x"})


def test_the_pool_runs_at_most_n_and_refuses_beyond_its_queue():
    pool = Pool(workers=1, queue=1, wait_s=0.3)
    held, release = threading.Event(), threading.Event()

    def hold():
        with pool.slot():
            held.set()
            release.wait(5)
    worker = threading.Thread(target=hold)
    worker.start()
    assert held.wait(5)
    started = time.monotonic()
    with pytest.raises(Busy) as waited, pool.slot():  # queued, gives up after wait_s
        pass
    assert time.monotonic() - started >= 0.25 and waited.value.retry_after >= 1
    release.set()
    worker.join(5)
    with pool.slot(), pool.slot():  # re-entrant: an export that needs its analysis
        assert pool.stats()["running"] == 1
    assert pool.stats()["running"] == 0


def test_a_full_pool_answers_503_and_cached_answers_still_flow(app_config):
    app = create_app({**app_config, "PLANNER_WORKERS": 1, "PLANNER_QUEUE": 0,
                      "PLANNER_QUEUE_WAIT": 1.0})
    client = app.test_client()
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "127.0.0.9"
    assert client.get("/api/coverage?reach_km=1").status_code == 200  # cached from now on
    held, release = threading.Event(), threading.Event()

    def hold():
        with app.extensions["planner_pool"].slot():
            held.set()
            release.wait(10)
    worker = threading.Thread(target=hold)
    worker.start()
    try:
        assert held.wait(5)
        busy = client.get("/api/coverage?reach_km=3")
        assert busy.status_code == 503 and int(busy.headers["Retry-After"]) >= 1
        assert "busy" in busy.get_json()["error"]
        assert client.get("/planner/export/grid.geojson?reach_km=3").status_code == 503
        assert other.get("/api/coverage?reach_km=1").status_code == 200  # no work: served
        # told to retry later, this client is refused until then, even for cached answers
        assert client.get("/api/coverage?reach_km=1").status_code == 503
    finally:
        release.set()
        worker.join(10)
    time.sleep(1.05)  # its Retry-After
    assert client.get("/api/coverage?reach_km=3").status_code == 200


def test_a_grid_beyond_the_cell_budget_is_refused_before_any_work(app_config):
    client = create_app({**app_config, "PLANNER_CELL_BUDGET": 5000}).test_client()
    refused = client.get("/api/coverage?cell_m=100")
    assert refused.status_code == 400 and refused.get_json()["parameter"] == "cell_m"
    assert "use cells of at least" in refused.get_json()["error"]
    assert client.get("/api/coverage?cell_m=500").status_code == 200


def test_limits_count_analyses_by_size_and_exports_too(app_config):
    client = create_app({**app_config, "COVERAGE_RATE_LIMIT": 3}).test_client()
    assert client.get("/api/coverage?reach_km=1&cell_m=1000").status_code == 200  # cost 1
    assert client.get("/api/coverage?reach_km=1&cell_m=1000").status_code == 200  # cached
    assert client.get("/planner/export/areas.csv?reach_km=1&cell_m=1000").status_code == 200
    assert client.get("/planner/export/areas.csv?reach_km=1&cell_m=1000").status_code == 200
    assert client.get("/api/coverage?reach_km=2&cell_m=1000").status_code == 200  # 3 used
    limited = client.get("/planner/export/grid.geojson?reach_km=1&cell_m=1000")
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
    assert "units of planner work a minute" in limited.get_json()["error"]
    big = create_app({**app_config, "COVERAGE_RATE_LIMIT": 3}).test_client()
    assert big.get("/api/coverage?cell_m=100").status_code == 200  # ~4 units, capped at 3
    assert big.get("/api/coverage?cell_m=1000").status_code == 429  # the minute is used up


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(app_config):
    client = create_app({**app_config, "COVERAGE_RATE_LIMIT": 1,
                         "TRUSTED_PROXIES": "127.0.0.1"}).test_client()
    client.environ_base["REMOTE_ADDR"] = "127.0.0.1"

    def ask(reach: int, who: str) -> int:
        return client.get(f"/api/coverage?reach_km={reach}&cell_m=1000",
                          headers={"X-Forwarded-For": who}).status_code
    assert ask(1, "198.51.100.1") == 200
    assert ask(2, "198.51.100.1") == 429  # the abuser
    assert ask(3, "198.51.100.2") == 200  # everyone else behind the same proxy


# ---- two server processes sharing one Redis ----

def redis_server(tmp_path: Path):
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("EXPLORER_REQUIRE_REDIS"):
            pytest.fail("redis-server not found (apt-get install -y redis-server)")
        pytest.skip("redis-server not found: apt-get install -y redis-server")
    pytest.importorskip("redis", reason="the redis package is needed: pip install redis")
    port = loadtest.free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, port
        time.sleep(0.05)
    proc.kill()
    pytest.fail("redis-server did not start")


def statuses(hosts: list[str], n: int) -> list[int]:
    """n distinct analyses, alternating between the servers (each a new analysis)."""
    return [requests.get(f"http://{hosts[i % 2]}/api/coverage?reach_km={i + 1}&cell_m=1000",
                         timeout=30).status_code for i in range(n)]


@pytest.mark.parametrize("shared", [True, False])
def test_two_processes_share_the_limit_through_redis(tmp_path, shared):
    redis, port = redis_server(tmp_path)
    storage = f"redis://127.0.0.1:{port}" if shared else "memory://"
    env = {"EXPLORER_COVERAGE_RATE_LIMIT": "3", "EXPLORER_LIMITER_STORAGE_URI": storage,
           "EXPLORER_DATABASE_URL": "none", "EXPLORER_RELOAD_INTERVAL": "0"}
    try:
        with (loadtest.production_server({**env, "EXPLORER_STATE_DIR": str(tmp_path / "a")})
              as (a, _),
              loadtest.production_server({**env, "EXPLORER_STATE_DIR": str(tmp_path / "b")})
              as (b, _)):
            got = statuses([a, b], 6)
    finally:
        redis.terminate()
        redis.wait(10)
    if shared:  # three between them, then 429 from whichever process is asked
        assert got == [200, 200, 200, 429, 429, 429], got
    else:  # each process counts alone: the limit doubles with two processes
        assert got == [200] * 6, got


def test_many_addresses_together_meet_the_servers_budget(app_config):
    app = create_app({**app_config, "COVERAGE_RATE_LIMIT": 10, "PLANNER_TOTAL_RATE_LIMIT": 2})
    statuses = []
    for i in range(3):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"127.0.0.{i + 2}"  # each well within its own
        statuses.append(client.get(f"/api/coverage?reach_km={i + 1}&cell_m=1000"))
    assert [r.status_code for r in statuses] == [200, 200, 503]
    assert int(statuses[2].headers["Retry-After"]) >= 1
    assert "used up" in statuses[2].get_json()["error"]
