"""OGC API - Features Part 1 under /ogc/, one section per conformance class it declares
(core, geojson, html, oas30), then bad input; through the Flask test client."""

from __future__ import annotations

import atexit
import json
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import jsonschema_rs
import pytest
import schemathesis
import shapely
from conftest import GEODATA
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from explorer import create_app

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CLASSES = {f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{c}"
           for c in ("core", "oas30", "html", "geojson")}
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def school(pid: str, name: str, lon: float, lat: float, kind: str = "school") -> dict:
    return {"type": "Feature", "id": f"poi-{pid}",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"poi_id": pid, "name": name, "kind": kind,
                           "categories": ["Grundschule"], "groups": ["grundschule"],
                           "street": "Teststr. 1", "postcode": "44801", "website": None}}


def write_layers(state_dir: Path) -> None:
    layers = state_dir / "layers"
    layers.mkdir()
    schools = [school("1", "Grundschule A", 7.22, 51.48), school("2", "Gymnasium B", 7.30, 51.47),
               school("3", "Schule C", 7.15, 51.45)]
    daycare = [school("7", "Kita D", 7.26, 51.44, "daycare")]
    for name, features in (("schools", schools), ("daycare", daycare)):
        (layers / f"{name}.geojson").write_text(json.dumps(
            {"type": "FeatureCollection", "features": features}), encoding="utf-8")


def write_outline(path: Path) -> Path:
    def district(name: str, w: float, e: float) -> dict:
        return {"type": "Feature", "properties": {"name": name},
                "geometry": shapely.geometry.mapping(shapely.box(w, 51.40, e, 51.54))}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        district("West", 7.10, 7.22), district("Ost", 7.22, 7.35)]}), encoding="utf-8")
    return path


@pytest.fixture
def full_client(app_config, state_dir, tmp_path):
    """Layers imported and a city outline with two districts: all six collections."""
    write_layers(state_dir)
    outline = write_outline(tmp_path / "bezirke.geojson")
    return create_app({**app_config, "CITY_OUTLINE_FILE": str(outline)}).test_client()


