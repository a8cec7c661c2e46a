"""/api/where/address against a real local HTTP server that behaves like Nominatim.

The upstream is pytest-httpserver on 127.0.0.1 (conftest's ``server``/``nominatim``); the
app is the Flask test client, or several of them in threads where concurrency matters.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable

import pytest
from click.testing import CliRunner
from werkzeug import Request, Response

from explorer import config, create_app
from explorer.cli import main
from explorer.config import SettingError
from explorer.query import ParamError
from explorer.web.address import Q_MAX, Q_PATTERN, TTLCache, query_text

USER_AGENT = "mint-explorer-tests/1.0 (ops@example.org)"
EMAIL = "ops@example.org"
KORTUM = (51.48184512345, 7.21623649)  # inside Bochum; more than six decimals on purpose
BERLIN = (52.520008, 13.404954)
PUBLIC = "https://nominatim.openstreetmap.org/search"
ENTRY_KEYS = ["name", "kind", "lat", "lon", "detail"]


def found(lat: float | str, lon: float | str, road: str = "Kortumstraße", number: str = "1",
          postcode: str = "44787", suburb: str = "Gleisdreieck", name: str = "") -> dict:
    """One jsonv2 search result with addressdetails, as Nominatim sends it."""
    return {"place_id": 1, "licence": "Data © OpenStreetMap contributors, ODbL 1.0.",
            "lat": str(lat), "lon": str(lon), "name": name,
            "display_name": f"{number}, {road}, {suburb}, Bochum-Mitte, Bochum, "
                            f"Nordrhein-Westfalen, {postcode}, Deutschland",
            "address": {"house_number": number, "road": road, "suburb": suburb,
                        "city_district": "Bochum-Mitte", "city": "Bochum",
                        "state": "Nordrhein-Westfalen", "postcode": postcode,
                        "country": "Deutschland", "country_code": "de"}}


def answer_json(body: object) -> Response:
    return Response(json.dumps(body), content_type="application/json")


def always(body: object) -> Callable[[Request, int], Response]:
    return lambda _request, _n: answer_json(body)


@pytest.fixture
def lookup_config(app_config: dict, server) -> dict:
    return {**app_config, "ADDRESS_LOOKUP": True, "GEOCODER_URL": server.url_for("/search"),
            "GEOCODER_EMAIL": EMAIL, "GEOCODER_USER_AGENT": USER_AGENT,
            "GEOCODER_MIN_INTERVAL": 0.0, "GEOCODER_TIMEOUT": 2.0, "GEOCODER_BACKOFF": 0.0,
            "ADDRESS_RATE_LIMIT": 0}


@pytest.fixture
def make_client(lookup_config: dict):
    def make(**overrides):
        return create_app({**lookup_config, **overrides}).test_client()
    return make


def ask(client, q: str, **args: str):
    return client.get("/api/where/address", query_string={"q": q, **args})


def assert_unavailable(response) -> int:
    """A 503 in JSON with a whole-seconds Retry-After, no traceback; returns the seconds."""
    assert response.status_code == 503, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == 503 and body["error"]
    assert "Traceback" not in response.get_data(as_text=True)
    seconds = int(response.headers["Retry-After"])
    assert seconds >= 1
    return seconds


def test_off_by_default_answers_404_and_asks_nobody(client, nominatim) -> None:
    fake = nominatim(always([found(*KORTUM)]))
    assert config.defaults()["ADDRESS_LOOKUP"] is False
    response = ask(client, "Kortumstraße 1")
    assert response.status_code == 404
    body = response.get_json()
    assert body["enabled"] is False and "EXPLORER_ADDRESS_LOOKUP" in body["error"]
    assert fake.calls == []


def test_hit_inside_bochum_is_answered_short_rounded_and_asked_politely(
        make_client, nominatim) -> None:
    fake = nominatim(always([found(*KORTUM)]))
    response = ask(make_client(), "  Kortumstraße   1 ", lang="en")
    assert response.status_code == 200
    assert response.get_json() == [{"name": "Kortumstraße 1, 44787 Gleisdreieck",
                                    "kind": "address", "lat": 51.481845, "lon": 7.216236,
                                    "detail": "Bochum-Mitte"}]
    assert list(response.get_json()[0]) == ENTRY_KEYS
    [(_, args, headers)] = fake.calls
    assert args == {"q": "Kortumstraße 1", "format": "jsonv2", "addressdetails": "1",
                    "limit": "5", "countrycodes": "de", "viewbox": "7.1,51.54,7.35,51.4",
                    "bounded": "1", "accept-language": "de", "email": EMAIL}
    assert headers["User-Agent"] == USER_AGENT


def test_a_named_feature_keeps_its_name_as_detail(make_client, nominatim) -> None:
    nominatim(always([found(51.485439, 7.227772, road="Castroper Straße", number="67",
                            postcode="44791", suburb="Grumme", name="Planetarium Bochum")]))
    [entry] = ask(make_client(), "Planetarium").get_json()
    assert entry["name"] == "Castroper Straße 67, 44791 Grumme"
    assert entry["detail"] == "Planetarium Bochum"


def test_results_outside_bochum_and_without_finite_coordinates_are_dropped(
        make_client, nominatim) -> None:
    fake = nominatim(always([found(*BERLIN, road="Unter den Linden"), found("nan", "7.2"),
                             found("51.48", "inf"), found(*KORTUM),
                             found(51.47, 7.22, road="Kortumstraße", number="100")]))
    client = make_client()
    response = ask(client, "Kortumstraße")
    assert response.status_code == 200
    assert [e["name"] for e in response.get_json()] == [
        "Kortumstraße 1, 44787 Gleisdreieck", "Kortumstraße 100, 44787 Gleisdreieck"]
    # the answer had results that are not coordinates: served, but not kept
    assert response.headers["Cache-Control"] == "no-store"
    assert ask(client, "Kortumstraße").status_code == 200
    assert len(fake.calls) == 2


def test_only_outside_bochum_is_an_honest_empty_answer_and_cached(make_client,
                                                                 nominatim) -> None:
    fake = nominatim(always([found(*BERLIN, road="Kortumstraße")]))
    client = make_client()
    for _ in range(2):
        response = ask(client, "Kortumstraße 1, Berlin")
        assert response.status_code == 200 and response.get_json() == []
    assert len(fake.calls) == 1


def test_second_identical_query_is_served_from_the_cache(make_client, nominatim) -> None:
    fake = nominatim(always([found(*KORTUM)]))
    client = make_client()
    first = ask(client, "Kortumstraße 1")
    again = ask(client, "  KORTUMSTRASSE \t 1 ")  # case (ß casefolds to ss) and spacing
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert first.headers["Cache-Control"].startswith("private")
    assert len(fake.calls) == 1
    assert ask(client, "Kortumstraße 2").status_code == 200  # another query is asked
    assert len(fake.calls) == 2


def _hang(_request: Request, _n: int) -> Response:
    time.sleep(1.5)
    return answer_json([found(*KORTUM)])


FAILURES: dict[str, Callable[[Request, int], Response]] = {
    "http-500": lambda _r, _n: Response("boom", status=500),
    "http-403": lambda _r, _n: Response("blocked", status=403),
    "timeout": _hang,
    "bad-json": lambda _r, _n: Response("<html>proxy error", content_type="application/json"),
    # not JSON, though Python's json module would read it (and the hit would be fine)
    "json-nan-literal": lambda _r, _n: Response(
        json.dumps([{**found(*KORTUM), "importance": float("nan")}]),
        content_type="application/json"),
    "not-a-list": always({"error": "Nothing to search for"}),
    "no-finite-coordinates": always([found("nan", "nan"), found("51.48", "-Infinity"),
                                     {"lat": "x"}, "junk"]),
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_upstream_failure_answers_503_is_not_cached_and_recovers(
        make_client, nominatim, failure: str) -> None:
    def answer(request: Request, n: int) -> Response:
        return FAILURES[failure](request, n) if n == 1 else answer_json([found(*KORTUM)])

    fake = nominatim(answer)
    client = make_client(GEOCODER_TIMEOUT=0.5)
    assert_unavailable(ask(client, "Kortumstraße 1"))
    recovered = ask(client, "Kortumstraße 1")  # asked again: the failure was not kept
    assert recovered.status_code == 200
    assert recovered.get_json()[0]["name"] == "Kortumstraße 1, 44787 Gleisdreieck"
    assert len(fake.calls) == 2


def test_upstream_retry_after_holds_every_request(make_client, nominatim) -> None:
    fake = nominatim(lambda _r, _n: Response("slow down", status=429,
                                             headers={"Retry-After": "7"}))
    client = make_client()
    assert assert_unavailable(ask(client, "Kortumstraße 1")) == 7
    # another query from another client: the geocoder is not asked before its Retry-After
    other = client.get("/api/where/address", query_string={"q": "Hustadtring 5"},
                       environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert assert_unavailable(other) >= 6
    assert len(fake.calls) == 1


def test_slow_upstream_exceeds_the_whole_request_deadline(make_client, nominatim) -> None:
    """A byte a second never trips requests' per-read timeout; the total deadline does."""
    body = b"[" + b" " * 8 + b"]"  # ten seconds of a valid (empty) answer
    state = {"sent": 0, "finished": False}
    stop = threading.Event()

    def trickle(_request: Request, _n: int) -> Response:
        def chunks():
            for i in range(len(body)):
                if stop.is_set():
                    return
                state["sent"] += 1
                yield body[i:i + 1]
                time.sleep(1.0)
            state["finished"] = True
        return Response(chunks(), content_type="application/json")

    nominatim(trickle)
    client = make_client(GEOCODER_TIMEOUT=2.5)
    start = time.monotonic()
    try:
        response = ask(client, "Kortumstraße 1")
        took = time.monotonic() - start
        assert_unavailable(response)
        assert not state["finished"] and 1 <= state["sent"] < len(body)
        assert took < 8  # the deadline is 2.5 s; the whole body takes 10 s
    finally:
        stop.set()


