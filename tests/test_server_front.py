"""Issue 13: in the production server, a boxed client's planner request is answered from
waitress's main loop and held (no worker thread waits for it), the planner's requests have
worker threads of their own, and the gate bounds the requests it lets in per second, per
client and for all clients together.

The load test (scripts/loadtest_abuse.py) measured why: refusals that waited in the
workers' queue kept the map's visitors waiting behind 40 abusive requests, and 40 addresses
that each spent their minute's allowance at once held the interpreter for 4 seconds.
Against a real waitress server (``explorer.server.make_server``) on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import select
import socket
import threading

import pytest

from explorer import create_app
from explorer.server import make_server


def ask(port: int, path: str, source: str = "127.0.0.1",
        method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15,
                                      source_address=(source, 0))
    try:
        conn.request(method, path)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def send_raw(port: int, path: str, source: str) -> socket.socket:
    """A GET sent, its answer not read yet."""
    s = socket.create_connection(("127.0.0.1", port), timeout=15, source_address=(source, 0))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    return s


def answered(s: socket.socket) -> bool:
    return bool(select.select([s], [], [], 0)[0])


def read_all(s: socket.socket) -> bytes:
    chunks = []
    for _ in range(100):  # bounded; the held answer closes the connection
        data = s.recv(65536)
        if not data:
            break
        chunks.append(data)
    s.close()
    return b"".join(chunks)


@pytest.fixture
def serving(app_config):
    """The app behind the production server: one map worker, one planner worker, and a
    test-only planner route that waits until it is released."""
    def start(**settings):
        app = create_app({**app_config, **settings})
        release, entered = threading.Event(), threading.Event()

        @app.get("/planner/test-wait")
        def wait_for_release():
            entered.set()
            release.wait(15)
            return "released"
        server = make_server(app, "127.0.0.1", 0, threads=1,
                             front=app.extensions["planner_gate"], lane_threads=1)
        threading.Thread(target=server.run, daemon=True).start()
        started.append((server, release))
        return app, server.socket.getsockname()[1], release, entered
    started: list = []
    yield start
    for server, release in started:
        release.set()
        server.close()


def box(port: int, source: str) -> bytes:
    """Ask until refused (limit 3 a minute); the refusal the app itself made."""
    for _ in range(3):
        assert ask(port, "/api/coverage?reach_km=1", source)[0] == 200
    status, _headers, body = ask(port, "/api/coverage?reach_km=1", source)
    assert status == 429
    return body


def test_a_boxed_client_is_held_without_a_worker_while_others_are_served(serving):
    _app, port, _release, _entered = serving(PLANNER_REQUEST_LIMIT=3, PLANNER_HOLD_S=3.0)
    first_refusal = box(port, "127.0.0.2")
    held = send_raw(port, "/api/coverage?reach_km=1", "127.0.0.2")
    # the planner's only worker and the map's only worker are both free for others
    assert ask(port, "/api/coverage?reach_km=1", "127.0.0.3")[0] == 200
    assert ask(port, "/healthz", "127.0.0.4")[0] == 200
    assert not answered(held)  # still held: answered at once before this change
    raw = read_all(held)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    assert lines[0].lower() == "http/1.1 429 too many requests"  # werkzeug's line, as is
    assert body == first_refusal  # the app's own refusal, replayed
    assert headers["connection"] == "close" and int(headers["content-length"]) == len(body)
    assert int(headers["retry-after"]) >= 1
    assert "default-src" in headers["content-security-policy"]
    assert headers["server"] == "mint-explorer" and headers["date"].endswith("GMT")


def test_a_held_head_request_gets_no_body(serving):
    _app, port, _release, _entered = serving(PLANNER_REQUEST_LIMIT=3, PLANNER_HOLD_S=0.2)
    box(port, "127.0.0.5")
    status, headers, body = ask(port, "/api/coverage?reach_km=1", "127.0.0.5", "HEAD")
    assert status == 429 and body == b"" and int(headers["content-length"]) > 0


def test_a_client_gone_while_held_costs_nothing(serving):
    _app, port, _release, _entered = serving(PLANNER_REQUEST_LIMIT=3, PLANNER_HOLD_S=0.3)
    box(port, "127.0.0.6")
    for _ in range(5):
        send_raw(port, "/api/coverage?reach_km=1", "127.0.0.6").close()
    assert ask(port, "/healthz", "127.0.0.7")[0] == 200
    assert ask(port, "/api/coverage?reach_km=1", "127.0.0.8")[0] == 200


def test_planner_requests_do_not_queue_in_front_of_the_map(serving):
    _app, port, release, entered = serving()
    waiting = threading.Thread(target=ask, args=(port, "/planner/test-wait"))
    waiting.start()
    assert entered.wait(10)  # the planner's only worker is busy
    try:
        # with one worker thread for everything, this waited until the planner's answer
        assert ask(port, "/healthz")[0] == 200
        assert ask(port, "/api/places?view=map")[0] == 200
    finally:
        release.set()
        waiting.join(15)


# A request the app refuses at once (400 naming cell_m) still counts: the limits bound what
# gets in, whatever it asks. Quick requests, so all of them fall within one second.
CHEAP = "/api/coverage?cell_m=1"


def test_a_client_may_not_spend_its_minute_in_one_second(app_config):
    app = create_app({**app_config, "PLANNER_REQUEST_LIMIT": 200})  # 10 in any second
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "127.0.0.9"
    statuses = [client.get(CHEAP).status_code for _ in range(12)]
    assert statuses[:10] == [400] * 10 and statuses[10:] == [429, 429]


def test_the_requests_let_in_each_second_are_bounded_for_all_clients(app_config):
    app = create_app({**app_config, "PLANNER_REQUESTS_PER_SECOND": 3})
    got = []
    for i in range(5):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"127.0.1.{i}"
        got.append(client.get(CHEAP))
    assert [r.status_code for r in got] == [400, 400, 400, 503, 503]
    assert got[3].headers["Retry-After"] == "1"
    assert got[3].get_json()["status"] == 503
    map_client = app.test_client()
    map_client.environ_base["REMOTE_ADDR"] = "127.0.1.9"
    assert map_client.get("/api/places").status_code == 200  # the map is not bounded
