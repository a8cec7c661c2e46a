"""The explorer on a 375 x 740 phone: the answer first, the details as a full screen."""

from __future__ import annotations

import pytest

from explorer.i18n import TEXTS

pytestmark = pytest.mark.browser
READY = "() => document.body.dataset.state === 'ready'"


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True,
                                  has_touch=True)
    pg = context.new_page()
    pg.errors = []
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    yield pg
    context.close()


def test_after_choosing_a_place_the_first_result_is_visible_without_scrolling(phone,
                                                                            live_server):
    phone.goto(live_server.url + "/")
    phone.wait_for_function(READY, timeout=15000)
    phone.fill("#near-text", "Querenburg")
    phone.press("#near-text", "Enter")
    phone.wait_for_function("() => new URL(location.href).searchParams.has('near')")
    phone.wait_for_function(READY, timeout=15000)
    first = phone.locator(".result-button").first
    box = first.locator(".result-name").evaluate("b => b.getBoundingClientRect().toJSON()")
    assert box["top"] >= 0 and box["bottom"] <= 740, box  # in the first screen, no scrolling
    assert phone.evaluate("() => window.scrollY") == 0
    # count and the chosen place next to the map
    assert phone.locator("#map-count").inner_text().endswith("Lernorte")
    assert phone.locator("#filter-chips .chip", has_text="Querenburg").count() == 1
    # the topics: one compact control whose list opens while it has focus
    topic = phone.locator("input[name=topic]").first
    assert not topic.is_visible()
    phone.focus("#topic-search")
    assert topic.is_visible()
    phone.fill("#topic-search", "astro")
    assert phone.locator("#topic-options label.check:visible").count() == 1
    # the other filters wait in a sheet behind one button, which says what it does
    group = phone.locator("input[name=group]").first
    more = phone.locator("#filters-more")
    assert not group.is_visible()
    assert more.inner_text() == TEXTS["more_filters"]["de"]
    more.click()
    assert group.is_visible() and more.get_attribute("aria-expanded") == "true"
    sheet = phone.locator("#filters-more-panel").evaluate("n => n.getBoundingClientRect().toJSON()")
    assert sheet["bottom"] <= 741 and sheet["height"] <= 740 * 0.86  # a sheet over the page
    phone.click("#filters-done")
    assert not group.is_visible() and more.get_attribute("aria-expanded") == "false"
    assert phone.errors == []


def test_list_map_switch_and_removable_chips(phone, live_server):
    phone.goto(live_server.url + "/?topic=astronomie&age=9")
    phone.wait_for_function(READY, timeout=15000)
    shown = int(phone.evaluate("() => document.body.dataset.markers"))
    assert phone.locator("#map-count").inner_text() == f"{shown} Lernorte"
    phone.click("#view-switch [data-view=map]")
    assert not phone.locator("#results").is_visible()
    height = phone.locator(".folium-map").evaluate("n => n.getBoundingClientRect().height")
    assert height >= 740 * 0.6, height  # the map takes the screen
    phone.click("#view-switch [data-view=list]")
    assert phone.locator("#results").is_visible()
    chip = phone.locator("#filter-chips .chip", has_text="Astronomie")
    chip.locator("button").click()
    phone.wait_for_function("() => !new URLSearchParams(location.search).has('topic')")
    phone.wait_for_function(READY, timeout=15000)
    assert int(phone.evaluate("() => document.body.dataset.markers")) > shown
    assert phone.locator("#filter-chips .chip").count() == 1  # the age is left
    assert not phone.locator("input[name=topic][value=astronomie]").is_checked()
    assert phone.errors == []


def test_details_cover_the_screen_with_the_title_in_full_and_offers_first(phone, live_server):
    phone.goto(live_server.url + "/?kind=planetarium")
    phone.wait_for_function(READY, timeout=15000)
    phone.locator(".result-button").first.click()
    details = phone.locator("#details")
    details.wait_for(state="visible")
    rect = details.evaluate("d => { const r = d.getBoundingClientRect(); "
                            "return [r.left, r.top, r.width, r.height]; }")
    assert rect[0] == 0 and rect[1] == 0 and rect[2] == 375 and rect[3] >= 700, rect
    title = phone.locator("#details-title").evaluate(
        "t => { const r = t.getBoundingClientRect(); const c = document.getElementById("
        "'details-close').getBoundingClientRect(); return [r.right <= c.left + 1 || "
        "r.top >= c.bottom - 1, t.scrollWidth <= t.clientWidth]; }")
    assert title == [True, True]  # not under the close button, not cut off
    order = phone.locator("#details-body > *").evaluate_all(
        "nodes => nodes.map(n => n.tagName + '.' + n.className)")
    assert order.index("H3.") < order.index("DL.")  # offers before address and sources
    phone.keyboard.press("Escape")
    details.wait_for(state="hidden")
    assert phone.errors == []


@pytest.mark.parametrize("size", [(375, 740), (1280, 800)])
def test_keyboard_reaches_the_first_result_in_ten_presses(browser, live_server, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.wait_for_function(READY, timeout=15000)
    presses = 0
    while presses < 10:
        key = "Enter" if page.evaluate(
            "() => document.activeElement.classList.contains('skip-link')") else "Tab"
        page.keyboard.press(key)
        presses += 1
        if page.evaluate("() => document.activeElement.classList.contains('result-button')"):
            break
    first = page.locator(".result-button").first.get_attribute("data-place-id")
    assert page.evaluate("() => document.activeElement.dataset.placeId") == first, presses
    context.close()
