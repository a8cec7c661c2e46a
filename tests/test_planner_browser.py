"""The planner page and its offline map export in headless Chromium."""

import pytest

pytestmark = pytest.mark.browser
READY = "() => document.body.dataset.state === 'ready'"  # a function: no eval under CSP


def csp_violations(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text)
            if "Content Security Policy" in m.text else None)
    return messages


def underserved(page, live_server) -> int:
    """How many demand points the analysis itself calls underserved (data-dependent)."""
    body = page.request.get(live_server.url + "/api/coverage?topic=astronomie").json()
    count = body["summary"]["underserved"]
    assert count >= 1  # the page has something to draw
    return count


def test_planner_page_shows_grid_tables_and_underserved(page, live_server):
    expected = underserved(page, live_server)
    violations = csp_violations(page)
    page.goto(live_server.url + "/planner?topic=astronomie")
    page.wait_for_function(READY, timeout=15000)
    assert page.locator("path.coverage-cell").count() >= 5  # distance classes drawn
    assert int(page.evaluate("() => document.body.dataset.cells")) >= 5
    assert page.locator("path.demand-underserved").count() == expected
    assert page.locator("path.focus-area").count() == 1
    assert page.locator("#area-table tbody tr").count() == 2
    assert page.locator("#area-table caption").is_visible()
    rows = page.locator("#underserved-table tbody tr")
    assert rows.count() == expected
    assert page.locator(".legend .swatch").count() == 8
    assert page.locator("input[name=topic][value=astronomie]").is_checked()

    zoom = page.evaluate("() => mintPlanner.map.getZoom()")
    rows.first.locator("button.show-on-map").click()
    page.wait_for_function(f"() => mintPlanner.map.getZoom() > {zoom}", timeout=5000)
    assert page.errors == [] and violations == []


def test_form_submits_reach_into_the_url(page, live_server):
    page.goto(live_server.url + "/planner?lang=en")
    page.wait_for_function(READY, timeout=15000)
    assert page.locator("h1").inner_text().startswith("Planner view")
    page.check("input[name=topic][value=physik]")
    page.fill("input[name=reach_km]", "3")
    page.click("button[type=submit]")
    page.wait_for_url("**/planner?**reach_km=3**")
    page.wait_for_function(READY, timeout=15000)
    assert "topic=physik" in page.url and "lang=en" in page.url
    assert page.locator("input[name=reach_km]").input_value() == "3"
    assert page.errors == []


def test_exported_map_works_offline(page, live_server, tmp_path):
    expected = underserved(page, live_server)
    html = page.request.get(live_server.url + "/planner/export/map.html?topic=astronomie").text()
    path = tmp_path / "map.html"
    path.write_text(html, encoding="utf-8")
    requested: list[str] = []
    page.route("**/*", lambda route: (requested.append(route.request.url), route.abort())
               if not route.request.url.startswith("file:") else route.continue_())
    page.goto(path.as_uri())
    page.wait_for_selector("path.coverage-cell", timeout=15000)
    assert page.locator("path.demand-underserved").count() == expected
    assert page.errors == [] and requested == []
