"""Planner texts, German first, English second (the explorer's own live in explorer.i18n)."""

from __future__ import annotations

from ..i18n import texts as explorer_texts

TEXTS: dict[str, dict[str, str]] = {
    "title": {"de": "Planungsansicht: MINT-Angebote und Versorgungslücken",
              "en": "Planner view: STEM offers and coverage gaps"},
    "subtitle": {"de": "Wie weit ist es von Schulen, Kitas und jedem Ort der Stadt bis zum "
                       "nächsten passenden Angebot?",
                 "en": "How far is it from schools, day-care centres and every part of the "
                       "city to the nearest suitable offer?"},
    "back": {"de": "Zur Lernort-Karte", "en": "Back to the map of places"},
    "parameters": {"de": "Analyse", "en": "Analysis"},
    "reach_km": {"de": "Reichweite (km)", "en": "Reach (km)"},
    "reach_hint": {"de": "0,1 bis 20 km Luftlinie", "en": "0.1 to 20 km straight line"},
    "cell_m": {"de": "Rasterweite (m)", "en": "Grid cell size (m)"},
    "cell_hint": {"de": "100 bis 2000 m", "en": "100 to 2000 m"},
    "all_kinds": {"de": "alle Arten", "en": "all kinds"},
    "apply": {"de": "Analyse aktualisieren", "en": "Update analysis"},
    "map_label": {"de": "Karte der Erreichbarkeit", "en": "Coverage map"},
    "legend": {"de": "Entfernung zum nächsten passenden Angebot",
               "en": "Distance to the nearest matching offer"},
    "within": {"de": "innerhalb der Reichweite", "en": "within reach"},
    "beyond": {"de": "außerhalb der Reichweite", "en": "beyond reach"},
    "no_offer": {"de": "kein passendes Angebot", "en": "no matching offer"},
    "legend_offer": {"de": "passendes Angebot", "en": "matching offer"},
    "legend_underserved": {"de": "unterversorgte Schule/Kita", "en": "underserved school/day care"},
    "legend_served": {"de": "versorgte Schule/Kita", "en": "served school/day care"},
    "legend_area": {"de": "Fokusgebiet", "en": "focus area"},
    "layer_coverage": {"de": "Raster", "en": "Grid"},
    "layer_offers": {"de": "Angebote", "en": "Offers"},
    "layer_served": {"de": "Versorgte Schulen/Kitas", "en": "Served schools/day care"},
    "layer_underserved": {"de": "Unterversorgte Schulen/Kitas",
                          "en": "Underserved schools/day care"},
    "layer_areas": {"de": "Fokusgebiete", "en": "Focus areas"},
    "offers_hidden": {"de": "Zu viele Angebote für die Karte ({n}); sie zählen trotzdem.",
                      "en": "Too many offers to draw ({n}); they still count."},
    "facts": {"de": "Überblick", "en": "Overview"},
    "facts_offers": {"de": "passende Angebote", "en": "matching offers"},
    "facts_demand": {"de": "betrachtete Schulen und Kitas (alle Stufen)",
                     "en": "schools and day care considered (all stages)"},
    "facts_demand_for": {"de": "betrachtete Schulen und Kitas mit Stufe {groups}",
                         "en": "schools and day care considered with stage {groups}"},
    "facts_cells_size": {"de": "Rasterzellen zu {m} m", "en": "grid cells of {m} m"},
    "reach": {"de": "Reichweite", "en": "Reach"},
    "facts_underserved": {"de": "davon unterversorgt", "en": "of them underserved"},
    "facts_cells": {"de": "Rasterzellen", "en": "grid cells"},
    "source_layers": {"de": "Schulen und Kitas aus dem Open-Data-Import der Stadt Bochum.",
                      "en": "Schools and day-care centres from the City of Bochum open-data "
                            "import."},
    "source_places": {"de": "Kein Open-Data-Import vorhanden: betrachtet werden nur die "
                            "kuratierten Schulen mit MINT-Profil (keine Grundschulen, keine "
                            "Kitas). Für alle Schulen und Kitas: explorer import "
                            "bochum-opendata.",
                      "en": "No open-data import: only the curated schools with a STEM "
                            "profile are considered (no primary schools, no day care). For "
                            "all schools and day care: explorer import bochum-opendata."},
    "study_bbox": {"de": "Untersuchungsgebiet: Rechteck um Bochum (keine Stadtgrenze "
                         "geladen).",
                   "en": "Study area: rectangle around Bochum (no city outline loaded)."},
    "study_outline": {"de": "Untersuchungsgebiet: Stadtgrenze.",
                      "en": "Study area: city outline."},
    "study_error": {"de": "Die Stadtgrenze konnte nicht gelesen werden; es gilt das "
                          "Rechteck.",
                    "en": "The city outline could not be read; using the rectangle."},
    "areas": {"de": "Kennzahlen nach Gebiet", "en": "Figures by area"},
    "areas_caption": {"de": "Fokusgebiete im Vergleich zur ganzen Stadt",
                      "en": "Focus areas compared with the whole city"},
    "areas_caption_districts": {"de": "Fokusgebiete und Bezirke im Vergleich zur ganzen Stadt",
                                "en": "Focus areas and districts compared with the whole "
                                      "city"},
    "col_area": {"de": "Gebiet", "en": "Area"},
    "col_offers_inside": {"de": "Angebote im Gebiet", "en": "Offers inside"},
    "col_offers_reach": {"de": "Angebote in Reichweite", "en": "Offers within reach"},
    "col_demand": {"de": "Schulen/Kitas", "en": "Schools/day care"},
    "col_underserved": {"de": "unterversorgt", "en": "underserved"},
    "col_share": {"de": "Anteil unterversorgt", "en": "Share underserved"},
    "col_vs_city": {"de": "ggü. Stadt", "en": "vs. city"},
    "col_median": {"de": "Median Entfernung", "en": "Median distance"},
    "col_cells_beyond": {"de": "Fläche außerhalb Reichweite", "en": "Area beyond reach"},
    "approximate": {"de": "Grenze genähert", "en": "approximate boundary"},
    "underserved": {"de": "Unterversorgte Schulen und Kitas",
                    "en": "Underserved schools and day-care centres"},
    "underserved_caption": {"de": "Ohne passendes Angebot innerhalb von {reach}; die "
                                  "entferntesten zuerst",
                            "en": "No matching offer within {reach}; farthest first"},
    "none_underserved": {"de": "Alle betrachteten Schulen und Kitas haben ein passendes "
                               "Angebot in Reichweite.",
                         "en": "Every school and day-care centre considered has a matching "
                               "offer within reach."},
    "no_demand": {"de": "Keine Schulen oder Kitas für diese Zielgruppen vorhanden.",
                  "en": "No schools or day-care centres for these target groups."},
    "truncated": {"de": "Die ersten {n} von {total}; alle im CSV-Export.",
                  "en": "The first {n} of {total}; all of them in the CSV export."},
    "col_name": {"de": "Name", "en": "Name"},
    "col_kind": {"de": "Art", "en": "Type"},
    "symbols": {"de": "Symbole", "en": "Symbols"},
    "col_stage": {"de": "Stufen", "en": "Stages"},
    "col_distance": {"de": "Entfernung", "en": "Distance"},
    "col_nearest": {"de": "Nächstes passendes Angebot", "en": "Nearest matching offer"},
    "col_in_areas": {"de": "Gebiete", "en": "Areas"},
    "col_map": {"de": "Karte", "en": "Map"},
    "show_on_map": {"de": "Zeigen", "en": "Show"},
    "exports": {"de": "Export", "en": "Export"},
    "export_underserved": {"de": "Unterversorgte als CSV", "en": "Underserved as CSV"},
    "export_areas": {"de": "Gebietskennzahlen als CSV", "en": "Area figures as CSV"},
    "export_grid": {"de": "Raster als GeoJSON", "en": "Grid as GeoJSON"},
    "export_map": {"de": "Karte als HTML (offline)", "en": "Map as HTML (offline)"},
    "export_api": {"de": "Alles als JSON (API)", "en": "Everything as JSON (API)"},
    "none": {"de": "–", "en": "–"},
    "unit_pp": {"de": "Pp.", "en": "pp"},
    "kind_school": {"de": "Schule", "en": "School"},
    "kind_daycare": {"de": "Kita", "en": "Day care"},
}


