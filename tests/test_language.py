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


# ---- every UI string of the product, checked in both languages ----

def ui_strings() -> list[tuple[str, str]]:
    """(German, English) of every UI text: explorer, planner, editorial, dates, taxonomy."""
    from explorer import when_text
    from explorer.editorial.texts import TEXTS as EDITORIAL
    from explorer.load import load_dataset
    from explorer.planner.texts import TEXTS as PLANNER
    from tests.conftest import GEODATA

    pairs = [(v["de"], v["en"]) for table in (TEXTS, PLANNER) for v in table.values()]
    pairs += list(EDITORIAL.values())
    de, en = when_text.WORDS["de"], when_text.WORDS["en"]
    pairs += [(de[k], en[k]) for k in de if isinstance(de[k], str)]
    for section in load_dataset(GEODATA).taxonomy.values():
        pairs += [(v["de"], v["en"]) for v in section.values()
                  if isinstance(v, dict) and "de" in v and "en" in v]
    return pairs


def fragments(text: str) -> list[str]:
    """The fixed parts of a text ("{n} Lernorte" -> "Lernorte"), long enough to be telling."""
    parts = re.split(r"\{[^}]*\}|[()\[\]:·,;]", text)
    return [p.strip() for p in parts if len(p.strip()) >= 8 and re.search(r"[A-Za-zÄÖÜäöüß]{4}", p)]


def leaks(shown: str, lang: str) -> list[str]:
    """The other language's UI fragments that appear in the shown text as whole words."""
    mine_all = " \n ".join(pair[0 if lang == "de" else 1] for pair in ui_strings())
    found = []
    for pair in ui_strings():
        mine, theirs = (pair[0], pair[1]) if lang == "de" else (pair[1], pair[0])
        if mine == theirs:
            continue
        for frag in fragments(theirs):
            if frag in mine_all:  # the same words exist in this language too
                continue
            if re.search(r"(?<!\w)" + re.escape(frag) + r"(?!\w)", shown):
                found.append(frag)
    return sorted(set(found))


# Nodes that show records (names, descriptions, addresses: written in German for both
# languages) and machinery, not UI: left out of what is checked.
DATA_NODES = ("script, style, template, datalist, .result-name, .result-meta, .result-offers,"
              " #details-body h2, #details-body dd, #details-body p, #details-body li,"
              " .leaflet-marker-pane, .leaflet-tooltip-pane, .leaflet-overlay-pane,"
              " .leaflet-control-attribution, select[name=area] option, td, tbody th,"
              " .place-page h1, .place-page .lead, .place-page dd, .place-page .offer p,"
              " .place-page .offer h3, .way-on li, select[name=place] option")
SHOWN = """(skip) => {
  const root = document.documentElement.cloneNode(true);
  root.querySelectorAll(skip).forEach((n) => n.remove());
  const lang = document.documentElement.lang;  // text marked as the other language is honest
  root.querySelectorAll("body [lang]").forEach((n) => { if (n.lang !== lang) n.remove(); });
  const parts = [root.querySelector("body").textContent, document.title];
  root.querySelectorAll("[title], [aria-label], [placeholder], [alt], [label]").forEach((n) => {
    ["title", "aria-label", "placeholder", "alt", "label"].forEach((a) => {
      if (n.getAttribute(a)) parts.push(n.getAttribute(a));
    });
  });
  return parts.join("\\n");
}"""


def ui_pages(page, base: str, lang: str):
    """Every screen of the product in one language, each with its interactive states."""
    ready = "() => document.body.dataset.state === 'ready'"
    page.goto(f"{base}/?lang={lang}&topic=astronomie&age=9&grade=3&cost=free")
    page.wait_for_function(ready, timeout=15000)
    from tests.conftest import open_more_filters
    open_more_filters(page)
    yield "explorer"
    page.locator(".result-button").first.click()
    page.wait_for_function("() => !document.getElementById('details').hidden")
    yield "details"
    page.goto(f"{base}/?lang={lang}&near=51.44,7.26&radius_km=1&kind=zoo")
    page.wait_for_function("() => document.body.dataset.wayOn > '0'", timeout=15000)
    yield "empty answer"
    for path in ("/planner", "/embed?topic=biologie", "/embed/builder",
                 "/places/zeiss-planetarium-bochum", "/suggest", "/edit/login",
                 "/places/nowhere", "/?age=zw%C3%B6lf"):
        sep = "&" if "?" in path else "?"
        page.goto(f"{base}{path}{sep}lang={lang}")
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
        yield path


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["de", "en"])
def test_no_ui_string_of_the_other_language_on_any_screen(page, live_server, lang):
    assert len(ui_strings()) > 300  # the list is the product's own, not a sample
    found = {}
    for screen in ui_pages(page, live_server.url, lang):
        shown = page.evaluate(SHOWN, DATA_NODES)
        assert shown.strip(), screen
        if leaked := leaks(shown, lang):
            found[screen] = leaked
    assert found == {}


def test_the_leak_check_can_fail():
    """A German page that says "Show all 5" and an English one that says "Mehr Filter"."""
    assert "Show all" in leaks("Ergebnisse … Show all 5 …", "de") or \
        leaks("Ergebnisse … Show all 5 …", "de")
    assert "Mehr Filter" not in fragments("Mehr Filter") or leaks("More … Mehr Filter", "en")
    assert leaks("Zur Ergebnisliste springen", "en") == ["Zur Ergebnisliste springen"]
    assert leaks("Skip to results", "de") == ["Skip to results"]
