"""Texts of the OGC API pages and collection metadata, German first, English second."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "api_title": {"de": "MINT-Lernorte in Bochum – OGC API Features",
                  "en": "STEM learning places in Bochum – OGC API Features"},
    "api_description": {
        "de": "Lernorte, Angebote, Fokusgebiete und (falls geladen) Schulen, Kitas und "
              "Bezirke als OGC API – Features (Teil 1), für QGIS, GDAL/OGR und andere "
              "GIS-Programme. Koordinaten in WGS 84 (CRS84, Länge/Breite).",
        "en": "Learning places, offers, focus areas and (when loaded) schools, day-care "
              "centres and districts as OGC API – Features (Part 1), for QGIS, GDAL/OGR "
              "and other GIS software. Coordinates in WGS 84 (CRS84, longitude/latitude)."},
    "landing": {"de": "Startseite", "en": "Landing page"},
    "conformance": {"de": "Konformitätsklassen", "en": "Conformance classes"},
    "collections": {"de": "Sammlungen", "en": "Collections"},
    "collection": {"de": "Sammlung", "en": "Collection"},
    "features": {"de": "Objekte", "en": "Features"},
    "item": {"de": "Objekt", "en": "Feature"},
    "api_doc": {"de": "API-Beschreibung (OpenAPI 3.0)", "en": "API definition (OpenAPI 3.0)"},
    "as_json": {"de": "als JSON", "en": "as JSON"},
    "as_geojson": {"de": "als GeoJSON", "en": "as GeoJSON"},
    "as_html": {"de": "als HTML", "en": "as HTML"},
    "language": {"de": "English", "en": "Deutsch"},
    "to_map": {"de": "Zur Karte", "en": "To the map"},
    "extent": {"de": "Ausdehnung", "en": "Extent"},
    "bbox": {"de": "Begrenzungsrahmen (CRS84)", "en": "Bounding box (CRS84)"},
    "interval": {"de": "Zeitraum", "en": "Time span"},
    "open": {"de": "offen", "en": "open"},
    "crs": {"de": "Koordinatensystem", "en": "Coordinate reference system"},
    "matched": {"de": "{n} passende Objekte, hier {a}–{b}",
                "en": "{n} matching features, here {a}–{b}"},
    "matched_none": {"de": "Keine passenden Objekte.", "en": "No matching features."},
    "next": {"de": "Weiter", "en": "Next"},
    "prev": {"de": "Zurück", "en": "Previous"},
    "id": {"de": "Kennung", "en": "Id"},
    "name": {"de": "Name", "en": "Name"},
    "geometry": {"de": "Geometrie", "en": "Geometry"},
    "property": {"de": "Eigenschaft", "en": "Property"},
    "value": {"de": "Wert", "en": "Value"},
    "explorer_page": {"de": "Seite im Explorer", "en": "Page in the explorer"},
    "paths": {"de": "Pfade", "en": "Paths"},
    "parameters": {"de": "Parameter", "en": "Parameters"},
    "responses": {"de": "Antworten", "en": "Responses"},
    "how_to": {"de": "In QGIS: Layer > Layer hinzufügen > WFS/OGC-API-Features-Layer "
                     "hinzufügen, dort eine neue Verbindung mit dieser Adresse anlegen:",
               "en": "In QGIS: Layer > Add Layer > Add WFS / OGC API - Features Layer, then "
                     "create a new connection with this URL:"},
    "doc_in_english": {"de": "Die folgende technische Beschreibung ist englisch.",
                       "en": ""},
    "yes": {"de": "ja", "en": "yes"},
    "no": {"de": "nein", "en": "no"},
    "error_title": {"de": "Fehler {status}", "en": "Error {status}"},
    "col_kind_label": {"de": "Art", "en": "Kind"},
    "col_kind": {"de": "Art", "en": "Kind"},
    "col_stadtteil": {"de": "Stadtteil", "en": "District"},
    "col_offer_count": {"de": "Passende Angebote", "en": "Matching offers"},
    "col_place_name": {"de": "Lernort", "en": "Place"},
    "col_format_label": {"de": "Format", "en": "Format"},
    "col_next_date": {"de": "Nächster Termin", "en": "Next date"},
    "col_street": {"de": "Straße", "en": "Street"},
    "col_postcode": {"de": "PLZ", "en": "Postcode"},
    "col_place_count": {"de": "Lernorte darin", "en": "Places inside"},
}

COLLECTIONS: dict[str, dict[str, dict[str, str]]] = {
    "places": {
        "title": {"de": "MINT-Lernorte", "en": "STEM learning places"},
        "description": {
            "de": "Außerschulische MINT-Lernorte in Bochum (ein Punkt je Ort). Filter wie "
                  "in der Karte: Thema, Zielgruppe, Alter, Art, Suche, Kosten, Zeitraum.",
            "en": "Out-of-school STEM learning places in Bochum (one point per place). "
                  "Filters as on the map: topic, group, age, kind, search, cost, dates."},
    },
    "offers": {
        "title": {"de": "MINT-Angebote", "en": "STEM offers"},
        "description": {
            "de": "Ein Objekt je Angebot, am Punkt seines Lernorts; datetime findet "
                  "Angebote mit Terminen oder Saison im Zeitraum (auf Anfrage: immer).",
            "en": "One feature per offer, at its place's point; datetime finds offers "
                  "with sessions or a season in the span (on request: always)."},
    },
    "schools": {
        "title": {"de": "Schulen (Open Data Stadt Bochum)",
                  "en": "Schools (City of Bochum open data)"},
        "description": {"de": "Importierte Schulstandorte (explorer import bochum-opendata).",
                        "en": "Imported school sites (explorer import bochum-opendata)."},
    },
    "daycare": {
        "title": {"de": "Kitas (Open Data Stadt Bochum)",
                  "en": "Day-care centres (City of Bochum open data)"},
        "description": {"de": "Importierte Kindertageseinrichtungen.",
                        "en": "Imported day-care centres."},
    },
    "focus-areas": {
        "title": {"de": "Fokusgebiete", "en": "Focus areas"},
        "description": {"de": "Gebiete mit besonderem Förderbedarf, z. B. Werne – "
                              "Langendreer-Alter Bahnhof (teils nur angenähert).",
                        "en": "Areas of particular need, e.g. Werne – Langendreer-Alter "
                              "Bahnhof (some only approximated)."},
    },
    "districts": {
        "title": {"de": "Bezirke", "en": "Districts"},
        "description": {"de": "Die Bezirke aus der Stadtgrenzen-Datei des Planers "
                              "(EXPLORER_CITY_OUTLINE_FILE).",
                        "en": "The districts of the planner's city outline file "
                              "(EXPLORER_CITY_OUTLINE_FILE)."},
    },
}


def ogc_texts(lang: str) -> dict[str, str]:
    return {key: value[lang] for key, value in TEXTS.items()}


def collection_text(cid: str, field: str, lang: str) -> str:
    return COLLECTIONS[cid][field][lang]