@pytest.mark.parametrize("q", ["", "ab", "  a b  ", " \t ", "x" * (Q_MAX + 1),
                               "Kortumstraße 1" + " " * (Q_MAX - 13)])
def test_bad_q_is_a_400_naming_q_and_asks_nobody(make_client, nominatim, q: str) -> None:
    fake = nominatim(always([]))
    response = ask(make_client(), q, lang="de")
    assert response.status_code == 400
    body = response.get_json()
    assert body["parameter"] == "q" and body["status"] == 400
    assert re.search(r"characters|missing", body["error"])
    assert fake.calls == []


def test_missing_q_and_unknown_parameters_are_400s(make_client, nominatim) -> None:
    fake = nominatim(always([]))
    client = make_client()
    missing = client.get("/api/where/address")
    assert missing.status_code == 400 and missing.get_json()["parameter"] == "q"
    extra = client.get("/api/where/address?q=Kortumstra%C3%9Fe&near=1,2")
    assert extra.status_code == 400 and extra.get_json()["parameter"] == "near"
    wrong_lang = client.get("/api/where/address?q=Kortumstra%C3%9Fe&lang=fr")
    assert wrong_lang.status_code == 400 and wrong_lang.get_json()["parameter"] == "lang"
    assert fake.calls == []


@pytest.mark.parametrize("q", ["abc", "a b c", "x" * Q_MAX])
def test_q_at_the_limits_is_asked(make_client, nominatim, q: str) -> None:
    fake = nominatim(always([]))
    assert ask(make_client(), q).status_code == 200
    assert len(fake.calls) == 1