def get_json(client, url: str, status: int = 200, **kwargs) -> dict:
    response = client.get(url, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_json(force=True)


def rels(doc: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for item in doc["links"]:
        out.setdefault(item["rel"], []).append(item)
    return out


def local(href: str) -> str:
    """An absolute link as the test client's path and query."""
    parts = urlsplit(href)
    assert parts.scheme == "http" and parts.netloc == "localhost", href
    return parts.path + ("?" + parts.query if parts.query else "")


def walk(client, url: str) -> tuple[list[str], list[dict]]:
    """Every feature id following next links from ``url``, and every page."""
    ids, pages = [], []
    while url:
        page = get_json(client, url)
        pages.append(page)
        ids += [f["id"] for f in page["features"]]
        nxt = rels(page).get("next")
        url = local(nxt[0]["href"]) if nxt else ""
        assert len(pages) < 200
    return ids, pages


# --- core -------------------------------------------------------------------------------

def test_landing_page_links_to_everything_and_each_link_answers(client):
    doc = get_json(client, "/ogc/")
    links = rels(doc)
    assert {"self", "alternate", "service-desc", "service-doc", "conformance", "data"} <= set(links)
    assert links["service-desc"][0]["type"] == OPENAPI
    assert local(links["service-desc"][0]["href"]).startswith("/ogc/api")
    assert links["service-doc"][0]["type"] == "text/html"
    assert local(links["data"][0]["href"]).startswith("/ogc/collections")
    assert local(links["conformance"][0]["href"]).startswith("/ogc/conformance")
    for item in doc["links"]:
        response = client.get(local(item["href"]))
        assert response.status_code == 200, item
        assert response.headers["Content-Type"].split(";")[0] == item["type"].split(";")[0]
    assert client.get("/ogc/api?f=json").headers["Content-Type"] == OPENAPI


def test_conformance_lists_exactly_the_implemented_classes(client):
    assert set(get_json(client, "/ogc/conformance")["conformsTo"]) == CLASSES


def test_collections_without_layers_or_outline(client):
    doc = get_json(client, "/ogc/collections")
    assert [c["id"] for c in doc["collections"]] == ["places", "offers", "focus-areas"]
    for c in doc["collections"]:
        assert c["itemType"] == "feature" and c["crs"] == [CRS84]
        w, s, e, n = c["extent"]["spatial"]["bbox"][0]
        assert 7.0 < w <= e < 7.5 and 51.3 < s <= n < 51.6
        assert c["extent"]["spatial"]["crs"] == CRS84
        types = {item["type"] for item in c["links"] if item["rel"] == "items"}
        assert types == {"application/geo+json", "text/html"}
        assert get_json(client, f"/ogc/collections/{c['id']}")["id"] == c["id"]
    offers = doc["collections"][1]
    start, end = offers["extent"]["temporal"]["interval"][0]
    assert start < end and start.endswith("Z")
    assert "temporal" not in doc["collections"][0]["extent"]


def test_collection_texts_follow_lang(client):
    de = get_json(client, "/ogc/collections/places")
    en = get_json(client, "/ogc/collections/places?lang=en")
    assert de["title"] == "MINT-Lernorte" and en["title"] == "STEM learning places"
    assert "Lernorte" in de["description"] and "places" in en["description"]
    assert all("lang=en" in item["href"] for item in en["links"])


def test_all_six_collections_when_layers_and_districts_are_loaded(full_client):
    ids = [c["id"] for c in get_json(full_client, "/ogc/collections")["collections"]]
    assert ids == ["places", "offers", "schools", "daycare", "focus-areas", "districts"]
    schools = get_json(full_client, "/ogc/collections/schools/items")
    assert [f["id"] for f in schools["features"]] == ["poi-1", "poi-2", "poi-3"]
    assert schools["features"][0]["properties"]["categories"] == ["Grundschule"]
    assert get_json(full_client, "/ogc/collections/schools/items?bbox=7.2,51.47,7.35,51.5"
                    )["numberMatched"] == 2
    one = get_json(full_client, "/ogc/collections/daycare/items/poi-7")
    assert one["properties"]["name"] == "Kita D"
    districts = get_json(full_client, "/ogc/collections/districts/items")
    assert [f["properties"]["name"] for f in districts["features"]] == ["West", "Ost"]
    served = get_json(full_client, "/api/places?status=all")["features"]
    west = sum(1 for f in served if f["geometry"]["coordinates"][0] <= 7.22)
    assert districts["features"][0]["properties"]["place_count"] == west
    polygon = shapely.geometry.shape(districts["features"][0]["geometry"])
    assert polygon.bounds == pytest.approx((7.10, 51.40, 7.22, 51.54), abs=1e-5)


def test_paging_visits_every_place_once_in_api_order(client):
    ids, pages = walk(client, "/ogc/collections/places/items?limit=7")
    api = get_json(client, "/api/places")
    assert ids == [f["id"] for f in api["features"]]
    assert len(pages) == -(-api["count"] // 7)
    for k, page in enumerate(pages):
        assert page["numberMatched"] == api["count"]
        assert page["numberReturned"] == len(page["features"]) <= 7
        assert ("prev" in rels(page)) == (k > 0)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", page["timeStamp"])
    second = rels(pages[1])["prev"][0]["href"]
    assert "offset" not in dict(parse_qsl(urlsplit(second).query))  # back to the start


def test_next_links_keep_the_filters_under_the_public_url(app_config):
    client = create_app({**app_config, "PUBLIC_URL": "https://karte.example.org/mint"}
                        ).test_client()
    page = get_json(client, "/ogc/collections/offers/items?topic=physik&age=10&limit=2&lang=en",
                    headers={"Host": "karte.example.org"})
    href = rels(page)["next"][0]["href"]
    assert href.startswith("https://karte.example.org/mint/ogc/collections/offers/items?")
    assert dict(parse_qsl(urlsplit(href).query)) == {
        "topic": "physik", "age": "10", "limit": "2", "lang": "en", "offset": "2"}


def test_single_items_and_their_links(client):
    place = get_json(client, "/ogc/collections/places/items/deutsches-bergbau-museum")
    assert place["id"] == "deutsches-bergbau-museum"
    assert place["properties"]["name"] == "Deutsches Bergbau-Museum Bochum"
    assert place["properties"]["url"] == "http://localhost/places/deutsches-bergbau-museum"
    assert {"self", "alternate", "collection"} <= set(rels(place))
    offer_id = next(f["id"] for f in get_json(client, "/api/offers")["features"]
                    if f["properties"]["next_date"])
    offer = get_json(client, f"/ogc/collections/offers/items/{offer_id}")
    api_offer = get_json(client, f"/api/offers/{offer_id}")
    assert offer["geometry"] == api_offer["geometry"]
    assert offer["properties"]["place_id"] == api_offer["properties"]["place"]["id"]
    assert offer["properties"]["next_date"] == next(
        f["properties"]["next_date"] for f in get_json(client, "/api/offers")["features"]
        if f["id"] == offer_id)


def test_unknown_item_and_collection_are_404_naming_them(client):
    error = get_json(client, "/ogc/collections/places/items/no-such-place", 404)
    assert error["status"] == 404 and "no-such-place" in error["error"]
    assert "nope" in get_json(client, "/ogc/collections/nope", 404)["error"]
    assert get_json(client, "/ogc/collections/nope/items", 404)["status"] == 404
    for lang, words in (("de", "Kein Objekt"), ("en", "no feature")):
        page = client.get(f"/ogc/collections/offers/items/nix?f=html&lang={lang}")
        assert page.status_code == 404 and page.mimetype == "text/html"
        text = page.get_data(as_text=True)
        assert words in text and "nix" in text and f'lang="{lang}"' in text
    assert client.get("/ogc/nothing/here").status_code == 404


def test_etag_gives_304(client):
    first = client.get("/ogc/collections/places/items?limit=3")
    again = client.get("/ogc/collections/places/items?limit=3",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    other = client.get("/ogc/collections/places/items?limit=4",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200


# --- geojson ----------------------------------------------------------------------------

@pytest.mark.parametrize("filters", ["", "topic=astronomie", "group=grundschule", "age=9",
                                     "kind=museum", "q=labor", "cost=free", "area=wlab",
                                     "format=workshop&bookable=1", "status=all",
                                     "bbox=7.2,51.45,7.3,51.5", "near=51.48,7.22&radius_km=3"])
def test_number_matched_equals_the_api_count(client, filters):
    for collection, api in (("places", "/api/places"), ("offers", "/api/offers")):
        doc = get_json(client, f"/ogc/collections/{collection}/items?limit=10000&{filters}")
        expected = get_json(client, f"{api}?{filters}")
        assert doc["numberMatched"] == expected["count"] == doc["numberReturned"]
        assert [f["id"] for f in doc["features"]] == [f["id"] for f in expected["features"]]


def test_feature_collections_are_geojson_with_one_type_per_property(client):
    for cid in ("places", "offers", "focus-areas"):
        response = client.get(f"/ogc/collections/{cid}/items?limit=10000&status=all"
                              if cid != "focus-areas" else f"/ogc/collections/{cid}/items")
        assert response.mimetype == "application/geo+json"
        doc = response.get_json(force=True)
        assert doc["type"] == "FeatureCollection" and doc["features"]
        keys = {tuple(f["properties"]) for f in doc["features"]}
        assert len(keys) == 1, f"{cid}: features differ in their properties"
        for key in keys.pop():
            kinds = {type(f["properties"][key]).__name__ for f in doc["features"]} - {"NoneType"}
            assert len(kinds) <= 1, f"{cid}.{key} has types {kinds}"
        for f in doc["features"]:
            assert f["type"] == "Feature" and isinstance(f["id"], str)
            assert f["geometry"]["type"] in ("Point", "Polygon", "MultiPolygon")
    assert client.get("/ogc/collections/places/items/deutsches-bergbau-museum"
                      ).mimetype == "application/geo+json"
    assert client.get("/ogc/collections").mimetype == "application/json"


@pytest.mark.parametrize("span, frm, to", [
    ("2027-03-01", "2027-03-01", "2027-03-01"),
    ("2027-01-01/2027-06-30", "2027-01-01", "2027-06-30"),
    ("2027-01-01T00:00:00Z/2027-06-30T12:00:00%2B02:00", "2027-01-01", "2027-06-30"),
    ("2026-12-31T23:30:00Z/2027-06-30T23:30:00-02:00", "2027-01-01", "2027-07-01"),
    ("2027-01-01T00:00:00/2027-06-30T12:00:00+02:00", "2027-01-01", "2027-06-30"),
    ("2027-02-01/..", "2027-02-01", None),
])
def test_datetime_matches_like_from_and_to(client, span, frm, to):
    api = f"/api/offers?from={frm}" + (f"&to={to}" if to else "")
    expected = get_json(client, api)
    doc = get_json(client, f"/ogc/collections/offers/items?limit=10000&datetime={span}")
    assert doc["numberMatched"] == expected["count"]
    assert [f["id"] for f in doc["features"]] == [f["id"] for f in expected["features"]]
    assert [f["properties"]["next_date"] for f in doc["features"]] == [
        f["properties"]["next_date"] for f in expected["features"]]


def test_datetime_open_start_reaches_into_the_past(client, app):
    cal = app.extensions["store"].snapshot.offers.calendar
    past = cal.date(cal.today - 30).isoformat()
    doc = get_json(client, f"/ogc/collections/offers/items?limit=10000&datetime=../{past}")
    expected = get_json(client, f"/api/offers?from={cal.first}&to={past}")
    assert doc["numberMatched"] == expected["count"]
    places = get_json(client, f"/ogc/collections/places/items?datetime=../{past}")
    assert places["numberMatched"] == get_json(
        client, f"/api/places?from={cal.first}&to={past}")["count"]


# --- html -------------------------------------------------------------------------------

HTML_PATHS = ["/ogc/", "/ogc/conformance", "/ogc/collections", "/ogc/collections/offers",
              "/ogc/collections/places/items", "/ogc/collections/focus-areas/items",
              "/ogc/collections/places/items/deutsches-bergbau-museum", "/ogc/api"]


@pytest.mark.parametrize("path", HTML_PATHS)
def test_html_by_f_and_by_accept_in_german_and_english(client, path):
    sep = "&" if "?" in path else "?"
    by_f = client.get(f"{path}{sep}f=html")
    by_accept = client.get(path, headers={"Accept": BROWSER})
    for response in (by_f, by_accept):
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    de = by_f.get_data(as_text=True)
    en = client.get(f"{path}{sep}f=html&lang=en").get_data(as_text=True)
    assert '<html lang="de">' in de and '<html lang="en">' in en
    assert "Sammlungen" in de and "Collections" in en
    assert "Sammlungen" not in en and "Zur Karte" not in en and "To the map" not in de
    for page in (de, en):
        assert not re.search(r"<script(?![^>]*\ssrc=)", page)  # no inline script
        assert not re.search(r"<style|\sstyle=", page)
        assert '<link rel="alternate"' in page or path == "/ogc/api"


def test_json_unless_the_client_prefers_html(client):
    for accept in (None, "*/*", "application/json", "application/geo+json",
                   "application/json, text/html;q=0.5"):
        headers = {"Accept": accept} if accept else {}
        assert client.get("/ogc/collections/places/items", headers=headers
                          ).mimetype == "application/geo+json"
    assert client.get("/ogc/?f=json", headers={"Accept": BROWSER}).mimetype == "application/json"


def test_html_items_page_links_pages_and_items(client):
    text = client.get("/ogc/collections/places/items?f=html&limit=5&offset=5"
                      ).get_data(as_text=True)
    assert 'rel="next"' in text and 'rel="prev"' in text
    assert "hier 6–10" in text
    assert "/ogc/collections/places/items/" in text


# --- oas30 ------------------------------------------------------------------------------

def test_openapi_document_is_valid_openapi_30(full_client):
    from schemathesis.specs.openapi.definitions import OPENAPI_30

    doc = get_json(full_client, "/ogc/api")
    assert doc["openapi"].startswith("3.0.")
    errors = [str(e) for e in jsonschema_rs.Draft4Validator(OPENAPI_30).iter_errors(doc)]
    assert not errors, errors[:5]
    assert doc["servers"] == [{"url": "http://localhost/ogc"}]


def test_every_path_in_the_openapi_document_answers(full_client):
    doc = get_json(full_client, "/ogc/api")
    examples = {"collectionId": "places"}
    first = {cid: get_json(full_client, f"/ogc/collections/{cid}/items?limit=1"
                           )["features"][0]["id"]
             for cid in ("places", "offers", "schools", "daycare", "focus-areas", "districts")}
    assert len(doc["paths"]) == 5 + 2 * len(first)
    for path, item in doc["paths"].items():
        cid = re.match(r"/collections/([^/{]+)/items", path)
        filled = path.replace("{collectionId}", examples["collectionId"]).replace(
            "{featureId}", first[cid.group(1)] if cid else "")
        response = full_client.get("/ogc" + filled)
        assert response.status_code == 200, path
        media = item["get"]["responses"]["200"]["content"]
        assert response.headers["Content-Type"] in media, (path, response.headers)


def schema_app():
    """All six collections, in a temporary folder (the schema is loaded at import)."""
    folder = Path(tempfile.mkdtemp(prefix="ogc-openapi-"))
    atexit.register(shutil.rmtree, folder, True)
    (folder / "state").mkdir()
    write_layers(folder / "state")
    return create_app({"TESTING": True, "DATA_DIR": str(GEODATA),
                       "STATE_DIR": str(folder / "state"), "SECRET_KEY": "test",
                       "CITY_OUTLINE_FILE": str(write_outline(folder / "bezirke.geojson")),
                       "RELOAD_INTERVAL": 0, "TILE_URL": "", "DATABASE_URL": "none"})


schema = schemathesis.openapi.from_wsgi("/ogc/api?f=json", schema_app())


# Rules across parameters (from/to within the calendar window, radius_km and sort=distance
# need near, S <= N in bbox) cannot be written in OpenAPI, so a schema-valid request may
# rightly get a documented 400: only that check is left out; every other one runs,
# including "no 5xx", response schemas and content types, and "invalid input is refused".
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_ogc_api_conforms_to_its_openapi_document(case):
    case.call_and_validate(headers={"Accept-Encoding": "identity"},
                           excluded_checks=[positive_data_acceptance])


def test_declared_parameters_are_exactly_the_accepted_ones(client):
    doc = get_json(client, "/ogc/api")
    examples = {"topic": "physik", "group": "sek1", "kind": "museum", "q": "stern",
                "area": "wlab", "near": "51.48,7.22", "radius_km": "5", "age": "10",
                "grade": "5", "from": "2027-01-01", "to": "2027-02-01", "cost": "free",
                "format": "workshop", "bookable": "1", "status": "all", "sort": "name",
                "f": "json", "lang": "en", "limit": "5", "offset": "1",
                "bbox": "7.1,51.4,7.4,51.6", "datetime": "2027-01-01/.."}
    for cid, expected_extra in (("places", True), ("focus-areas", False)):
        params = doc["paths"][f"/collections/{cid}/items"]["get"]["parameters"]
        names = {p["name"] for p in params}
        assert ("topic" in names) == expected_extra
        for name in names:
            value = examples[name]
            if name == "radius_km":
                value += "&near=51.48,7.22"
            if name in ("from", "to") or (name == "datetime" and cid == "places"):
                continue  # checked together below
            response = client.get(f"/ogc/collections/{cid}/items?{name}={value}")
            assert response.status_code == 200, (cid, name, response.get_data(as_text=True))
        assert client.get(f"/ogc/collections/{cid}/items?zzz=1").status_code == 400
    assert client.get("/ogc/collections/places/items?from=2027-01-01&to=2027-02-01"
                      ).status_code == 200
    assert get_json(client, "/ogc/collections/focus-areas/items?topic=physik", 400
                    )["parameter"] == "topic"


# --- bad input --------------------------------------------------------------------------

@pytest.mark.parametrize("query, parameter", [
    ("bbox=7.1,51.4,7.3", "bbox"), ("bbox=a,b,c,d", "bbox"), ("bbox=7.1,51.5,7.3,51.4", "bbox"),
    ("bbox=7.1,51.4,7.3,91", "bbox"), ("bbox=7.1,51.4,0,7.3,51.5,0", "bbox"),
    ("limit=0", "limit"), ("limit=-1", "limit"), ("limit=ten", "limit"), ("limit=1.5", "limit"),
    ("offset=-1", "offset"), ("offset=x", "offset"),
    ("datetime=tomorrow", "datetime"), ("datetime=2027-13-01", "datetime"),
    ("datetime=2027-02-01/2027-01-01", "datetime"), ("datetime=2027-01-01/x/y", "datetime"),
    ("datetime=2027-01-01&from=2027-01-01", "datetime"),
    ("datetime=0001-01-01T00:00:00%2B14:00", "datetime"), ("datetime=../..%2F..", "datetime"),
    ("crs=" + CRS84, "crs"), ("bbox-crs=" + CRS84, "bbox-crs"), ("color=red", "color"),
    ("f=xml", "f"), ("lang=fr", "lang"), ("topic=alchemie", "topic"), ("age=200", "age"),
])
def test_bad_items_parameters_are_400_naming_them(client, query, parameter):
    for cid in ("places", "offers"):
        error = get_json(client, f"/ogc/collections/{cid}/items?{query}", 400)
        assert error["parameter"] == parameter and error["status"] == 400 and error["error"]
    page = client.get(f"/ogc/collections/places/items?{query}&f=html"
                      if parameter != "f" else f"/ogc/collections/places/items?{query}",
                      headers={"Accept": BROWSER})
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert parameter in page.get_data(as_text=True)


def test_a_limit_above_the_maximum_is_served_as_the_maximum(client):
    doc = get_json(client, "/ogc/collections/offers/items?limit=999999&status=all")
    assert doc["numberReturned"] == doc["numberMatched"] <= 10000
    assert "next" not in rels(doc)


def test_an_offset_past_the_end_is_an_empty_page(client):
    doc = get_json(client, "/ogc/collections/places/items?offset=100000")
    assert doc["features"] == [] and doc["numberReturned"] == 0 and "prev" in rels(doc)


def test_other_resources_refuse_unknown_parameters(client):
    for path in ("/ogc/", "/ogc/conformance", "/ogc/collections", "/ogc/collections/places",
                 "/ogc/api", "/ogc/collections/places/items/deutsches-bergbau-museum"):
        assert get_json(client, f"{path}?limit=5", 400)["parameter"] == "limit"
