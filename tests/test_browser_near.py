"""In pick mode a click on a marker sets the near point there instead of opening it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from explorer.load import load_dataset
from tests.conftest import GEODATA

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
