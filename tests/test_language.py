"""No language leaks into the other: the builder, the error pages and Leaflet's own
controls speak the page's language; the scale is metric only."""

from __future__ import annotations

import re

import pytest

from explorer.i18n import TEXTS

PAGE_KEYS = [k for k in TEXTS if k.startswith(("b_", "error_", "map_"))]


def visible_text(html: str) -> str:
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("lang, other", [("de", "en"), ("en", "de")])
def test_builder_and_error_pages_speak_one_language(client, lang, other):
    pages = [client.get(f"/embed/builder?lang={lang}"),
             client.get(f"/places/nowhere?lang={lang}", headers={"Accept": "text/html"}),
             client.get(f"/?age=zwölf&lang={lang}", headers={"Accept": "text/html"})]
    for response in pages:
        text = visible_text(response.get_data(as_text=True))
        for key in PAGE_KEYS:
            mine, theirs = TEXTS[key][lang], TEXTS[key][other]
            if theirs == mine or len(theirs) < 5 or "{" in theirs:
                continue
            assert theirs not in text, (response.request.path, key, theirs)
    builder = visible_text(pages[0].get_data(as_text=True))
    for english in ("near (LAT,LON)", "width (px)", "Kopieren / copy", "hide filters"):
        assert english not in builder
    assert TEXTS["b_copy"][lang] in builder and TEXTS["b_width"][lang] in builder
    assert TEXTS["error_404"][lang] in visible_text(pages[1].get_data(as_text=True))


def test_a_bad_value_is_named_in_the_german_page_too(client):
    page = client.get("/?age=zwölf", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Ungültiger Parameter" in page and "<code>age</code>" in page
    assert re.search(r'<span lang="en">[^<]*zwölf', page)  # the detail, marked as English


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["de", "en"])
def test_leaflet_controls_and_scale_follow_the_page_language(page, live_server, lang):
    for path in ("/", "/planner"):
        page.goto(f"{live_server.url}{path}?lang={lang}")
        page.wait_for_function("() => document.body.dataset.state === 'ready'", timeout=15000)
        zoom_in = page.locator(".leaflet-control-zoom-in")
        assert zoom_in.get_attribute("title") == TEXTS["map_zoom_in"][lang]
        assert page.locator(".leaflet-control-zoom-out").get_attribute("title") == \
            TEXTS["map_zoom_out"][lang]
        scales = page.locator(".leaflet-control-scale-line").all_inner_texts()
        assert scales and all(re.fullmatch(r"\d+ k?m", s.strip()) for s in scales), scales
        leaflet = page.locator(".leaflet-control-attribution a", has_text="Leaflet")
        assert leaflet.get_attribute("title") == TEXTS["map_leaflet"][lang]
        toggles = page.locator(".leaflet-control-layers-toggle")
        for i in range(toggles.count()):
            assert toggles.nth(i).get_attribute("title") == TEXTS["map_layers"][lang]
    assert page.errors == []
