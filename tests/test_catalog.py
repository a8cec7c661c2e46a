"""The DCAT-AP.de catalogue (/catalog.ttl, /catalog.jsonld) and the place pages' schema.org
JSON-LD, validated with pyshacl against the hand-written shapes in tests/shapes/."""

from __future__ import annotations

import copy
import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from conftest import GEODATA
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, SH, XSD

from explorer import create_app
from explorer.catalog import VCARD

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib JSON-LD parser
SHAPES = Path(__file__).parent / "shapes"
DCATDE = "http://dcat-ap.de/def/dcatde/"
SCHEMA = "http://schema.org/"
SETTINGS = {"DATA_LICENSE": "cc-by/4.0", "CONTACT_EMAIL": "mint@example.org",
            "CONTRIBUTOR_ID": "http://dcat-ap.de/def/contributors/exampleContributor"}


@pytest.fixture(scope="module")
def dcat_shapes() -> Graph:
    return Graph().parse(SHAPES / "dcat-ap-de.ttl")


@pytest.fixture(scope="module")
def schema_shapes() -> Graph:
    return Graph().parse(SHAPES / "schemaorg.ttl")


@pytest.fixture
def configured(app_config):
    """The app with the settings a publisher gives (licence, contact, contributor ID)."""
    return create_app({**app_config, **SETTINGS}).test_client()


def results(data: Graph, shapes: Graph) -> tuple[bool, list[tuple]]:
    """Conformance (warnings allowed) and every result as (severity, focus, path)."""
    conforms, report, _text = validate(data, shacl_graph=shapes, allow_warnings=True)
    found = [(report.value(r, SH.resultSeverity), report.value(r, SH.focusNode),
              report.value(r, SH.resultPath)) for r in report.subjects(RDF.type,
                                                                      SH.ValidationResult)]
    return conforms, found


def catalog(client, fmt: str = "turtle") -> Graph:
    path, mimetype = {"turtle": ("/catalog.ttl", "text/turtle"),
                      "json-ld": ("/catalog.jsonld", "application/ld+json")}[fmt]
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == mimetype
    return Graph().parse(data=response.data, format=fmt)


@pytest.mark.parametrize("fmt", ["turtle", "json-ld"])
def test_the_catalogue_conforms_without_even_a_warning(configured, dcat_shapes, fmt):
    graph = catalog(configured, fmt)
    conforms, found = results(graph, dcat_shapes)
    assert conforms and found == []
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    assert {str(d).rsplit("#", 1)[1] for d in datasets} == {
        "places", "offers", "planner-areas", "planner-underserved", "planner-grid"}
    license_uri = URIRef("http://dcat-ap.de/def/licenses/cc-by/4.0")
    for dist in graph.subjects(RDF.type, DCAT.Distribution):
        assert graph.value(dist, DCTERMS.license) == license_uri
    places = URIRef("http://localhost/catalog#places")
    assert {lit.language for lit in graph.objects(places, DCTERMS.title)} == {"de", "en"}


def test_the_catalogue_describes_the_data(configured, client):
    graph = catalog(configured)
    snap = configured.application.extensions["store"].snapshot
    places = URIRef("http://localhost/catalog#places")
    assert graph.value(places, URIRef(DCATDE + "politicalGeocodingURI")) == URIRef(
        "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05911000")
    assert (places, DCAT.theme, URIRef(
        "http://publications.europa.eu/resource/authority/data-theme/EDUC")) in graph
    bbox = next(graph.objects(None, DCAT.bbox))
    west, south = min(snap.lon), min(snap.lat)
    assert str(bbox).startswith(f"POLYGON(({west} {south},")
    period = graph.value(places, DCTERMS.temporal)
    start, end = graph.value(period, DCAT.startDate), graph.value(period, DCAT.endDate)
    assert start.datatype == XSD.date and start.toPython() <= snap.built_on <= end.toPython()
    modified = graph.value(places, DCTERMS.modified)
    assert modified.datatype == XSD.date
    checked = [f["properties"]["checked"] for f in snap.served]
    assert str(modified) >= max(checked)  # the newest check or change of a record
    assert graph.value(places, URIRef("http://www.w3.org/2002/07/owl#versionInfo")) == Literal(
        snap.version)
    contact = graph.value(places, DCAT.contactPoint)
    assert graph.value(contact, URIRef("http://www.w3.org/2006/vcard/ns#hasEmail")) == URIRef(
        "mailto:mint@example.org")


def test_by_default_the_data_is_cc_by_and_nothing_else_is_invented(client, dcat_shapes):
    """The project's data is CC BY 4.0 (README "Open data"); contact and contributor ID
    have no defaults, and their absence is a warning only."""
    graph = catalog(client)
    licences = set(graph.objects(None, DCTERMS.license))
    assert licences == {URIRef("http://dcat-ap.de/def/licenses/cc-by/4.0")}
    assert not list(graph.objects(None, DCAT.contactPoint))
    conforms, found = results(graph, dcat_shapes)
    assert conforms
    warnings = {path for severity, _focus, path in found if severity == SH.Warning}
    assert warnings == {DCAT.contactPoint, URIRef(DCATDE + "contributorID")}


