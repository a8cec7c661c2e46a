"""The DCAT-AP.de description of the published data sets, as an rdflib graph.

Harvesters (GovData, Open.NRW, the city's portal) read a catalogue, not our README: this
one names each data set, its files and services, where and when its data lie, and how it
may be used. Facts come from the snapshot (bbox, dates, last change, version); licence,
contact and contributor ID from settings (the licence defaults to the project's CC BY 4.0):
what is not set is left out, never guessed (the SHACL shapes in tests/shapes/ then say what
is missing). The data sets' texts are in :mod:`.catalog_sets`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, XSD

from .catalog_sets import SERVICES, SPECS, Dist, Spec
from .store import Snapshot

DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
LICENSES = "http://dcat-ap.de/def/licenses/"
FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
MEDIA_TYPE = "http://www.iana.org/assignments/media-types/"
THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")
LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
PUBLIC = URIRef("http://publications.europa.eu/resource/authority/access-right/PUBLIC")
BOCHUM = URIRef("http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05911000")
MUNICIPALITY = URIRef("http://dcat-ap.de/def/politicalGeocodingLevel/municipality")
# licences whose terms ask for a name: DCAT-AP.de then gives it in licenseAttributionByText
ATTRIBUTION = ("cc-by/", "cc-by-sa/", "cc-by-nd/", "cc-by-nc", "dl-by-de/", "odbl")
FORMATS = {"geojson": ("GEOJSON", "application/geo+json"), "csv": ("CSV", "text/csv"),
           "json": ("JSON", "application/json")}
KEYWORDS = {"de": ("MINT", "Bildung", "außerschulische Lernorte", "Bochum"),
            "en": ("STEM", "education", "out-of-school learning", "Bochum")}


@dataclass(frozen=True)
class Settings:
    """What the catalogue says of who publishes and on what terms (app settings)."""

    publisher: str = "MINT explorer Bochum"
    publisher_url: str = ""
    license: str = ""  # a dcat-ap.de licence URI, or its tail such as "cc-by/4.0"
    contact_email: str = ""
    contact_url: str = ""
    contributor_id: str = ""  # a URI of http://dcat-ap.de/def/contributors/

    @classmethod
    def from_config(cls, cfg: Any) -> Settings:
        def get(name: str) -> str:
            return str(cfg.get(name) or "").strip()

        return cls(publisher=get("PUBLISHER_NAME") or cls.publisher,
                   publisher_url=get("PUBLISHER_URL"), license=get("DATA_LICENSE"),
                   contact_email=get("CONTACT_EMAIL").removeprefix("mailto:"),
                   contact_url=get("CONTACT_URL"), contributor_id=get("CONTRIBUTOR_ID"))

    @property
    def license_uri(self) -> str:
        return self.license if "://" in self.license or not self.license \
            else LICENSES + self.license


def langs(pair: tuple[str, str]) -> list[Literal]:
    return [Literal(pair[0], lang="de"), Literal(pair[1], lang="en")]


def modified(snap: Snapshot) -> dt.date | None:
    """The newest change or check of a served record (or its recorded change time)."""
    days: list[str] = []
    for f in snap.served:
        p = f["properties"]
        days += [p.get("checked"), snap.dataset.record_meta.get(f["id"], {}).get("changed")]
        for o in p.get("offers") or []:
            days += [o.get("checked"), (o.get("source") or {}).get("checked")]
    found = [dt.date.fromisoformat(d[:10]) for d in days if isinstance(d, str) and d]
    return max(found, default=None)


def period(snap: Snapshot) -> tuple[dt.date, dt.date] | None:
    """First and last day an offer takes place, as the explorer's calendar knows them (it
    spans a year back and two years ahead)."""
    cal = snap.offers.calendar
    first, last = cal.first_day[cal.first_day >= 0], cal.last_day[cal.last_day >= 0]
    if not len(first):
        return None
    return cal.date(int(first.min())), cal.date(int(last.max()))


def bbox_wkt(snap: Snapshot) -> str | None:
    if not len(snap.lon):
        return None
    w, e = float(np.min(snap.lon)), float(np.max(snap.lon))
    s, n = float(np.min(snap.lat)), float(np.max(snap.lat))
    return f"POLYGON(({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))"


class Builder:
    """One catalogue graph, every node named under ``base``."""

    def __init__(self, snap: Snapshot, base: str, settings: Settings):
        self.snap, self.base, self.settings = snap, base, settings
        self.g = Graph(bind_namespaces="core")
        for prefix, ns in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("vcard", VCARD),
                           ("dcatde", DCATDE), ("gsp", GSP), ("owl", OWL)):
            self.g.bind(prefix, ns)
        self.modified = modified(snap)
        self.license = URIRef(settings.license_uri) if settings.license else None

    def url(self, path: str) -> URIRef:
        return URIRef(self.base + path)

    def add(self, s: Any, p: URIRef, *objects: Any) -> None:
        for o in objects:
            if o is not None:
                self.g.add((s, p, o))

    def common(self, node: URIRef, title: tuple[str, str],
               description: tuple[str, str]) -> None:
        self.add(node, DCTERMS.title, *langs(title))
        self.add(node, DCTERMS.description, *langs(description))
        self.add(node, DCTERMS.publisher, self.publisher)
        if self.modified:
            self.add(node, DCTERMS.modified, Literal(self.modified, datatype=XSD.date))

    def agents(self) -> None:
        st = self.settings
        self.publisher = URIRef(st.publisher_url) if st.publisher_url else self.url(
            "/catalog#publisher")
        self.add(self.publisher, RDF.type, FOAF.Agent)
        self.add(self.publisher, FOAF.name, Literal(st.publisher))
        self.contact = None
        if st.contact_email or st.contact_url:
            self.contact = self.url("/catalog#contact")
            self.add(self.contact, RDF.type, VCARD.Organization)
            self.add(self.contact, VCARD.fn, Literal(st.publisher))
            if st.contact_email:
                self.add(self.contact, VCARD.hasEmail, URIRef("mailto:" + st.contact_email))
            if st.contact_url:
                self.add(self.contact, VCARD.hasURL, URIRef(st.contact_url))

    def build(self) -> Graph:
        self.agents()
        catalog = self.url("/catalog")
        self.add(catalog, RDF.type, DCAT.Catalog)
        self.common(catalog, ("MINT explorer Bochum – offene Daten",
                              "MINT explorer Bochum – open data"),
                    ("Die Daten des MINT explorer Bochum: Lernorte, ihre Angebote und die "
                     "Versorgungsanalysen der Planungsansicht.",
                     "The data of MINT explorer Bochum: learning places, their offers and "
                     "the planner view's coverage analyses."))
        self.add(catalog, FOAF.homepage, self.url("/"))
        self.add(catalog, DCTERMS.license, self.license)
        self.add(catalog, DCTERMS.language, LANGUAGE.DEU, LANGUAGE.ENG)
        self.add(catalog, DCAT.themeTaxonomy,
                 URIRef("http://publications.europa.eu/resource/authority/data-theme"))
        self.add(catalog, DCTERMS.spatial, BOCHUM)
        services = {key: self.service(key) for key in SERVICES}
        for spec in SPECS:
            self.add(catalog, DCAT.dataset, self.dataset(spec, services))
        for key, node in services.items():
            self.add(catalog, DCAT.service, node)
            self.add(node, DCAT.servesDataset, *(self.url(f"/catalog#{s.key}") for s in SPECS
                                                 if any(d.service == key for d in s.dists)))
        return self.g

    def service(self, key: str) -> URIRef:
        title, endpoint, description, standard = SERVICES[key]
        node = self.url(f"/catalog#service-{key}")
        self.add(node, RDF.type, DCAT.DataService)
        self.add(node, DCTERMS.title, *langs(title))
        self.add(node, DCAT.endpointURL, self.url(endpoint))
        self.add(node, DCAT.endpointDescription, self.url(description))
        self.add(node, DCTERMS.conformsTo, standard)
        self.add(node, DCTERMS.publisher, self.publisher)
        self.add(node, DCTERMS.license, self.license)
        return node

    def dataset(self, spec: Spec, services: dict[str, URIRef]) -> URIRef:
        node = self.url(f"/catalog#{spec.key}")
        snap = self.snap
        self.add(node, RDF.type, DCAT.Dataset)
        self.common(node, spec.title, spec.description)  # the licence: on each distribution
        self.add(node, DCTERMS.identifier, Literal(str(node)))
        self.add(node, DCAT.landingPage, self.url(spec.landing))
        self.add(node, DCAT.theme, *(THEME[t] for t in spec.themes))
        for lang, words in KEYWORDS.items():
            self.add(node, DCAT.keyword, *(Literal(w, lang=lang) for w in words))
        self.add(node, DCAT.contactPoint, self.contact)
        if self.settings.contributor_id:
            self.add(node, DCATDE.contributorID, URIRef(self.settings.contributor_id))
        self.add(node, DCTERMS.language, LANGUAGE.DEU, LANGUAGE.ENG)
        self.add(node, DCTERMS.accessRights, PUBLIC)
        self.add(node, OWL.versionInfo, Literal(snap.version))
        self.add(node, DCTERMS.spatial, BOCHUM)
        self.add(node, DCATDE.politicalGeocodingLevelURI, MUNICIPALITY)
        self.add(node, DCATDE.politicalGeocodingURI, BOCHUM)
        wkt = bbox_wkt(snap)
        if wkt and spec.key in ("places", "offers"):  # the planner's grid covers the city
            place = BNode()
            self.add(node, DCTERMS.spatial, place)
            self.add(place, RDF.type, DCTERMS.Location)
            self.add(place, DCAT.bbox, Literal(wkt, datatype=GSP.wktLiteral))
        span = period(snap)
        if span:
            time = BNode()
            self.add(node, DCTERMS.temporal, time)
            self.add(time, RDF.type, DCTERMS.PeriodOfTime)
            self.add(time, DCAT.startDate, Literal(span[0], datatype=XSD.date))
            self.add(time, DCAT.endDate, Literal(span[1], datatype=XSD.date))
        if spec.source:
            self.add(node, DCTERMS.source, self.url(f"/catalog#{spec.source}"))
        for dist in spec.dists:
            self.add(node, DCAT.distribution, self.distribution(dist, services))
        return node

    def distribution(self, dist: Dist, services: dict[str, URIRef]) -> URIRef:
        node = self.url(f"/catalog#{dist.key}")
        file_type, media = FORMATS[dist.kind]
        self.add(node, RDF.type, DCAT.Distribution)
        self.add(node, DCTERMS.title, *langs(dist.title))
        self.add(node, DCAT.accessURL, self.url(dist.path))
        if dist.service:
            self.add(node, DCAT.accessService, services[dist.service])
        else:
            self.add(node, DCAT.downloadURL, self.url(dist.path))
        self.add(node, DCAT.mediaType, URIRef(MEDIA_TYPE + media))
        self.add(node, DCTERMS.format, FILE_TYPE[file_type])
        self.add(node, DCTERMS.license, self.license)
        if self.license is not None and any(a in str(self.license) for a in ATTRIBUTION):
            self.add(node, DCATDE.licenseAttributionByText, Literal(self.settings.publisher))
        if self.modified:
            self.add(node, DCTERMS.modified, Literal(self.modified, datatype=XSD.date))
        return node


def catalog_graph(snap: Snapshot, base: str, settings: Settings) -> Graph:
    """The catalogue of this app's data sets, every URL under ``base``."""
    return Builder(snap, base, settings).build()
