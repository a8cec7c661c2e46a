"""Fast, random use of the explorer must never break it: no page error, and the markers
always equal the API's answer for the URL the page shows."""

from __future__ import annotations

import contextlib
import json
import random
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from explorer.load import load_dataset
from tests.conftest import GEODATA

pytestmark = pytest.mark.browser
DATA = load_dataset(GEODATA)
TOPICS = list(DATA.taxonomy["topics"])
GROUPS = list(DATA.taxonomy["groups"])
PLACES = [e["name"] for e in DATA.gazetteer]
WORDS = ["Stern", "Physik", "Garten", "Kita", "Robotik", "Bergbau", "xyz"]
STEPS = 240
SETTLE = "() => document.body.dataset.state === 'ready'"


def settle(page) -> None:
    try:
        page.wait_for_function(SETTLE, timeout=15000)
    except PlaywrightTimeout:
        state = page.evaluate("() => [document.body.dataset.state, mintExplorer.params(),"
                              " document.getElementById('result-count').textContent]")
        raise AssertionError(f"page did not settle: {state}") from None


def settle_and_compare(page, server_url: str) -> None:
    """After the last answer arrived, the cluster holds exactly what the API says."""
    settle(page)
    page.wait_for_timeout(450)  # a deferred rebuild (animation running) lands by then
    settle(page)
    query = urlsplit(page.url).query
    api = page.request.get(f"{server_url}/api/places?{query}&view=map").json()
    shown = page.evaluate("() => window[mintExplorer.cfg.clusterVar].getLayers().length")
    state = page.evaluate("() => mintExplorer.params()")
    assert shown == len(api["features"]), (query, state, shown, len(api["features"]))
    assert "nicht geladen" not in page.locator("#result-count").inner_text()


def click(locator) -> None:
    """Click if it is still there: the page may have rebuilt the list or the cluster."""
    with contextlib.suppress(PlaywrightTimeout):
        locator.dispatch_event("click", timeout=500)


def act(page, rng: random.Random) -> None:
    kind = rng.choice(["topic", "topic", "group", "result", "result", "marker", "marker",
                       "near", "clear", "q", "reset"])
    if kind in ("topic", "group"):
        value = rng.choice(TOPICS if kind == "topic" else GROUPS)
        page.locator(f"input[name={kind}][value={value}]").dispatch_event("click")
    elif kind == "result":
        buttons = page.locator(".result-button")
        n = min(buttons.count(), 20)  # counted once: the list may change meanwhile
        if n:
            click(buttons.nth(rng.randrange(n)))
    elif kind == "marker":
        pins = page.locator(".leaflet-marker-icon")
        n = pins.count()
        if n:
            click(pins.nth(rng.randrange(n)))
    elif kind == "near":
        page.fill("#near-text", rng.choice(PLACES))
        page.press("#near-text", "Enter")
    elif kind == "clear":
        page.locator("#near-clear").dispatch_event("click")
    elif kind == "q":
        page.fill("input[name=q]", rng.choice(WORDS + [""]))
    else:
        page.locator("#filters-reset").dispatch_event("click")
    page.wait_for_timeout(rng.choice([0, 0, 10, 30, 60, 120]))


def test_random_fast_interaction_never_breaks_the_map(page, live_server):
    rng = random.Random(20261202)
    page.goto(live_server.url + "/")
    page.wait_for_function(SETTLE, timeout=15000)
    for step in range(1, STEPS + 1):
        act(page, rng)
        if step % 40 == 0:
            settle_and_compare(page, live_server.url)
            if step % 80 == 0:  # the language switch and back/forward reload the page
                page.locator("#lang-switch").click()
                page.wait_for_function(SETTLE, timeout=15000)
                page.go_back()
                page.wait_for_function(SETTLE, timeout=15000)
                page.go_forward()
                settle_and_compare(page, live_server.url)
    settle_and_compare(page, live_server.url)
    assert page.errors == [], json.dumps(page.errors[:5])
