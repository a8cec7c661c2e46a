"""Hostile records on every page: shown as text, no dialog, no injected element."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from explorer import create_app
from tests.conftest import OPENDATA, LiveServer, open_more_filters, served_by_default

pytestmark = pytest.mark.browser
PAYLOADS = {
    "name": '"><svg onload=alert(1)>',
    "description": "<img src=x onerror=alert(2)><script>alert(3)</script>",
    "offer": "javascript:alert(4) as a title",
    "street": "</script><script>alert(5)</script>",
}


@pytest.fixture
def hostile_server(data_dir, app_config):
    path = data_dir / "places.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    props = doc["features"][0]["properties"]
    props["name"] = PAYLOADS["name"]
    props["description"] = {"de": PAYLOADS["description"], "en": PAYLOADS["description"]}
    props["offers"][0]["title"] = {"de": PAYLOADS["offer"]}
    props["address"]["street"] = PAYLOADS["street"]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with LiveServer(create_app({**app_config, "DATA_DIR": str(data_dir)})) as server:
        yield server


@pytest.mark.parametrize("path", ["/", "/embed", "/embed?filters=0&list=1", "/?lang=en"])
def test_payloads_stay_text_on_map_list_details_and_embed(page, hostile_server, path):
    sep = "&" if "?" in path else "?"
    page.goto(hostile_server.url + path + sep + "q=alert")
    page.wait_for_function("() => document.body.dataset.state === 'ready'")
    page.locator(".result-button").first.click()
    details = page.locator("#details")
    details.wait_for(state="visible")
    text = details.inner_text()
    assert PAYLOADS["name"] in text and "<script>alert(3)</script>" in text
    assert PAYLOADS["offer"] in text
    assert page.locator("#details a[href^='javascript']").count() == 0
    assert page.locator("svg[onload], img[onerror], #details script").count() == 0
    page.wait_for_timeout(300)
    assert page.errors == []


def test_imported_layers_are_toggleable_on_the_map(page, app_config, tmp_path):
    if not OPENDATA.exists():
        pytest.skip(f"{OPENDATA} is absent: the city's open-data files are needed")
    state = Path(app_config["STATE_DIR"])
    explorer = Path(sys.executable).parent / "explorer"
    subprocess.run([str(explorer), "import", "bochum-opendata", "--source", str(OPENDATA),
                    "--state-dir", str(state)], check=True, capture_output=True, timeout=120)
    with LiveServer(create_app(app_config)) as server:
        page.goto(server.url + "/")
        page.wait_for_function("() => document.body.dataset.state === 'ready'")
        open_more_filters(page)
        page.check("input[data-layer=schools]")
        page.wait_for_function("() => document.body.dataset.layerSchools === '236'")
        page.check("input[data-layer=daycare]")
        page.wait_for_function("() => document.body.dataset.layerDaycare === '193'")
        page.check("input[data-layer=nature]")
        page.wait_for_function("() => document.body.dataset.layerNature === '14'")
        curated = page.evaluate("() => document.body.dataset.markers")
        places = json.loads((Path(app_config["DATA_DIR"]) / "places.geojson")
                            .read_text(encoding="utf-8"))["features"]
        assert int(curated) == len(served_by_default(places))
    shutil.rmtree(state / "layers")


def test_javascript_urls_never_become_links(page, live_server):
    """The loader refuses javascript: URLs (tests/test_load.py); should one reach the page
    anyway (an older server, a proxy), the page still must not link it."""
    target = "zeiss-planetarium-bochum"

    def poisoned(route):
        response = route.fetch()
        feature = response.json()
        feature["properties"]["website"] = "javascript:alert(9)"
        feature["properties"]["offers"][0]["booking"] = {"url": "JaVaScRiPt:alert(10)"}
        route.fulfill(response=response, json=feature)

    page.route(f"**/api/places/{target}*", poisoned)
    page.goto(live_server.url + "/?kind=planetarium")
    page.wait_for_function("() => document.body.dataset.state === 'ready'")
    page.locator(".result-button").first.click()
    page.locator("#details").wait_for(state="visible")
    hrefs = page.eval_on_selector_all("#details a", "links => links.map(a => a.href)")
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    assert not any("alert" in h for h in hrefs)  # neither poisoned link was made
    assert live_server.url + f"/places/{target}?lang=de" in hrefs
    page.wait_for_timeout(200)
    assert page.errors == []


def test_links_in_details_open_in_a_new_tab(page, live_server):
    page.goto(live_server.url + "/embed?kind=planetarium")
    page.wait_for_function("() => document.body.dataset.state === 'ready'")
    page.locator(".result-button").first.click()
    page.locator("#details a").first.wait_for()
    links = page.locator("#details a")
    assert links.count() >= 2  # the place page and the planetarium's own site
    for k in range(links.count()):
        link = links.nth(k)
        assert link.get_attribute("target") == "_blank"
        assert "noopener" in link.get_attribute("rel")
    hrefs = [links.nth(k).get_attribute("href") for k in range(links.count())]
    assert any(h.startswith("https://") for h in hrefs)
    assert "/places/zeiss-planetarium-bochum?lang=de" in hrefs
