"""The embed works from 300 px to full width: the map fills its space (no blank strip), the
list stays reachable, and the filter toggle says what it does."""

from __future__ import annotations

import pytest

from explorer.i18n import TEXTS

pytestmark = pytest.mark.browser
READY = "() => document.body.dataset.state === 'ready'"
SIZES = [(300, 400), (375, 600), (800, 600), (1280, 800)]


def box(page, selector: str) -> dict:
    return page.evaluate(f"() => {{ const r = document.querySelector({selector!r})"
                         ".getBoundingClientRect(); return {top: r.top, bottom: r.bottom, "
                         "left: r.left, right: r.right, height: r.height}; }")


@pytest.mark.parametrize("width, height", SIZES)
def test_embed_fills_the_frame_and_keeps_the_list_reachable(browser, live_server, width,
                                                            height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server.url + "/embed")
    page.wait_for_function(READY, timeout=15000)
    layout, leaflet = box(page, ".embed-layout"), box(page, ".map-wrap .folium-map")
    results = box(page, "#results")
    assert layout["bottom"] <= height + 1  # nothing hangs below the frame
    assert leaflet["height"] >= 150
    side_by_side = results["left"] >= leaflet["right"] - 1
    if side_by_side:  # map and list share the height: the map reaches the bottom
        assert abs(leaflet["bottom"] - layout["bottom"]) <= 2, (leaflet, layout)
    else:  # stacked: the list starts where the map ends and is inside the frame
        assert abs(results["top"] - leaflet["bottom"]) <= 2, (results, leaflet)
        assert results["bottom"] <= height + 1 and results["height"] >= 80
    first = page.locator(".result-button").first
    first.scroll_into_view_if_needed()
    assert first.is_visible()

    toggle = page.locator("#filter-toggle")
    assert toggle.inner_text() == TEXTS["show_filters"]["de"]
    toggle.click()
    assert toggle.inner_text() == TEXTS["hide_filters"]["de"]
    assert toggle.get_attribute("aria-expanded") == "true"
    toggle.click()
    assert toggle.inner_text() == TEXTS["show_filters"]["de"]
    assert errors == []
    context.close()
