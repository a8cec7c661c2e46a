"""Shared fixtures: a fresh app per test (Flask tutorial style), data copies, Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from werkzeug import Request, Response
from werkzeug.serving import make_server

from explorer import create_app

REPO = Path(__file__).resolve().parent.parent
GEODATA = REPO / "geodata"
SHARED = REPO.parent / "shared"
OPENDATA = SHARED / "opendata" / "bochum"
CHROMIUM = os.environ.get("EXPLORER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def active_offers(feature: dict) -> list[dict]:
    """The offers the API serves by default (status active)."""
    return [o for o in feature["properties"].get("offers") or []
            if o.get("status", "active") == "active"]


def served_by_default(places: list[dict]) -> list[dict]:
    """Geocoded places with at least one active offer: what ``/api/places`` lists
    unfiltered (a place still to be geocoded is kept in the data but not served)."""
    return [f for f in places if f.get("geometry") and active_offers(f)]


def with_offer(places: list[dict], predicate) -> list[dict]:
    """Served places with an active offer for which ``predicate(offer)`` holds."""
    return [f for f in places if f.get("geometry")
            and any(predicate(o) for o in active_offers(f))]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A private copy of the curated data that a test may change."""
    target = tmp_path / "geodata"
    shutil.copytree(GEODATA, target)
    return target


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    path = tmp_path / "state"
    path.mkdir()
    return path


@pytest.fixture
def app_config(state_dir: Path) -> dict:
    """Files only (no database): the read path, as most tests exercise it; the editorial
    tests (tests/test_editorial_*.py, tests/test_db_*.py) use the database fixtures."""
    return {"TESTING": True, "DATA_DIR": str(GEODATA), "STATE_DIR": str(state_dir),
            "RELOAD_INTERVAL": 0, "TILE_URL": "", "COVERAGE_RATE_LIMIT": 0,
            "PLANNER_TOTAL_RATE_LIMIT": 0, "PLANNER_REQUEST_LIMIT": 0,
            "PLANNER_REQUESTS_PER_SECOND": 0,
            "DATABASE_URL": "none"}


@pytest.fixture
def app(app_config: dict):
    return create_app(app_config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class LiveServer:
    """The app on a real socket on 127.0.0.1, served by werkzeug in a thread."""

    def __init__(self, app, host: str = "127.0.0.1"):
        self.server = make_server(host, 0, app, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright; skips (or fails in CI) when it is missing."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("EXPLORER_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM} (EXPLORER_REQUIRE_BROWSER is set)")
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"),
                                    dialog.dismiss()))
    pg.errors = errors
    yield pg
    context.close()


def open_more_filters(page) -> None:
    """Unfold "Mehr Filter" (the filters beyond where, who and topic) unless it is open."""
    if page.get_attribute("#filters-more", "aria-expanded") != "true":
        page.click("#filters-more")


@pytest.fixture(scope="module")
def server():
    """pytest-httpserver on 127.0.0.1 (a real HTTP server for the pipeline's clients);
    threaded, so a deliberately hanging handler cannot block the request behind it."""
    from pytest_httpserver import HTTPServer

    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


class FakeNominatim:
    """Records every request (time, args, headers) and answers through ``answer``."""

    def __init__(self, answer: Callable[[Request, int], Response]):
        self.answer = answer
        self.calls: list[tuple[float, dict[str, str], dict[str, str]]] = []

    def __call__(self, request: Request) -> Response:
        self.calls.append((time.monotonic(), dict(request.args), dict(request.headers)))
        return self.answer(request, len(self.calls))

    @property
    def times(self) -> list[float]:
        return [t for t, _, _ in self.calls]

    @property
    def args(self) -> list[dict[str, str]]:
        return [a for _, a, _ in self.calls]


@pytest.fixture
def nominatim(server) -> Iterator[Callable[..., FakeNominatim]]:
    """Install a FakeNominatim at ``server``'s /search; cleared after the test."""
    def install(answer: Callable[[Request, int], Response]) -> FakeNominatim:
        fake = FakeNominatim(answer)
        server.expect_request("/search").respond_with_handler(fake)
        return fake
    yield install
    server.clear()


from dbfixtures import (  # noqa: E402,F401  (fixtures of the database tests)
    backend,
    db_url,
    empty_db_url,
    engine,
    pg_cluster,
    seeded_templates,
)
