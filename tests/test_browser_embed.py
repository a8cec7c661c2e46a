"""A partner page on another local origin frames the embed and sees filtered markers."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from explorer import create_app
from explorer.load import load_dataset
from tests.conftest import GEODATA, LiveServer, with_offer

pytestmark = pytest.mark.browser
ASTRO = with_offer(load_dataset(GEODATA).places,
                   lambda o: "astronomie" in o["topics"])


class HostPage:
    """A partner site: one static page with our iframe, on its own port (own origin)."""

    def __init__(self, iframe_src: str):
        body = (f'<!doctype html><html><body><h1>Partner</h1>'
                f'<iframe id="map" src="{iframe_src}" title="MINT" width="900" height="600">'
                f"</iframe></body></html>").encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server API)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.origin = self.url.rstrip("/")
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def frame_markers(page) -> int:
    frame = page.frame_locator("#map")
    frame.locator("body[data-state=ready]").wait_for(state="attached", timeout=15000)
    return int(frame.locator("body").get_attribute("data-markers"))


def test_partner_page_shows_filtered_markers(page, live_server):
    # 'localhost' vs the host page's '127.0.0.1': a different origin, as on the web.
    src = live_server.url.replace("127.0.0.1", "localhost") + "/embed?topic=astronomie&list=0"
    with HostPage(src) as host:
        page.goto(host.url)
        assert frame_markers(page) == len(ASTRO)
        frame = page.frame_locator("#map")
        link = frame.locator("#open-full")
        assert link.get_attribute("target") == "_blank"
        assert "topic=astronomie" in link.get_attribute("href")
        frame.locator(".leaflet-marker-icon.pin, .marker-cluster").first.wait_for()
    assert page.errors == []


def test_embed_filter_toggle_reveals_filters(page, live_server):
    page.goto(live_server.url + "/embed?topic=astronomie")
    page.wait_for_function("() => document.body.dataset.state === 'ready'")
    assert page.locator("#filter-panel").is_hidden()
    page.click("#filter-toggle")
    assert page.locator("#filter-panel").is_visible()
    page.check("input[name=topic][value=biologie]")
    page.wait_for_function("() => new URL(location.href).searchParams.get('topic') === "
                           "'biologie,astronomie' || new URL(location.href).searchParams"
                           ".get('topic') === 'astronomie,biologie'")


def test_frame_ancestors_setting_is_enforced_by_the_browser(page, app_config):
    with HostPage("about:blank") as host:
        allowed = create_app({**app_config, "EMBED_FRAME_ANCESTORS": host.origin})
        refused = create_app({**app_config,
                              "EMBED_FRAME_ANCESTORS": "https://partner.example"})
        with LiveServer(allowed) as ok, LiveServer(refused) as blocked:
            for server, expect_map in ((ok, True), (blocked, False)):
                src = server.url.replace("127.0.0.1", "localhost") + "/embed?topic=astronomie"
                page.goto(host.url)  # the partner's origin, then frame the embed from it
                page.evaluate("""src => {
                    const frame = document.createElement('iframe');
                    frame.id = 'map';
                    frame.onload = () => { document.body.dataset.frameLoaded = '1'; };
                    frame.src = src;
                    document.body.replaceChildren(frame);
                }""", src)
                # The load event fires for the embed and for Chromium's "refused" page alike.
                page.wait_for_function("() => document.body.dataset.frameLoaded === '1'")
                frame = page.frame_locator("#map").locator("body[data-state=ready]")
                if expect_map:
                    frame.wait_for(state="attached", timeout=15000)
                assert bool(frame.count()) is expect_map, server.url


def test_builder_updates_snippet_and_preview(page, live_server):
    page.goto(live_server.url + "/embed/builder")
    page.check("#builder-form input[name=topic][value=astronomie]")
    page.wait_for_function("() => document.getElementById('snippet').value.includes("
                           "'topic=astronomie')")
    page.wait_for_function("() => document.getElementById('preview').src"
                           ".includes('topic=astronomie')")
    frame = page.frame_locator("#preview")
    frame.locator("body[data-state=ready]").wait_for(state="attached", timeout=15000)
    assert int(frame.locator("body").get_attribute("data-markers")) == len(ASTRO)
    snippet = page.locator("#snippet").input_value()
    assert 'loading="lazy"' in snippet and "title=" in snippet
