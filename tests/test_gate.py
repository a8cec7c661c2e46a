"""Issue 13: the planner's gate answers over-limit and boxed clients before the app.

What the abuse load test measured (scripts/loadtest_abuse.py): refusals made by the app cost
a request each, so refused clients still took the server; here the app is entered once per
kind of refusal, and the replayed answer is the app's own (status, body, headers).
"""

from __future__ import annotations

import threading
import time

import pytest

from explorer import create_app
from explorer.web.gate import Box


class Counting:
    """Counts the requests that reach the app behind the gate (the WSGI callable itself)."""

    def __init__(self, app):
        self.app, self.calls = app, 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.app(environ, start_response)


@pytest.fixture
def gated(app_config):
    app = create_app({**app_config, "PLANNER_REQUEST_LIMIT": 3})
    counter = Counting(app.wsgi_app.app)
    app.wsgi_app.app = counter
    return app, counter


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_over_the_request_limit_the_gate_answers_with_the_apps_own_refusal(gated):
    app, counter = gated
    client = client_at(app, "127.0.0.5")
    for _ in range(3):
        assert client.get("/api/coverage?reach_km=1").status_code == 200
    assert counter.calls == 3
    refused = [client.get("/api/coverage?reach_km=1") for _ in range(5)]
    assert counter.calls == 4  # the app made the first refusal only; the gate replays it
    for r in refused:
        assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 60
        assert r.get_json()["status"] == 429 and "Retry-After" in r.get_json()["error"]
        assert "default-src" in r.headers["Content-Security-Policy"]
        assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert client_at(app, "127.0.0.6").get("/api/coverage?reach_km=1").status_code == 200
    assert client.get("/api/places?lang=de").status_code == 200  # the map is not gated


def test_refused_pages_are_the_error_page_in_the_pages_language(gated):
    app, _counter = gated
    client = client_at(app, "127.0.0.7")
    for _ in range(3):
        client.get("/planner/export/areas.csv?reach_km=1")
    german = client.get("/planner?reach_km=1")
    english = client.get("/planner?reach_km=1&lang=en")
    for r, lang in ((german, "de"), (english, "en")):
        assert r.status_code == 429 and r.mimetype == "text/html"
        assert f'<html lang="{lang}"' in r.get_data(as_text=True)
    assert "try again later" in english.get_data(as_text=True)
    assert "try again" not in german.get_data(as_text=True)  # no English in the German page
    export = client.get("/planner/export/grid.geojson?reach_km=1")
    assert export.status_code == 429 and export.get_json()["status"] == 429


def test_a_client_refused_by_the_app_is_boxed_until_its_retry_after(app_config):
    app = create_app({**app_config, "PLANNER_WORKERS": 1, "PLANNER_QUEUE": 0,
                      "PLANNER_QUEUE_WAIT": 1.0})
    counter = Counting(app.wsgi_app.app)
    app.wsgi_app.app = counter
    client = client_at(app, "127.0.0.8")
    assert client.get("/api/coverage?reach_km=1").status_code == 200
    with app.extensions["planner_pool"].slot():  # the pool is full: 503, Retry-After 1
        got: list = []
        asker = threading.Thread(target=lambda: got.append(
            client.get("/api/coverage?reach_km=2")))
        asker.start()
        asker.join(10)
    assert got[0].status_code == 503 and got[0].headers["Retry-After"] == "1"
    calls = counter.calls
    boxed = client.get("/api/coverage?reach_km=1")  # cached, but it was told to wait
    assert boxed.status_code == 503 and counter.calls == calls + 1  # the replay's making
    assert client.get("/api/coverage?reach_km=1").status_code == 503
    assert counter.calls == calls + 1
    time.sleep(1.05)
    assert client.get("/api/coverage?reach_km=1").status_code == 200


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_box(app_config):
    app = create_app({**app_config, "PLANNER_REQUEST_LIMIT": 2,
                      "TRUSTED_PROXIES": "127.0.0.1"})
    proxy = client_at(app, "127.0.0.1")

    def ask(client_ip: str) -> int:
        return proxy.get("/api/coverage?reach_km=1",
                         headers={"X-Forwarded-For": client_ip}).status_code
    assert [ask("203.0.113.7") for _ in range(3)] == [200, 200, 429]
    assert ask("203.0.113.8") == 200  # another user behind the same proxy


def test_the_box_is_bounded_and_forgets_expired_entries():
    box = Box(size=3)
    for i in range(5):
        box.put(f"c{i}", 60, 429)
    assert box.get("c0") is None and box.get("c1") is None
    assert box.get("c4")[1] == 429 and 59 < box.get("c4")[0] <= 60
    box.put("short", 0.01, 503)
    time.sleep(0.02)
    assert box.get("short") is None


def test_replayed_refusals_are_kept_per_kind_not_per_path(gated):
    app, _counter = gated
    client = client_at(app, "127.0.0.11")
    for i in range(20):
        client.get(f"/planner/nothing-{i}")
    assert len(app.wsgi_app._replays) <= 3


def test_a_refusal_made_for_a_bad_host_is_not_replayed_to_others(gated):
    app, _counter = gated
    client = client_at(app, "127.0.0.12")
    for _ in range(3):
        assert client.get("/api/coverage?reach_km=1").status_code == 200
    bad = client.get("/api/coverage?reach_km=1", headers={"Host": "evil.example"})
    assert bad.status_code == 400  # the Host guard's answer, for this request only
    good = client.get("/api/coverage?reach_km=1")
    assert good.status_code == 429 and good.get_json()["status"] == 429
    assert "Set-Cookie" not in good.headers
