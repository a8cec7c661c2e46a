"""Embedding: parameters, headers on embed and other pages, the snippet, oEmbed."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from explorer import create_app


def test_embed_accepts_explorer_and_display_parameters(client):
    response = client.get("/embed?topic=astronomie&group=grundschule&area=wlab&lang=en"
                          "&filters=0&list=0&zoom=13&center=51.48,7.22&theme=contrast")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="page-embed theme-contrast no-list no-filters"' in html
    assert 'id="filters"' not in html and 'id="result-list"' not in html
    assert '"theme": "contrast"' in html and '"zoom": 13' in html


def test_embed_defaults_show_compact_filter_toggle_and_list(client):
    html = client.get("/embed?topic=physik").get_data(as_text=True)
    assert 'id="filter-toggle"' in html and 'id="result-list"' in html
    assert 'id="filter-panel" class="embed-filters" hidden' in html
    assert "site-header" not in html


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("theme=pink", "theme"), ("filters=maybe", "filters"), ("list=2", "list"),
     ("zoom=3", "zoom"), ("zoom=12.5", "zoom"), ("center=51.4", "center"),
     ("topic=alchemie", "topic"), ("size=big", "size")],
)
def test_embed_bad_parameters(client, query, parameter):
    response = client.get(f"/embed?{query}")
    assert response.status_code == 400
    assert parameter in response.get_data(as_text=True)


def test_embed_may_be_framed_by_configured_origins_other_pages_only_by_self(app_config):
    app = create_app({**app_config,
                      "EMBED_FRAME_ANCESTORS": "https://schule.example https://zdi.example"})
    client = app.test_client()
    embed = client.get("/embed").headers
    assert "frame-ancestors https://schule.example https://zdi.example" in embed[
        "Content-Security-Policy"]
    assert "X-Frame-Options" not in embed
    for path in ("/", "/embed/builder", "/api/places"):
        headers = client.get(path).headers
        assert "frame-ancestors 'self'" in headers["Content-Security-Policy"], path
        assert headers["X-Frame-Options"] == "SAMEORIGIN", path


def test_embed_defaults_to_any_origin_and_sets_no_cookie(client):
    response = client.get("/embed")
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in response.headers
    for src in re.findall(r'<script src="([^"]+)"', response.get_data(as_text=True)):
        assert "Set-Cookie" not in client.get(src).headers


def test_embed_links_open_in_new_tab_and_keep_filters(client):
    html = client.get("/embed?topic=astronomie&q=stern+warte&filters=0").get_data(as_text=True)
    link = re.search(r'<a id="open-full" href="([^"]+)" target="_blank" rel="noopener"', html)
    assert link, html
    query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert query == {"topic": ["astronomie"], "q": ["stern warte"]}


def test_builder_snippet_has_title_lazy_size_and_fallback(client):
    body = client.get("/embed/snippet?topic=astronomie&group=grundschule&list=0&theme=mono"
                      "&width=640&height=480&responsive=0").get_json()
    snippet = body["snippet"]
    src = re.search(r'<iframe src="([^"]+)"', snippet).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(src).query) == {"topic": ["astronomie"],
                                             "group": ["grundschule"], "list": ["0"],
                                             "theme": ["mono"]}
    assert 'title="MINT-Lernorte in Bochum"' in snippet and 'loading="lazy"' in snippet
    assert 'width="640" height="480"' in snippet
    assert '<a href="http://localhost/?topic=astronomie&amp;group=grundschule"' in snippet
    assert 'rel="noopener"' in snippet


def test_builder_responsive_snippet_keeps_aspect_ratio(client):
    snippet = client.get("/embed/snippet?width=800&height=600").get_json()["snippet"]
    assert "padding-top:75.0%" in snippet and "position:absolute" in snippet


def test_builder_page_renders_initial_snippet(client):
    html = client.get("/embed/builder?topic=biologie").get_data(as_text=True)
    assert "/embed?topic=biologie" in html and 'id="preview"' in html


def test_snippet_escapes_user_text(client):
    body = client.get("/embed/snippet", query_string={"q": '"><script>x</script>'}).get_json()
    assert "<script>" not in body["snippet"]


def test_snippet_bad_size(client):
    response = client.get("/embed/snippet?width=5")
    assert response.status_code == 400 and response.get_json()["parameter"] == "width"


def test_oembed_for_a_map_url(client):
    body = client.get("/oembed", query_string={
        "url": "http://localhost/?topic=physik&lang=en", "format": "json",
        "maxwidth": "600"}).get_json()
    assert body["type"] == "rich" and body["version"] == "1.0"
    assert body["width"] == 600 and "/embed?topic=physik" in body["html"]
    assert body["title"] == "STEM learning places in Bochum"


@pytest.mark.parametrize(
    ("query", "status"),
    [("url=http://other.example/&format=json", 404),
     ("url=http://localhost/admin&format=json", 404),
     ("url=http://localhost/&format=xml", 501),
     ("format=json", 400),
     ("url=http://localhost/?topic=zzz", 400),
     ("url=http://localhost/&maxheight=-4", 400)],
)
def test_oembed_errors(client, query, status):
    response = client.get(f"/oembed?{query}")
    assert response.status_code == status and response.is_json


def test_pages_advertise_oembed(client):
    html = client.get("/?topic=chemie").get_data(as_text=True)
    link = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"',
                     html).group(1).replace("&amp;", "&")
    assert client.get(link).get_json()["type"] == "rich"


@pytest.mark.parametrize(("path", "parameter"), [
    ("/oembed?url=http://[::1/&format=json", "url"),
    ("/oembed?url=http://localhost/&maxwidth=%C2%B2", "maxwidth"),
    ("/embed/snippet?width=%C2%B2%C2%B2%C2%B2", "width"),
])
def test_odd_inputs_are_400_not_500(client, path, parameter):
    response = client.get(path)
    assert response.status_code == 400 and response.get_json()["parameter"] == parameter
