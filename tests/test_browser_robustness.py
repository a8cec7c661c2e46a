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
STEPS = 500
COMPARE_EVERY = 25
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


def click_any(locator, rng: random.Random, most: int = 1000) -> None:
    """Click one of the matches at random (counted once: the page may change meanwhile)."""
    n = min(locator.count(), most)
    if n:
        click(locator.nth(rng.randrange(n)))


def set_value(page, selector: str, value: str, event: str) -> None:
    """Type into a field even while it waits behind "Mehr Filter" (as a fast user might)."""
    page.evaluate("([s, v, e]) => { const f = document.querySelector(s); f.value = v;"
                  " f.dispatchEvent(new Event(e, {bubbles: true})); }", [selector, value, event])


def navigate(page, how: str) -> None:
    """Language switch, back or forward: a new page or a popstate; then wait for it."""
    if how == "lang":
        page.locator("#lang-switch").click()
    elif how == "back":
        page.go_back()
    else:
        page.go_forward()
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_load_state("load", timeout=5000)
    settle(page)


def act(page, rng: random.Random) -> None:
    kind = rng.choice(["topic", "topic", "group", "result", "result", "marker", "marker",
                       "near", "clear", "q", "age", "chip", "more", "topic-search", "reset",
                       "back", "back", "forward", "lang"])
    if kind in ("topic", "group"):
        value = rng.choice(TOPICS if kind == "topic" else GROUPS)
        page.locator(f"input[name={kind}][value={value}]").dispatch_event("click")
    elif kind == "result":
        click_any(page.locator(".result-button"), rng, most=20)
    elif kind == "marker":
        click_any(page.locator(".leaflet-marker-icon"), rng)
    elif kind == "near":
        page.fill("#near-text", rng.choice(PLACES))
        page.press("#near-text", "Enter")
    elif kind == "clear":
        page.locator("#near-clear").dispatch_event("click")
    elif kind == "q":
        set_value(page, "input[name=q]", rng.choice(WORDS + [""]), "input")
    elif kind == "age":
        set_value(page, "input[name=age]", rng.choice(["", "4", "9", "15"]), "change")
    elif kind == "chip":
        click_any(page.locator("#filter-chips .chip-remove"), rng)
    elif kind == "more":
        page.locator("#filters-more").dispatch_event("click")
    elif kind == "topic-search":
        set_value(page, "#topic-search", rng.choice(["", "ph", "bio", "zzz"]), "input")
    elif kind in ("back", "forward", "lang"):
        navigate(page, kind)
    else:
        page.locator("#filters-reset").dispatch_event("click")
    page.wait_for_timeout(rng.choice([0, 0, 10, 30, 60, 120]))


def test_random_fast_interaction_never_breaks_the_map(page, live_server):
    rng = random.Random(20261202)
    page.goto(live_server.url + "/")
    page.wait_for_function(SETTLE, timeout=15000)
    kinds = 0
    for step in range(1, STEPS + 1):
        act(page, rng)
        if step % COMPARE_EVERY == 0:
            settle_and_compare(page, live_server.url)
            kinds += 1
    settle_and_compare(page, live_server.url)
    assert kinds == STEPS // COMPARE_EVERY
    assert page.errors == [], json.dumps(page.errors[:5])
