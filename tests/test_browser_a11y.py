"""axe-core (npm package, installed into tests/a11y by .ci/run) finds no WCAG 2.1 AA
violation on the explorer, the details panel, the planner, the embed and the builder, on a
phone (375 x 740) and a desktop (1280 x 800)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import open_more_filters

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"phone": (375, 740), "desktop": (1280, 800)}
READY = "() => document.body.dataset.state === 'ready'"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        if os.environ.get("EXPLORER_REQUIRE_BROWSER"):
            pytest.fail(f"{AXE} is missing: npm ci --prefix tests/a11y")
        pytest.skip(f"{AXE} is missing: run `npm ci --prefix tests/a11y` (needs npm)")
    return AXE.read_text(encoding="utf-8")


def open_details(page) -> None:
    page.locator(".result-button").first.click()
    page.wait_for_function("() => !document.getElementById('details').hidden")


def open_more(page) -> None:
    open_more_filters(page)
    page.focus("#topic-search")  # on a phone the topic list opens with focus


PAGES = {
    "explorer": ("/?lang=de", READY, None),
    "explorer-en-filters": ("/?lang=en&topic=astronomie&age=9", READY, open_more),
    "details": ("/?kind=planetarium", READY, open_details),
    "planner": ("/planner", READY, None),
    "embed": ("/embed?topic=biologie", READY, None),
    "builder": ("/embed/builder", "() => document.getElementById('snippet').value !== ''",
                None),
    "place page": ("/places/zeiss-planetarium-bochum",
                   "() => document.querySelector('h1') !== null", None),
}


def violations(page, axe_source: str) -> list[dict]:
    page.add_script_tag(content=axe_source)
    return page.evaluate("""(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},
        resultTypes: ['violations']}).then(r => r.violations.map(v => ({id: v.id,
        impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))""", TAGS)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", PAGES)
def test_no_wcag_21_aa_violation(browser, live_server, axe_source, name, size):
    width, height = SIZES[size]
    # axe is injected as a script tag: the pages' CSP (script-src 'self') would refuse it
    context = browser.new_context(viewport={"width": width, "height": height},
                                  bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    path, ready, then = PAGES[name]
    response = page.goto(live_server.url + path)
    assert response.status == 200, path
    if ready:
        page.wait_for_function(ready, timeout=15000)
    if then:
        then(page)
    found = violations(page, axe_source)
    context.close()
    assert found == [], json.dumps(found, ensure_ascii=False, indent=1)
    assert errors == []


def test_axe_finds_a_violation_where_there_is_one(browser, axe_source):
    """The check can fail: a page with an unlabeled field and low contrast is caught."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_content('<html lang="de"><head><title>x</title></head><body><main>'
                     '<input type="text"><p style="color:#bbb;background:#fff">grau</p>'
                     '</main></body></html>')
    found = {v["id"] for v in violations(page, axe_source)}
    context.close()
    assert {"label", "color-contrast"} <= found, found


def test_axe_checks_the_explorer_for_real(browser, live_server, axe_source):
    """axe ran its rules over the page's own controls, not over an empty document."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.wait_for_function(READY, timeout=15000)
    page.add_script_tag(content=axe_source)
    passes = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
                           ".then(r => r.passes.map(p => [p.id, p.nodes.length]))", TAGS)
    context.close()
    checked = dict(passes)
    assert checked.get("label", 0) >= 10 and checked.get("color-contrast", 0) >= 20, checked