def test_with_the_licence_setting_emptied_the_licence_rule_fails(app_config, dcat_shapes):
    graph = catalog(create_app({**app_config, "DATA_LICENSE": ""}).test_client())
    assert not list(graph.objects(None, DCTERMS.license))
    conforms, found = results(graph, dcat_shapes)
    assert not conforms
    assert {path for severity, _focus, path in found if severity == SH.Violation} == {
        DCTERMS.license}


def broken(graph: Graph, remove: tuple = (), add: tuple = ()) -> Graph:
    copy_ = copy.deepcopy(graph)
    for triple in remove:
        copy_.remove(triple)
    for triple in add:
        copy_.add(triple)
    return copy_


@pytest.mark.parametrize("case", ["no licence", "no access url", "modified as text",
                                  "dataset without title", "catalogue without dataset",
                                  "format not from the EU list", "title without language"])
def test_broken_catalogues_do_not_conform(configured, dcat_shapes, case):
    graph = catalog(configured)
    assert results(graph, dcat_shapes)[0]
    dist = URIRef("http://localhost/catalog#offers-csv")
    dataset = URIRef("http://localhost/catalog#offers")
    cat = URIRef("http://localhost/catalog")
    change = {
        "no licence": ((dist, DCTERMS.license, None),),
        "no access url": ((dist, DCAT.accessURL, None),),
        "modified as text": ((dist, DCTERMS.modified, None),),
        "dataset without title": ((dataset, DCTERMS.title, None),),
        "catalogue without dataset": ((cat, DCAT.dataset, None),),
        "format not from the EU list": ((dist, DCTERMS.format, None),),
        "title without language": ((dataset, DCTERMS.title, None),),
    }[case]
    extra = {
        "modified as text": ((dist, DCTERMS.modified, Literal("gestern")),),
        "format not from the EU list": ((dist, DCTERMS.format, URIRef("https://example.org/csv")),),
        "title without language": ((dataset, DCTERMS.title, Literal("Angebote")),),
    }.get(case, ())
    conforms, found = results(broken(graph, change, extra), dcat_shapes)
    assert not conforms
    focus = {f for severity, f, _p in found if severity == SH.Violation}
    assert focus & {dist, dataset, cat}


def test_turtle_and_jsonld_are_the_same_graph(configured):
    assert isomorphic(catalog(configured, "turtle"), catalog(configured, "json-ld"))
    negotiated = configured.get("/catalog", headers={"Accept": "application/ld+json"})
    assert negotiated.mimetype == "application/ld+json"
    assert isomorphic(Graph().parse(data=negotiated.data, format="json-ld"),
                      catalog(configured, "turtle"))
    assert configured.get("/catalog").mimetype == "text/turtle"


def test_every_url_of_this_app_in_the_catalogue_answers_200(configured):
    graph = catalog(configured)
    urls = {urldefrag(str(node))[0] for triple in graph for node in triple
            if isinstance(node, URIRef) and str(node).startswith("http://localhost")}
    assert {"http://localhost/downloads/places.geojson", "http://localhost/downloads/offers.csv",
            "http://localhost/planner/export/grid.geojson", "http://localhost/catalog"} <= urls
    for url in sorted(urls):
        assert configured.get(url).status_code == 200, url


def test_services_serve_the_datasets_they_give_access_to(configured):
    graph = catalog(configured)
    for key, service, endpoint in (("places-ogc", "service-ogc", "/ogc/"),
                                   ("offers-ogc", "service-ogc", "/ogc/"),
                                   ("places-api", "service-api", "/api/places")):
        dist = URIRef(f"http://localhost/catalog#{key}")
        node = graph.value(dist, DCAT.accessService)
        assert node == URIRef(f"http://localhost/catalog#{service}")
        assert graph.value(node, DCAT.endpointURL) == URIRef("http://localhost" + endpoint)
        (dataset,) = graph.subjects(DCAT.distribution, dist)
        assert (node, DCAT.servesDataset, dataset) in graph
        assert graph.value(dist, DCAT.downloadURL) is None  # a service, not a file


def test_absolute_urls_follow_the_public_url(app_config):
    client = create_app({**app_config, **SETTINGS,
                         "PUBLIC_URL": "https://mint.example.org/explorer"}).test_client()
    graph = catalog(client)
    ours = {str(n) for t in graph for n in t if isinstance(n, URIRef)
            and "example.org/explorer" in str(n)}
    assert "https://mint.example.org/explorer/downloads/offers.csv" in ours
    assert not [n for t in graph for n in t if isinstance(n, URIRef) and "localhost" in str(n)]


