"""Where am I: the box finds postcodes, Stadtteile, places, schools and Kitas offline, and in
pick mode a click on a marker sets the near point there instead of opening it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from explorer import create_app
from explorer.load import load_dataset
from tests.conftest import GEODATA, OPENDATA, LiveServer

pytestmark = pytest.mark.browser
PLANETARIUM = next(f for f in load_dataset(GEODATA).places
                   if f["id"] == "zeiss-planetarium-bochum")
READY = "() => document.body.dataset.state === 'ready'"


def test_a_marker_click_in_pick_mode_sets_the_point_at_that_place(page, live_server):
    page.goto(live_server.url + "/?kind=planetarium")
    page.wait_for_function(READY, timeout=15000)
    page.click("#near-pick")
    assert page.get_attribute("#near-pick", "aria-pressed") == "true"
    page.locator(".leaflet-marker-icon.pin").first.click()
    page.wait_for_function("() => new URL(location.href).searchParams.has('near')")
    page.wait_for_function(READY, timeout=15000)
    near = parse_qs(urlsplit(page.url).query)["near"][0]
    lat, lon = map(float, near.split(","))
    want_lon, want_lat = PLANETARIUM["geometry"]["coordinates"]
    assert abs(lat - want_lat) < 1e-4 and abs(lon - want_lon) < 1e-4
    assert page.locator("#details").is_hidden()  # the place did not open
    assert page.get_attribute("#near-pick", "aria-pressed") == "false"
    assert PLANETARIUM["properties"]["name"] in page.locator("#near-status").inner_text()
    assert page.errors == []


@pytest.fixture
def server_with_layers(app_config):
    """The app after the city's schools and Kitas were imported (they feed the box)."""
    if not OPENDATA.exists():
        pytest.skip(f"{OPENDATA} is absent: the city's open-data files are needed")
    state = Path(app_config["STATE_DIR"])
    subprocess.run([str(Path(sys.executable).parent / "explorer"), "import", "bochum-opendata",
                    "--source", str(OPENDATA), "--state-dir", str(state)], check=True,
                   capture_output=True, timeout=120)
    with LiveServer(create_app(app_config)) as server:
        yield server


def test_the_where_box_finds_each_kind_of_name(page, server_with_layers):
    url = server_with_layers.url
    entries = page.request.get(url + "/api/where").json()
    by_kind = {}
    for e in entries:
        by_kind.setdefault(e["kind"], e)
    assert {"postcode", "stadtteil", "place", "school", "kita"} <= set(by_kind)
    page.goto(url + "/")
    page.wait_for_function(READY, timeout=15000)
    for kind in ("postcode", "stadtteil", "place", "school", "kita"):
        entry = by_kind[kind]
        page.fill("#near-text", entry["name"])
        page.press("#near-text", "Enter")
        page.wait_for_function(
            "want => new URL(location.href).searchParams.get('near') === want",
            arg=f"{entry['lat']:.5f},{entry['lon']:.5f}", timeout=5000)
        page.wait_for_function(READY, timeout=15000)
        assert entry["name"] in page.locator("#near-status").inner_text(), kind
    assert page.evaluate("() => document.body.dataset.whereNames") == str(len(entries))
    assert page.errors == []


def test_suggestions_as_one_types_chosen_by_keyboard(page, live_server):
    page.goto(live_server.url + "/")
    page.wait_for_function(READY, timeout=15000)
    page.focus("#near-text")
    page.wait_for_function("() => document.body.dataset.whereNames > '0'", timeout=5000)
    page.keyboard.type("plan")
    options = page.locator("#near-suggestions [role=option]")
    options.first.wait_for()
    names = options.locator(".suggestion-name").all_inner_texts()
    assert any("Planetarium" in n for n in names), names
    assert page.get_attribute("#near-text", "aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    chosen = names[0]
    assert page.get_attribute("#near-text", "aria-activedescendant") == "near-option-0"
    page.keyboard.press("Enter")
    page.wait_for_function("() => new URL(location.href).searchParams.has('near')")
    page.wait_for_function(READY, timeout=15000)
    assert chosen in page.locator("#near-status").inner_text()
    assert page.locator("#near-suggestions").is_hidden()
    assert page.errors == []


def test_an_empty_answer_offers_the_nearest_matches_and_the_way_on(page, live_server):
    # the Planetarium is about 1.5 km from this point: nothing within 1 km
    page.goto(live_server.url + "/?kind=planetarium&near=51.4720,7.2180&radius_km=1")
    page.wait_for_function(READY, timeout=15000)
    page.wait_for_function("() => document.body.dataset.wayOn > 0", timeout=10000)
    box = page.locator("#way-on")
    assert PLANETARIUM["properties"]["name"] in box.inner_text() and "km" in box.inner_text()
    box.locator("button", has_text="Umkreis auf").click()
    page.wait_for_function("() => document.body.dataset.markers === '1'", timeout=10000)
    assert page.locator("#way-on").is_hidden()

    page.goto(live_server.url + "/?kind=kita&q=Planetarium")
    page.wait_for_function("() => document.body.dataset.wayOn > 0", timeout=10000)
    drop = page.locator("#way-on button")
    assert "entfernen" in drop.inner_text()
    drop.click()
    page.wait_for_function("() => Number(document.body.dataset.markers) > 0", timeout=10000)
    assert page.errors == []


def test_a_school_year_filters_the_offers_like_the_api(page, live_server):
    page.goto(live_server.url + "/")
    page.wait_for_function(READY, timeout=15000)
    page.select_option("select[name=grade]", "3")
    page.wait_for_function("() => new URL(location.href).searchParams.get('grade') === '3'")
    page.wait_for_function(READY, timeout=15000)
    api = page.request.get(live_server.url + "/api/places?grade=3&view=map").json()
    shown = page.evaluate("() => window[mintExplorer.cfg.clusterVar].getLayers().length")
    assert shown == len(api["features"]) > 0
    assert page.locator("select[name=grade] option:checked").inner_text() == "Klasse 3"
    assert page.errors == []


def test_a_street_address_is_found_through_the_servers_geocoder(page, app_config, server,
                                                              nominatim):
    """With a geocoder set, a street and number goes to this app (never to a third party from
    the browser), and to the geocoder once, when confirmed: not for every key pressed."""
    from tests.test_where_address import EMAIL, KORTUM, always, found

    fake = nominatim(always([found(*KORTUM)]))
    app = create_app({**app_config, "ADDRESS_LOOKUP": True, "GEOCODER_EMAIL": EMAIL,
                      "GEOCODER_URL": server.url_for("/search"), "GEOCODER_MIN_INTERVAL": 0.0})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    with LiveServer(app) as live:
        page.goto(live.url + "/")
        page.wait_for_function(READY, timeout=15000)
        page.focus("#near-text")
        page.keyboard.type("Kortumstraße 1", delay=30)
        page.keyboard.press("Enter")
        page.wait_for_function("() => new URL(location.href).searchParams.has('near')")
        page.wait_for_function(READY, timeout=15000)
        lat, lon = map(float, parse_qs(urlsplit(page.url).query)["near"][0].split(","))
        assert abs(lat - KORTUM[0]) < 2e-5 and abs(lon - KORTUM[1]) < 2e-5, (lat, lon)
        assert "Kortumstraße 1" in page.locator("#near-status").inner_text()
        option = page.locator("#near-suggestions .suggestion-kind").first
        assert option.inner_text().startswith("Adresse")
    assert len(fake.calls) == 1
    assert all(u.startswith(live.url) for u in requests if u.startswith("http")), requests
    assert page.errors == []
