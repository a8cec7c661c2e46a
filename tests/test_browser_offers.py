"""In Chromium: a family filters by age and "this weekend", sees the matching offers with
their next date in the list, and opens the place's own page from it."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from explorer import create_app
from tests.conftest import LiveServer, open_more_filters
from tests.test_browser_explorer import wait_ready
from tests.test_offers import WEEKLY, edit_offers

pytestmark = pytest.mark.browser


def weekend(today: dt.date) -> tuple[dt.date, dt.date]:
    """What the page means by "this weekend" (when.js): Saturday and Sunday ahead, or the
    rest of the weekend on a Sunday."""
    if today.weekday() == 6:
        return today, today
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7)
    return saturday, saturday + dt.timedelta(days=1)


@pytest.fixture
def weekend_server(data_dir, app_config):
    edit_offers(data_dir, {WEEKLY: {"age_min": 6, "age_max": None, "when": {
        "type": "recurring", "dtstart": "2026-01-04T11:00", "duration_min": 120,
        "rrule": "FREQ=WEEKLY;BYDAY=SA,SU"}}})  # the museum, open every weekend
    app = create_app({**app_config, "DATA_DIR": str(data_dir)})
    with LiveServer(app) as server:
        yield server


def test_age_and_this_weekend_then_open_the_place_page(page, weekend_server):
    page.goto(weekend_server.url + "/")
    wait_ready(page)
    everything = int(page.evaluate("() => document.body.dataset.markers"))
    page.fill("input[name=age]", "9")
    page.locator("input[name=age]").dispatch_event("change")
    page.wait_for_function("() => new URLSearchParams(location.search).get('age') === '9'")
    wait_ready(page)
    open_more_filters(page)
    page.select_option("#when-choice", "weekend")
    first, last = weekend(dt.date.today())
    page.wait_for_function(
        f"() => new URLSearchParams(location.search).get('to') === '{last.isoformat()}'")
    wait_ready(page)
    query = parse_qs(urlsplit(page.url).query)
    assert query["age"] == ["9"] and query["from"] == [first.isoformat()]
    shown = int(page.evaluate("() => document.body.dataset.markers"))
    assert 0 < shown < everything
    item = page.locator("#result-list > li", has_text="Bergbau")
    item.wait_for()
    offers = item.locator(".result-offers").inner_text()
    assert "nächster Termin" in offers
    item.locator("a.result-page").click()
    page.wait_for_url("**/places/deutsches-bergbau-museum?lang=de")
    assert page.locator("h1").inner_text() == "Deutsches Bergbau-Museum Bochum"
    assert page.locator(f"#offer-{WEEKLY}").is_visible()
    assert page.locator("a.ics").first.get_attribute("href").endswith(".ics?lang=de")
    assert page.errors == []


def test_date_range_fields_appear_only_for_a_chosen_range(page, live_server):
    page.goto(live_server.url + "/")
    wait_ready(page)
    open_more_filters(page)
    assert not page.locator("input[name=from]").is_visible()
    page.select_option("#when-choice", "range")
    assert page.locator("input[name=from]").is_visible()
    page.fill("input[name=from]", "2027-03-22")
    page.locator("input[name=from]").dispatch_event("change")
    page.wait_for_function("() => new URLSearchParams(location.search).get('from') === "
                           "'2027-03-22'")
    page.select_option("#when-choice", "")
    page.wait_for_function("() => !new URLSearchParams(location.search).has('from')")
    assert page.errors == []


def test_free_and_bookable_checkboxes_filter_the_map(page, live_server):
    page.goto(live_server.url + "/")
    wait_ready(page)
    everything = int(page.evaluate("() => document.body.dataset.markers"))
    open_more_filters(page)
    page.check("input[name=cost][value=free]")
    page.wait_for_function("() => new URLSearchParams(location.search).get('cost') === 'free'")
    wait_ready(page)
    free = int(page.evaluate("() => document.body.dataset.markers"))
    page.check("input[name=bookable][value='1']")
    page.wait_for_function("() => new URLSearchParams(location.search).get('bookable') === '1'")
    wait_ready(page)
    both = int(page.evaluate("() => document.body.dataset.markers"))
    assert 0 < both <= free < everything
    assert page.errors == []


def test_builder_snippet_keeps_age_and_free(page, live_server):
    page.goto(live_server.url + "/embed/builder")
    page.fill("input[name=age]", "9")
    page.check("#builder-form input[name=cost][value=free]")
    page.wait_for_function("() => document.getElementById('snippet').value.includes('age=9')"
                           " && document.getElementById('snippet').value.includes('cost=free')")
    assert page.errors == []