def test_openapi_q_limits_are_the_parsers() -> None:
    app = create_app({"TESTING": True, "RELOAD_INTERVAL": 0, "DATABASE_URL": "none",
                      "STATE_DIR": "/nonexistent-state"})
    doc = app.test_client().get("/api/openapi.json").get_json()
    operation = doc["paths"]["/api/where/address"]["get"]
    [q] = [p for p in operation["parameters"] if p["name"] == "q"]
    schema = q["schema"]
    assert q["required"] and schema["maxLength"] == Q_MAX and schema["pattern"] == Q_PATTERN
    assert {"200", "400", "404", "429", "503"} <= set(operation["responses"])
    for text in ["abc", "a b c", "ab", "a  b", "   ", "\tab\tc", "x" * Q_MAX,
                 "x" * (Q_MAX + 1), " " * (Q_MAX - 2) + "abc"]:
        documented = len(text) <= schema["maxLength"] and bool(re.search(schema["pattern"],
                                                                         text))
        try:
            query_text(text)
            accepted = True
        except ParamError:
            accepted = False
        assert accepted == documented, repr(text)


def test_per_client_rate_limit_answers_429(make_client, nominatim) -> None:
    fake = nominatim(always([found(*KORTUM)]))
    client = make_client(ADDRESS_RATE_LIMIT=2)
    assert ask(client, "Kortumstraße 1").status_code == 200
    assert ask(client, "Kortumstraße 2").status_code == 200
    limited = ask(client, "Kortumstraße 3")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.get_json()["status"] == 429
    assert ask(client, "kortumstraße 1").status_code == 200  # from the cache: not counted
    other = client.get("/api/where/address", query_string={"q": "Kortumstraße 3"},
                       environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200  # per client
    assert len(fake.calls) == 3


def test_one_upstream_request_at_a_time_spaced_across_threads(make_client,
                                                              nominatim) -> None:
    interval = 0.6
    fake = nominatim(always([found(*KORTUM)]))
    app_client = make_client(GEOCODER_MIN_INTERVAL=interval)
    app = app_client.application
    statuses: list[int] = []
    lock = threading.Lock()

    def visit(i: int) -> None:
        status = ask(app.test_client(), f"Kortumstraße {i}").status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=visit, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    # waits of 0, 0.6, 1.2, 1.8 s fit into the 2 s a request may wait; 2.4 and 3.0 do not
    # (a slow machine may push the fourth over): the rest answer 503, not later
    assert len(statuses) == 6 and set(statuses) == {200, 503}, statuses
    assert 3 <= statuses.count(200) <= 4 and len(fake.calls) == statuses.count(200)
    gaps = [b - a for a, b in zip(fake.times, fake.times[1:], strict=False)]
    assert all(g >= interval - 0.05 for g in gaps), gaps


def test_public_nominatim_without_email_is_refused(lookup_config: dict) -> None:
    with pytest.raises(SettingError, match="EXPLORER_GEOCODER_EMAIL"):
        create_app({**lookup_config, "GEOCODER_URL": PUBLIC, "GEOCODER_EMAIL": " "})
    app = create_app({**lookup_config, "GEOCODER_URL": PUBLIC, "GEOCODER_MIN_INTERVAL": 0})
    assert app.extensions["address_lookup"].gate.limiter.interval == 1.0  # its policy
    # off, the same settings are fine: nothing would be asked
    create_app({**lookup_config, "GEOCODER_URL": PUBLIC, "GEOCODER_EMAIL": "",
                "ADDRESS_LOOKUP": False})


def test_serve_refuses_public_nominatim_without_email_without_a_traceback(
        tmp_path) -> None:
    env = {"EXPLORER_ADDRESS_LOOKUP": "1", "EXPLORER_GEOCODER_URL": PUBLIC,
           "EXPLORER_GEOCODER_EMAIL": "", "EXPLORER_DATABASE_URL": "none",
           "EXPLORER_STATE_DIR": str(tmp_path), "EXPLORER_RELOAD_INTERVAL": "0",
           "EXPLORER_PORT": "9"}
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code == 2
    assert "ERROR EXPLORER_ADDRESS_LOOKUP is on" in result.stderr
    assert "EXPLORER_GEOCODER_EMAIL" in result.stderr
    assert "Traceback" not in result.output


def test_cache_expires_and_stays_bounded() -> None:
    now = [0.0]
    cache = TTLCache(2, ttl=10.0, clock=lambda: now[0])
    cache.put("a", [1])
    now[0] = 9.9
    assert cache.get("a") == [1]
    now[0] = 10.0
    assert cache.get("a") is None  # expired: asked again
    for key in ("a", "b", "c"):
        cache.put(key, [])
    assert cache.get("a") is None and cache.get("c") == [] and len(cache) == 2