def texts(lang: str) -> dict[str, str]:
    """Explorer texts overlaid with the planner's (planner keys win)."""
    out = explorer_texts(lang)
    out.update({key: value.get(lang) or value["de"] for key, value in TEXTS.items()})
    return out


def km(metres: float | None, lang: str, digits: int = 1, exact: bool = False) -> str:
    """1500 -> '1,5 km' (de) / '1.5 km' (en); below 1 km in metres. ``exact`` keeps the
    trailing zeros, so a measured value never reads as a round setting."""
    if metres is None:
        return TEXTS["none"][lang]
    if metres < 1000:
        return f"{round(metres):d} m"
    text = f"{metres / 1000:.{digits}f}"
    if not exact:
        text = text.rstrip("0").rstrip(".")
    return (text.replace(".", ",") if lang == "de" else text) + " km"


def distance(metres: float | None, lang: str) -> str:
    """A measured distance to 10 m: 1966 -> '1,97 km', 2000 -> '2,00 km' (a reach such as
    '2 km' is a setting, see km())."""
    return km(metres, lang, digits=2, exact=True)


def percent(value: float | None, lang: str) -> str:
    if value is None:
        return TEXTS["none"][lang]
    text = f"{100 * value:.0f} %"
    return text if lang == "de" else text.replace(" %", "%")
