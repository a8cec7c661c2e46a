"""The whole editorial loop in Chromium: a visitor suggests an offer, an editor approves
it, it is on the map and in the API; a provider edits their own offer and is refused
another's; a rejected report shows its reason; axe-core finds no WCAG 2.1 AA violation on
the forms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from conftest import LiveServer
from editorial_helpers import PASSWORD, account

from explorer import create_app

pytestmark = pytest.mark.browser
GEODATA = Path(__file__).resolve().parent.parent / "geodata"
FEATURES = json.loads((GEODATA / "places.geojson").read_text(encoding="utf-8"))["features"]
PLACE = next(f for f in FEATURES if f["properties"]["offers"])
OTHER = next(f for f in FEATURES if f["properties"]["offers"] and f["id"] != PLACE["id"])
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture
def editorial_server(tmp_path, seeded_templates, request):
    from dbfixtures import seeded_url

    url = seeded_url("sqlite", seeded_templates, tmp_path, request)
    app = create_app({"TESTING": True, "DATA_DIR": str(GEODATA), "DATABASE_URL": url,
                      "STATE_DIR": str(tmp_path / "state"), "RELOAD_INTERVAL": 0,
                      "TILE_URL": "", "SECRET_KEY": "browser"})
    account(app, "editor@example.org", "editor")
    account(app, "provider@example.org", "provider", (PLACE["id"],))
    with LiveServer(app) as server:
        yield app, server.url


def no_violations(page) -> None:
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_snapshot()


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    no_violations(page)
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/edit/**")


def test_visitor_suggests_editor_approves_it_shows_on_the_map(page, editorial_server):
    app, base = editorial_server
    page.goto(f"{base}/places/{PLACE['id']}")
    page.click("#suggest-offer")
    no_violations(page)
    page.fill("#f-title", "Nachtlabor für Sternfreunde")
    page.fill("#f-description", "Beobachten und messen.")
    page.check("input[name=topics][value=astronomie]")
    page.check("input[name=groups][value=familien]")
    page.select_option("#f-format", "workshop")
    page.fill("#f-link", "https://example.org/nachtlabor")
    page.click("button[type=submit]")
    page.wait_for_selector("#status-link")
    no_violations(page)

    editor = page.context.browser.new_context().new_page()
    log_in(editor, base, "editor@example.org")
    no_violations(editor)
    editor.click("#queue a")
    no_violations(editor)
    editor.click("#approve")
    editor.wait_for_url(f"{base}/edit/**")
    assert app.extensions["store"].reload()
    page.goto(f"{base}/?q=Nachtlabor")
    page.wait_for_selector(".result-list li")
    assert PLACE["properties"]["name"] in page.inner_text(".result-list")
    found = requests.get(f"{base}/api/offers?q=Nachtlabor", timeout=10).json()
    assert [f["properties"]["title"] for f in found["features"]] == [
        "Nachtlabor für Sternfreunde"]
    assert page.errors == []


def test_provider_edits_own_offer_and_gets_403_elsewhere(page, editorial_server):
    _app, base = editorial_server
    log_in(page, base, "provider@example.org")
    offer = PLACE["properties"]["offers"][0]
    page.goto(f"{base}/edit/offer/{offer['id']}")
    no_violations(page)
    page.fill("#f-title_de", "Aktualisierter Titel")
    page.click("button[value=submit]")
    page.wait_for_url(f"{base}/edit/**")
    assert "zur Prüfung eingereicht" in page.inner_text("#submissions")
    other = OTHER["properties"]["offers"][0]["id"]
    answer = page.goto(f"{base}/edit/offer/{other}")
    assert answer.status == 403
    assert "Berechtigung" in page.inner_text("main")


def test_rejected_report_shows_its_reason(page, editorial_server):
    _app, base = editorial_server
    page.goto(f"{base}/suggest?what=report&place={PLACE['id']}")
    page.fill("#f-message", "Die Öffnungszeiten stimmen nicht.")
    page.click("button[type=submit]")
    status = page.get_attribute("#status-link", "href")
    editor = page.context.browser.new_context().new_page()
    log_in(editor, base, "editor@example.org")
    editor.click("#queue a")
    editor.fill("#f-reason", "Laut Webseite des Anbieters sind sie aktuell.")
    editor.click("#reject")
    editor.wait_for_url(f"{base}/edit/**")
    page.goto(base + status)
    assert "abgelehnt" in page.inner_text("#state")
    assert "Laut Webseite des Anbieters" in page.inner_text("#reason")
    no_violations(page)