def test_catalogue_etag_and_bad_parameter(configured):
    first = configured.get("/catalog.ttl")
    assert configured.get("/catalog.ttl", headers={
        "If-None-Match": first.headers["ETag"]}).status_code == 304
    bad = configured.get("/catalog.ttl?format=xml")
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "format"


# --- schema.org on the place pages ------------------------------------------------------

class LdScripts(HTMLParser):
    """The text of every <script type="application/ld+json"> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._inside = False

    def handle_starttag(self, tag, attrs):
        self._inside = tag == "script" and dict(attrs).get("type") == "application/ld+json"
        if self._inside:
            self.found.append("")

    def handle_endtag(self, tag):
        self._inside = False

    def handle_data(self, data):
        if self._inside:
            self.found[-1] += data


def page_documents(client, lang: str = "de") -> list[dict]:
    snap = client.application.extensions["store"].snapshot
    documents = []
    for pid in snap.ids:
        response = client.get(f"/places/{pid}?lang={lang}")
        assert response.status_code == 200
        parser = LdScripts()
        parser.feed(response.data.decode("utf-8"))
        assert len(parser.found) == 1, pid
        documents.append(json.loads(parser.found[0]))
    return documents


def as_graph(documents: list[dict]) -> Graph:
    """Offline: the remote schema.org context replaced by its vocabulary, http://schema.org/."""
    graph = Graph()
    for document in documents:
        assert document["@context"] == "https://schema.org"
        local = {**document, "@context": {"@vocab": SCHEMA}}
        graph.parse(data=json.dumps(local), format="json-ld")
    return graph


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """Every place page's document, both languages (module scope: 2 x 92 pages once)."""
    app = create_app({"TESTING": True, "DATA_DIR": str(GEODATA), "RELOAD_INTERVAL": 0,
                      "TILE_URL": "", "DATABASE_URL": "none",
                      "STATE_DIR": str(tmp_path_factory.mktemp("state"))})
    client = app.test_client()
    return {lang: page_documents(client, lang) for lang in ("de", "en")}


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_place_page_has_valid_schema_org(documents, schema_shapes, lang):
    graph = as_graph(documents[lang])
    conforms, found = results(graph, schema_shapes)
    assert conforms, [r for r in found if r[0] == SH.Violation][:5]
    # only the known schema.org advice: plain Organizations carrying geo (explorer/jsonld.py)
    assert {path for severity, _f, path in found if severity == SH.Warning} <= {RDF.type}
    s = lambda name: URIRef(SCHEMA + name)  # noqa: E731
    # the shapes were not passed vacuously: the data has each kind of node they check
    assert len(set(graph.subjects(s("geo"), None))) >= len(documents[lang])
    assert any(graph.subjects(RDF.type, s("EducationEvent")))
    assert any(graph.subjects(RDF.type, s("OpeningHoursSpecification")))


def first_with(documents: list[dict], type_: str) -> dict:
    return copy.deepcopy(next(d for d in documents
                              if any(n.get("@type") == type_ for n in d["@graph"])))


@pytest.mark.parametrize("case", ["latitude outside Bochum", "latitude as text", "no name",
                                  "event date in words", "event without location",
                                  "no postcode", "price in dollars"])
def test_broken_place_documents_fail(documents, schema_shapes, case):
    doc = first_with(documents["de"], "EducationEvent")
    place = doc["@graph"][0]
    event = next(n for n in doc["@graph"] if n.get("@type") == "EducationEvent")
    if case == "latitude outside Bochum":
        place["geo"] = {**place["geo"], "latitude": 52.52}
    elif case == "latitude as text":
        place["geo"] = {**place["geo"], "latitude": "51,48"}
    elif case == "no name":
        del place["name"]
    elif case == "event date in words":
        event["startDate"] = "nächsten Sonntag"
    elif case == "event without location":
        del event["location"]
    elif case == "no postcode":
        place["address"] = {k: v for k, v in place["address"].items() if k != "postalCode"}
    elif case == "price in dollars":
        event["offers"] = {"@type": "Offer", "price": 3, "priceCurrency": "USD"}
    assert results(as_graph([first_with(documents["de"], "EducationEvent")]),
                   schema_shapes)[0]
    conforms, _found = results(as_graph([doc]), schema_shapes)
    assert not conforms


def test_with_the_editorial_database_the_suggestion_form_is_the_contact(app_config, tmp_path,
                                                                        dcat_shapes):
    client = create_app({**app_config,
                         "DATABASE_URL": f"sqlite:///{tmp_path / 'explorer.db'}"}).test_client()
    graph = catalog(client)
    (contact,) = set(graph.objects(None, DCAT.contactPoint))
    (page,) = set(graph.objects(contact, VCARD.hasURL))
    assert str(page) == "http://localhost/suggest"
    assert client.get("/suggest").status_code == 200
    conforms, found = results(graph, dcat_shapes)
    assert conforms and DCAT.contactPoint not in {path for _s, _f, path in found}
