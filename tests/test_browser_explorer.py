"""The explorer page in headless Chromium: filter, list, markers, details, escaping."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from explorer import create_app
from explorer.load import load_dataset
from tests.conftest import GEODATA, LiveServer, served_by_default, with_offer

pytestmark = pytest.mark.browser
DATA = load_dataset(GEODATA)
SERVED = served_by_default(DATA.places)
READY = "() => document.body.dataset.state === 'ready'"


def wait_ready(page, count: int | None = None):
    page.wait_for_function(READY, timeout=15000)
    if count is not None:
        page.wait_for_function(f"() => document.body.dataset.markers === '{count}'", timeout=15000)


def marker_count(page) -> int:
    return page.evaluate("() => window[mintExplorer.cfg.clusterVar].getLayers().length")


def test_filter_changes_list_and_markers_and_details_open(page, live_server):
    page.goto(live_server.url + "/")
    wait_ready(page, len(SERVED))
    assert marker_count(page) == len(SERVED)
    assert page.locator("#result-list > li").count() == len(SERVED)

    astro = with_offer(DATA.places, lambda o: "astronomie" in o["topics"])
    page.check("input[name=topic][value=astronomie]")
    wait_ready(page, len(astro))
    assert marker_count(page) == len(astro)
    assert page.locator("#result-list > li").count() == len(astro)
    names = set(page.locator(".result-name").all_inner_texts())
    assert names == {f["properties"]["name"] for f in astro}
    assert parse_qs(urlsplit(page.url).query)["topic"] == ["astronomie"]

    page.locator(".result-button").first.click()
    details = page.locator("#details")
    details.wait_for(state="visible")
    first_name = page.locator(".result-name").first.inner_text()
    assert page.locator("#details-title").inner_text() == first_name
    assert "Adresse" in details.inner_text() and "Angebote" in details.inner_text()
    assert page.evaluate("() => document.activeElement.id") == "details-title"
    page.keyboard.press("Escape")
    details.wait_for(state="hidden")
    assert page.errors == []


def test_details_open_from_a_marker(page, live_server):
    page.goto(live_server.url + "/?kind=planetarium")
    wait_ready(page, 1)
    page.locator(".leaflet-marker-icon.pin").first.click()
    page.locator("#details").wait_for(state="visible")
    assert "Planetarium" in page.locator("#details-title").inner_text()


def test_shared_url_restores_the_filtered_view(page, live_server):
    page.goto(live_server.url + "/?group=kita&lang=en")
    kita = with_offer(DATA.places, lambda o: "kita" in o["groups"])
    wait_ready(page, len(kita))
    assert page.locator("input[name=group][value=kita]").is_checked()
    assert page.locator("h1").inner_text() == "STEM learning places in Bochum"


def test_near_me_by_postcode_sorts_by_distance(page, live_server):
    page.goto(live_server.url + "/")
    wait_ready(page)
    page.fill("#near-text", "44894")
    page.click("#near-set")
    page.wait_for_function("() => new URL(location.href).searchParams.get('near')", timeout=10000)
    wait_ready(page)
    metas = page.locator(".result-meta").all_inner_texts()
    assert metas and all(" km" in m or " m" in m for m in metas)

    def metres(meta: str) -> float:
        value = meta.rsplit("·", 1)[1].strip()
        number = float(value.split()[0].replace(",", "."))
        return number * 1000 if value.endswith(" km") else number

    distances = [metres(m) for m in metas]
    assert distances == sorted(distances)
    assert parse_qs(urlsplit(page.url).query)["radius_km"] == ["5"]


def test_page_works_when_tiles_fail(page, app_config):
    app = create_app({**app_config, "TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png"})
    with LiveServer(app) as server:
        page.goto(server.url + "/?topic=physik")
        wait_ready(page)
        assert marker_count(page) > 0
        page.locator("#tile-status").wait_for(state="visible", timeout=15000)
        page.locator(".result-button").first.click()
        page.locator("#details").wait_for(state="visible")


def test_hostile_record_is_shown_as_text(page, data_dir, app_config):
    payload = "<img src=x onerror=alert(1)>"
    path = data_dir / "places.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    target = data["features"][0]
    target["properties"]["name"] = payload
    target["properties"]["description"]["de"] = '"><svg onload=alert(2)>'
    target["properties"]["offers"][0]["title"]["de"] = "<script>alert(3)</script>"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    app = create_app({**app_config, "DATA_DIR": str(data_dir)})
    with LiveServer(app) as server:
        page.goto(server.url + "/?q=" + "onerror")
        wait_ready(page, 1)
        assert page.locator(".result-name").first.inner_text() == payload
        page.locator(".result-button").first.click()
        page.locator("#details").wait_for(state="visible")
        assert page.locator("#details-title").inner_text() == payload
        assert "<svg onload=alert(2)>" in page.locator("#details").inner_text()
        assert page.locator("#details img, #details svg, #details script").count() == 0
        page.wait_for_timeout(300)
    assert page.errors == []


def test_shared_url_keeps_several_kinds_odd_radius_and_bbox(page, live_server):
    url = "/?kind=museum,zoo&near=51.48,7.22&radius_km=7.5&bbox=7.1,51.4,7.35,51.54"
    page.goto(live_server.url + url)
    wait_ready(page)
    query = parse_qs(urlsplit(page.url).query)
    assert query["kind"] == ["museum,zoo"] and query["radius_km"] == ["7.5"]
    assert query["bbox"] == ["7.1,51.4,7.35,51.54"]
    want = [f for f in SERVED if f["properties"]["kind"] in {"museum", "zoo"}]
    names = page.locator(".result-name").all_inner_texts()
    assert 0 < len(names) <= len(want)


def test_reset_clears_filters_from_the_url(page, live_server):
    page.goto(live_server.url + "/?topic=astronomie&kind=planetarium")
    wait_ready(page, 1)
    page.click("#filters-reset")
    wait_ready(page, len(SERVED))
    assert "topic" not in parse_qs(urlsplit(page.url).query)
    assert not page.locator("input[name=topic][value=astronomie]").is_checked()


@pytest.mark.parametrize("path", [
    "/?topic=physik,astronomie&age=9&grade=3&cost=free&q=Sterne%20beobachten",
    "/?lang=en&kind=museum&near=51.48,7.22&radius_km=5&bookable=1&from=2026-12-05",
    "/?area=wlab&group=familien,lehrkraefte&status=active,paused",
    "/embed?topic=biologie&filters=0",
    "/embed?group=familien&list=0",
])
def test_the_first_answer_is_preloaded_and_used(page, live_server, path):
    """The page asks for its first answer from the head; the script's request is that one
    (the browser reuses it), so the markers do not wait for the scripts to run first."""
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/places?" in r.url else None)
    page.goto(live_server.url + path)
    page.wait_for_function("() => document.body.dataset.state === 'ready'", timeout=15000)
    href = page.locator("link[rel=preload][as=fetch]").get_attribute("href")
    assert asked[:1] == [live_server.url + href], (href, asked)
    assert asked.count(asked[0]) == 1  # one request: the script used the preloaded answer
    assert page.errors == []
