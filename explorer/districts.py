"""Bochum's official spatial division: 6 Stadtbezirke and 30 statistical districts.

The city council fixed this division (6 Stadtbezirke, 30 "Statistische Bezirke", 154
statistical quarters) as of 1 Jan 1981; the curated data names a place's Stadtteil by its
statistical district so that counts per Stadtteil match the city's statistics. Colloquial
names (Innenstadt, Weitmar, Sundern, Bärendorf, Ehrenfeld) are quarters or Ortsteile, not
statistical districts. Sources (read 2026-12-02): the WAZ statistics series, which names
the city as its source and lists the districts
(https://app-webview.sparknews.funkemedien.de/nrw-waz/staedte/bochum/article212639381/weitmar-mark-ein-stadtteil-mit-alter-bevoelkerung.html,
https://app-webview.sparknews.funkemedien.de/nrw-waz/staedte/bochum/article4566008/altersschnitt-wird-auch-vom-auslaenderanteil-gepraegt.html),
and the table of de.wikipedia "Stadtgliederung Bochums" (mirror
https://speed.lescigales.org/xypor/index.php?q=aHR0cHM6Ly9kZS53aWtpLmxpL1N0YWR0Z2xpZWRlcnVuZ19Cb2NodW1z).
"""

from __future__ import annotations

STADTTEILE: dict[str, tuple[str, ...]] = {
    "Bochum-Mitte": ("Grumme", "Gleisdreieck", "Altenbochum", "Südinnenstadt", "Kruppwerke",
                     "Hamme", "Hordel", "Hofstede", "Riemke"),
    "Wattenscheid": ("Günnigfeld", "Wattenscheid-Mitte", "Leithe", "Westenfeld", "Höntrop",
                     "Eppendorf"),
    "Bochum-Nord": ("Bergen/Hiltrop", "Gerthe", "Harpen/Rosenberg",
                    "Kornharpen/Voede-Abzweig"),
    "Bochum-Ost": ("Laer", "Werne", "Langendreer-Alter Bahnhof", "Langendreer"),
    "Bochum-Süd": ("Wiemelhausen/Brenschede", "Stiepel", "Querenburg"),
    "Bochum-Südwest": ("Weitmar-Mitte", "Weitmar-Mark", "Linden", "Dahlhausen"),
}
STADTBEZIRKE = tuple(STADTTEILE)
BEZIRK_OF = {teil: bezirk for bezirk, teile in STADTTEILE.items() for teil in teile}
# The Wikipedia table says Ehrenfeld, a quarter of Wiemelhausen/Brenschede (Bochum-Süd),
# belongs to the Stadtbezirk Bochum-Mitte: the one place where the two levels would not be
# nested. Another version of the table puts Ehrenfeld into Südinnenstadt; records in
# Ehrenfeld therefore leave the Stadtteil null until the city's map settles it.
EXCEPTIONS = {("Wiemelhausen/Brenschede", "Bochum-Mitte")}


def stadtteil_problem(stadtteil: object, stadtbezirk: object) -> str | None:
    """Why the pair is not an official one, or None (an unknown Stadtteil is allowed)."""
    if stadtteil is None:
        return None
    if not isinstance(stadtteil, str) or stadtteil not in BEZIRK_OF:
        own = STADTTEILE.get(stadtbezirk) if isinstance(stadtbezirk, str) else None
        where = (f"those of {stadtbezirk} are {', '.join(own)}" if own
                 else "see explorer/districts.py")
        return f"{stadtteil!r} is not one of Bochum's 30 statistical districts ({where})"
    if BEZIRK_OF[stadtteil] != stadtbezirk and (stadtteil, stadtbezirk) not in EXCEPTIONS:
        return f"{stadtteil!r} lies in Stadtbezirk {BEZIRK_OF[stadtteil]!r}, not {stadtbezirk!r}"
    return None
