"""What the catalogue says of each published data set: titles, descriptions, files and
services (German and English), apart from the code that makes the graph."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef

OGC_FEATURES = URIRef("http://www.opengis.net/spec/ogcapi-features-1/1.0")


@dataclass(frozen=True)
class Dist:
    key: str
    path: str
    kind: str  # key of FORMATS
    title: tuple[str, str]  # de, en
    service: str | None = None  # "api", "ogc": reached through that service, not a file


@dataclass(frozen=True)
class Spec:
    key: str
    title: tuple[str, str]
    description: tuple[str, str]
    landing: str
    themes: tuple[str, ...]
    dists: tuple[Dist, ...]
    source: str | None = None  # the data set this one is computed from


PLANNER_NOTE = ("Standardparameter der Planungsansicht (alle Themen, Zielgruppen und Arten; "
                "andere über die Parameter von /api/openapi.json).",
                "Default parameters of the planner view (all topics, groups and kinds; "
                "others through the parameters in /api/openapi.json).")
SPECS = (
    Spec("places", ("MINT-Lernorte in Bochum", "MINT learning places in Bochum"),
         ("Kuratierte Lernorte für Mathematik, Informatik, Naturwissenschaften und Technik "
          "in Bochum mit Punkt, Adresse, Stadtteil, Quellen und allen ihren Angeboten (was, "
          "für wen, wann, zu welchen Kosten). Unbekanntes bleibt leer.",
          "Curated learning places for maths, informatics, natural sciences and technology "
          "in Bochum with point, address, district, sources and all their offers (what, for "
          "whom, when, at what cost). Unknown stays empty."),
         "/", ("EDUC",),
         (Dist("places-geojson", "/downloads/places.geojson", "geojson",
               ("Alle Lernorte (GeoJSON)", "All places (GeoJSON)")),
          Dist("places-ogc", "/ogc/collections/places/items", "geojson",
               ("Lernorte über OGC API – Features", "Places through OGC API – Features"), "ogc"),
          Dist("places-api", "/api/places", "geojson",
               ("Lernorte über die JSON-API (filterbar)", "Places through the JSON API "
                "(filterable)"), "api"))),
    Spec("offers", ("MINT-Angebote in Bochum", "MINT offers in Bochum"),
         ("Ein Datensatz je Angebot der Lernorte: Themen, Zielgruppen, Klassen und Alter, "
          "Format, Kosten, Termine, Buchung, Status, Quelle, Ort und Koordinate.",
          "One record per offer of the places: topics, target groups, grades and ages, "
          "format, cost, dates, booking, status, source, place and coordinate."),
         "/", ("EDUC",),
         (Dist("offers-csv", "/downloads/offers.csv", "csv",
               ("Alle Angebote (CSV, Trennzeichen ;)", "All offers (CSV, separator ;)")),
          Dist("offers-ogc", "/ogc/collections/offers/items", "geojson",
               ("Angebote über OGC API – Features", "Offers through OGC API – Features"),
               "ogc"),
          Dist("offers-api", "/api/offers", "geojson",
               ("Angebote über die JSON-API (filterbar)", "Offers through the JSON API "
                "(filterable)"), "api")),
         source="places"),
    Spec("planner-areas", ("Versorgung der Gebiete mit MINT-Angeboten",
                           "Coverage of areas by MINT offers"),
         ("Je Fokusgebiet und Stadtbezirk: Angebote im Gebiet und in Reichweite, "
          "Nachfragepunkte, unterversorgte Punkte und Entfernungen. " + PLANNER_NOTE[0],
          "Per focus area and city district: offers inside and within reach, demand "
          "points, underserved points and distances. " + PLANNER_NOTE[1]),
         "/planner", ("EDUC", "REGI"),
         (Dist("planner-areas-csv", "/planner/export/areas.csv", "csv",
               ("Gebietstabelle (CSV)", "Area table (CSV)")),), source="offers"),
    Spec("planner-underserved", ("Unterversorgte Schulen und Kitas",
                                 "Underserved schools and day-care centres"),
         ("Nachfragepunkte (Schulen und Kitas aus den offenen Daten der Stadt Bochum), "
          "in deren Reichweite kein passendes Angebot liegt, mit der Entfernung zum "
          "nächsten. " + PLANNER_NOTE[0],
          "Demand points (schools and day-care centres from the City of Bochum's open "
          "data) with no matching offer within reach, with the distance to the nearest. "
          + PLANNER_NOTE[1]),
         "/planner", ("EDUC", "REGI"),
         (Dist("planner-underserved-csv", "/planner/export/underserved.csv", "csv",
               ("Unterversorgte Punkte (CSV)", "Underserved points (CSV)")),),
         source="offers"),
    Spec("planner-grid", ("Entfernungsraster zum nächsten MINT-Angebot",
                          "Distance grid to the nearest MINT offer"),
         ("Quadratische Rasterzellen über Bochum mit der Entfernung zum nächsten passenden "
          "Angebot und der Zahl der Angebote in Reichweite. " + PLANNER_NOTE[0],
          "Square grid cells over Bochum with the distance to the nearest matching offer "
          "and the number of offers within reach. " + PLANNER_NOTE[1]),
         "/planner", ("EDUC", "REGI"),
         (Dist("planner-grid-geojson", "/planner/export/grid.geojson", "geojson",
               ("Raster (GeoJSON)", "Grid (GeoJSON)")),), source="offers"),
)
SERVICES = {
    "api": (("JSON/GeoJSON-API des MINT explorer", "JSON/GeoJSON API of the MINT explorer"),
            "/api/places", "/api/openapi.json", None),
    "ogc": (("OGC API – Features", "OGC API – Features"), "/ogc/", "/ogc/api", OGC_FEATURES),
}
