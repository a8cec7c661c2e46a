"""Synthetic MINT places inside Bochum for the benchmarks (issue 6); fixed seed, not committed.

Each place is jittered around a real Stadtteil point of ``geodata/gazetteer.json`` (so the
density follows the city's districts, not a uniform box), gets the nearest Bochum postcode
and the Stadtteil's Stadtbezirk, a name that fits its kind, German and English descriptions
of realistic length (3-4 sentences), 1-4 topics (about a fifth of all places carry
:data:`BENCH_TOPIC`), 1-4 target groups and 3-7 offers (5 on average) with their own
topics, groups, ages, costs and times (on request, weekly, dated sessions, seasons).
Every record passes ``explorer check``.

    .venv/bin/python scripts/bench_data.py 10000 /tmp/bench-data   # writes a DATA_DIR
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import re
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
GEODATA = REPO / "geodata"
SEED = 20261124
BENCH_TOPIC = "physik"  # carried by ~20 % of places; datasette filter: topics__contains=physik
BENCH_TOPIC_SHARE = 0.2
BBOX = (7.10, 51.40, 7.35, 51.54)  # W, S, E, N (explorer.schema.BOCHUM_BBOX)
INNER = (7.105, 51.405, 7.345, 51.535)  # keep a small margin from the validation box
COPIED_FILES = ("taxonomy.json", "areas.geojson", "gazetteer.json", "school_holidays.json",
                "synonyms.json")

KIND_WEIGHTS = {
    "school": 34, "school_lab": 10, "library": 9, "makerspace": 9, "garden": 8, "museum": 7,
    "other": 14, "university": 4, "zoo": 1, "observatory": 2, "planetarium": 2,
}
NAMES: dict[str, list[str]] = {
    "school": ["Grundschule {where}", "Gymnasium {where}", "Gesamtschule {where}",
               "Realschule {where}", "Städtische Gemeinschaftsgrundschule {where}",
               "Technisches Berufskolleg {where}", "Goethe-Schule {where}",
               "Lessing-Gymnasium {where}", "Erich-Kästner-Schule {where}"],
    "school_lab": ["Schülerlabor {subject} {where}", "zdi-Labor {where}",
                   "Experimentierwerkstatt {subject} {where}", "Lernlabor {subject} {where}"],
    "library": ["Stadtbücherei {where}", "Stadtteilbibliothek {where}",
                "MINT-Medienecke der Bücherei {where}"],
    "makerspace": ["Makerspace {where}", "FabLab {where}", "Repair-Café {where}",
                   "Offene Werkstatt {where}", "Coding-Club {where}"],
    "garden": ["Schulgarten {where}", "Naturlernort {where}", "Waldschule {where}",
               "Umweltstation {where}"],
    "museum": ["Museum für {subject} {where}", "Heimat- und Technikmuseum {where}",
               "Ausstellungshaus {subject} {where}"],
    "other": ["MINT-Treff {where}", "Jugendfreizeithaus {where}", "Familienzentrum {where}",
              "Forscherclub {where}", "Volkshochschule Lernzentrum {where}"],
    "university": ["Hochschulinstitut für {subject} ({where})",
                   "Campus {where}, Fachbereich {subject}"],
    "zoo": ["Tiergehege {where}", "Vogelpark {where}"],
    "observatory": ["Volkssternwarte {where}", "Beobachtungsstation {where}"],
    "planetarium": ["Kleinplanetarium {where}", "Sternenkuppel {where}"],
}
SUBJECTS = {"mathematik": "Mathematik", "informatik": "Informatik", "physik": "Physik",
            "chemie": "Chemie", "biologie": "Biologie", "astronomie": "Astronomie",
            "geowissenschaften": "Geowissenschaften", "technik": "Technik", "umwelt": "Umwelt"}
SUBJECTS_EN = {"mathematik": "mathematics", "informatik": "computer science",
               "physik": "physics", "chemie": "chemistry", "biologie": "biology",
               "astronomie": "astronomy", "geowissenschaften": "geosciences",
               "technik": "engineering", "umwelt": "the environment"}
DESC_DE = [
    "In {where} bietet die Einrichtung seit vielen Jahren Angebote rund um {subject} an.",
    "Schulklassen experimentieren hier in kleinen Gruppen und werden von erfahrenen "
    "Fachkräften begleitet.",
    "Die Räume sind mit Messgeräten, Laptops und Materialkisten ausgestattet, die auch "
    "ausgeliehen werden können.",
    "Termine für Gruppen werden nach Absprache vergeben; in den Ferien gibt es offene "
    "Angebote für Familien.",
    "Lehrkräfte finden Unterrichtsmaterial zur Vor- und Nachbereitung und können "
    "Fortbildungen besuchen.",
    "Die Haltestelle liegt wenige Gehminuten entfernt, sodass Klassen gut mit Bus und Bahn "
    "anreisen können.",
    "Ein Schwerpunkt liegt auf dem forschenden Lernen: Kinder stellen eigene Fragen und "
    "prüfen sie mit einfachen Versuchen.",
    "Kooperationen mit Schulen im Stadtbezirk sorgen für regelmäßige Projekttage und AGs.",
]
DESC_EN = [
    "In {where}, this place has offered activities around {subject} for many years.",
    "School classes experiment in small groups, supported by experienced staff.",
    "The rooms are equipped with measuring devices, laptops and material boxes that can "
    "also be borrowed.",
    "Group dates are arranged on request; during the holidays there are open activities "
    "for families.",
    "Teachers find material for preparing and following up lessons and can attend "
    "training courses.",
    "The stop is a few minutes' walk away, so classes can easily arrive by bus and tram.",
    "Inquiry-based learning is a focus: children ask their own questions and test them "
    "with simple experiments.",
    "Partnerships with schools in the district lead to regular project days and clubs.",
]
OFFERS: dict[str, list[tuple[str, str]]] = {
    "workshop": [("Workshop {subject} für Schulklassen", "{subject} workshop for classes"),
                 ("Mitmach-Werkstatt am Nachmittag", "Hands-on afternoon workshop")],
    "lab_day": [("Labortag mit eigenen Versuchen", "Lab day with own experiments"),
                ("Projekttag {subject}", "{subject} project day")],
    "guided_tour": [("Führung für Gruppen", "Guided tour for groups")],
    "course": [("Wöchentliche AG {subject}", "Weekly {subject} club"),
               ("Ferienkurs für Einsteiger", "Holiday course for beginners")],
    "exhibition": [("Dauerausstellung", "Permanent exhibition")],
    "event": [("Tag der offenen Tür", "Open day"), ("Forschernacht", "Research night")],
    "show": [("Vorführung mit Experimenten", "Show with experiments")],
    "self_guided": [("Lernpfad zum selbst Erkunden", "Self-guided learning trail")],
    "school_profile": [("MINT-Profil mit Wahlpflichtkursen", "STEM profile with electives")],
}
STREETS = [
    "Castroper Str.", "Universitätsstr.", "Wittener Str.", "Herner Str.", "Dorstener Str.",
    "Hattinger Str.", "Königsallee", "Alleestr.", "Kortumstr.", "Massenbergstr.",
    "Hiltroper Str.", "Harpener Hellweg", "Hauptstr.", "Markstr.", "Lennershofstr.",
    "Querenburger Str.", "Kemnader Str.", "Westring", "Ostring", "Südring", "Nordring",
    "Bergstr.", "Brückstr.", "Hochstr.", "Steinring", "Wattenscheider Hellweg", "Essener Str.",
    "Berliner Str.", "Freigrafendamm", "Unterstr.", "Kirchharpener Str.", "Blankensteiner Str.",
    "Prinz-Regent-Str.", "Overdyker Str.", "Engelsburger Str.", "Gerther Str.",
    "Werner Hellweg", "Alte Bahnhofstr.", "Ümminger Str.", "Hustadtring", "Am Ruhrort",
]
STOP_SUFFIXES = ["Mitte", "Kirche", "Markt", "Schule", "Rathaus", "Bahnhof", "Nord", "Süd"]
LINES = ["302", "305", "306", "308", "310", "318", "CE31", "345", "346", "353", "354", "365",
         "376", "S1", "U35"]
DATE0 = dt.date(2025, 1, 1)
DATE1 = dt.date.today() - dt.timedelta(days=30)  # dated offers around "now", inside the calendar


def slug(text: str) -> str:
    text = text.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(a, b)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def load_gazetteer(data_dir: Path = GEODATA) -> tuple[list[dict], list[dict]]:
    entries = json.loads((data_dir / "gazetteer.json").read_text(encoding="utf-8"))
    seen: set[tuple[float, float]] = set()
    districts = []
    for e in entries:
        if e["kind"] == "stadtteil" and e.get("stadtbezirk") and (e["lat"], e["lon"]) not in seen:
            seen.add((e["lat"], e["lon"]))
            districts.append(e)
    postcodes = [e for e in entries if e["kind"] == "postcode"]
    return districts, postcodes


def nearest(postcodes: list[dict], lat: float, lon: float) -> str:
    k = math.cos(math.radians(lat))
    best = min(postcodes, key=lambda e: (e["lat"] - lat) ** 2 + ((e["lon"] - lon) * k) ** 2)
    return best["name"]


def point_near(rng: random.Random, district: dict) -> tuple[float, float]:
    """A point about 1 km around the Stadtteil's point, always inside the city's box."""
    w, s, e, n = INNER
    lon = lat = 0.0
    for _ in range(20):  # bounded: most draws land inside at the first try
        lat = rng.gauss(district["lat"], 0.011)
        lon = rng.gauss(district["lon"], 0.016)
        if w <= lon <= e and s <= lat <= n:
            break
    return round(min(max(lon, w), e), 6), round(min(max(lat, s), n), 6)


def pick_topics(rng: random.Random, topics: list[str]) -> list[str]:
    others = [t for t in topics if t != BENCH_TOPIC]
    if rng.random() < BENCH_TOPIC_SHARE:
        return [BENCH_TOPIC, *rng.sample(others, rng.randint(0, 3))]
    return rng.sample(others, rng.randint(1, 4))


def description(rng: random.Random, where: str, topic: str) -> dict[str, str]:
    first = (DESC_DE[0].format(where=where, subject=SUBJECTS[topic]),
             DESC_EN[0].format(where=where, subject=SUBJECTS_EN[topic]))
    rest = rng.sample(range(1, len(DESC_DE)), rng.randint(2, 3))
    return {"de": " ".join([first[0], *(DESC_DE[i] for i in rest)]),
            "en": " ".join([first[1], *(DESC_EN[i] for i in rest)])}


def when(rng: random.Random) -> dict | None:
    """A realistic mix: bookable on request, weekly times, dated sessions, seasons."""
    roll = rng.random()
    if roll < 0.4:
        return {"type": "on_request"}
    if roll < 0.7:
        week = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
        days = ",".join(sorted(rng.sample(week, rng.randint(1, 3)), key=week.index))
        months = rng.choice(["", ";BYMONTH=3,4,5,6,7,8,9,10"])
        hour = rng.choice([10, 14, 15, 16])
        return {"type": "recurring", "dtstart": f"2026-01-0{rng.randint(1, 9)}T{hour}:00",
                "duration_min": rng.choice([60, 90, 120]),
                "rrule": f"FREQ=WEEKLY;BYDAY={days}{months}"}
    if roll < 0.85:
        first = DATE1 + dt.timedelta(days=rng.randint(0, 300))
        sessions = []
        for k in range(rng.randint(1, 4)):
            start = dt.datetime.combine(first + dt.timedelta(days=7 * k), dt.time(15))
            sessions.append({"start": start.isoformat(timespec="minutes"),
                             "end": (start + dt.timedelta(hours=2)).isoformat(timespec="minutes"),
                             "capacity": rng.choice([None, 12, 20, 30])})
        return {"type": "sessions", "sessions": sessions}
    if roll < 0.95:
        start = DATE1 + dt.timedelta(days=rng.randint(0, 300))
        return {"type": "season", "start": start.isoformat(),
                "end": (start + dt.timedelta(days=rng.randint(5, 40))).isoformat()}
    return None


def offer(rng: random.Random, kind: str, topics: list[str], groups: list[str], oid: str,
          website: str, formats: list[str]) -> dict:
    fmt = "school_profile" if kind == "school" and rng.random() < 0.5 else rng.choice(formats)
    topic = rng.choice(topics)
    de, en = rng.choice(OFFERS[fmt])
    grade_min = rng.choice([None, 0, 1, 3, 5, 7, 9, 11])
    grade_max = None if grade_min is None else rng.randint(max(grade_min, 4), 13)
    age_min = None
    if grade_min is not None and rng.random() < 0.6:
        age_min = grade_min + 5
    cost = rng.choice(["free", "free", "paid", "on_request", "unknown"])
    status = rng.choices(["active", "paused", "ended"], [90, 5, 5])[0]
    return {
        "id": oid,
        "title": {"de": de.format(subject=SUBJECTS[topic]),
                  "en": capitalise(en.format(subject=SUBJECTS_EN[topic]))},
        "topics": sorted(set(rng.sample(topics, rng.randint(1, min(2, len(topics)))))
                         | {topic}),
        "groups": rng.sample(groups, rng.randint(1, min(2, len(groups)))),
        "format": fmt,
        "grade_min": grade_min,
        "grade_max": grade_max,
        "age_min": age_min,
        "age_max": None if age_min is None else grade_max + 7,
        "cost": cost,
        "price_eur": rng.choice([3.0, 5.0, 8.5, 12.0]) if cost == "paid" else None,
        "booking": {"url": website + "/anmeldung"} if rng.random() < 0.4 else None,
        "when": when(rng),
        "status": status,
        "ended_on": "2026-06-30" if status == "ended" else None,
        "source": {"url": website, "checked": "2026-11-24"},
    }


def place(rng: random.Random, i: int, districts: list[dict], postcodes: list[dict],
          taxonomy: dict, seed: int) -> dict[str, Any]:
    kinds, weights = zip(*KIND_WEIGHTS.items(), strict=True)
    kind = rng.choices(kinds, weights)[0]
    district = rng.choice(districts)
    lon, lat = point_near(rng, district)
    topics = pick_topics(rng, list(taxonomy["topics"]))
    where = district["name"]
    name = rng.choice(NAMES[kind]).format(where=where, subject=SUBJECTS[topics[0]])
    pid = f"{slug(name)[:60].strip('-')}-{i}"
    website = f"https://{slug(name)[:40].strip('-')}-{i}.example.org"
    formats = [f for f in taxonomy["formats"] if f != "school_profile"]
    groups = rng.sample(list(taxonomy["groups"]), rng.randint(1, 4))
    transit = None
    if rng.random() < 0.7:
        transit = {"stop": f"{where.split('/')[0]} {rng.choice(STOP_SUFFIXES)}",
                   "lines": sorted(rng.sample(LINES, rng.randint(1, 3)))}
    return {
        "type": "Feature",
        "id": pid,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "name": name,
            "kind": kind,
            "address": {"street": f"{rng.choice(STREETS)} {rng.randint(1, 180)}",
                        "postcode": nearest(postcodes, lat, lon), "city": "Bochum"},
            "stadtteil": where,
            "stadtbezirk": district["stadtbezirk"],
            "coordinate_source": {
                "text": f"synthetic benchmark record (seed {seed}), jittered around the "
                        f"Stadtteil point of geodata/gazetteer.json",
                "url": None,
                "obtained": "2026-11-24",
            },
            "sources": [{"url": website, "read": "2026-11-24",
                         "about": "synthetic benchmark record"}],
            "website": website,
            "description": description(rng, where, topics[0]),
            "offers": [offer(rng, kind, topics, groups, f"{pid}-o{k}", website, formats)
                       for k in range(rng.randint(3, 7))],
            "wheelchair": rng.choice(["yes", "limited", "no", None]),
            "transit": transit,
            "checked": (DATE0 + dt.timedelta(days=rng.randint(0, 690))).isoformat(),
        },
    }


def generate(n: int, seed: int = SEED, data_dir: Path = GEODATA) -> dict[str, Any]:
    """A FeatureCollection of ``n`` synthetic places; the same ``n`` and seed give the same."""
    rng = random.Random(seed * 1_000_003 + n)
    taxonomy = json.loads((data_dir / "taxonomy.json").read_text(encoding="utf-8"))
    districts, postcodes = load_gazetteer(data_dir)
    return {"type": "FeatureCollection",
            "features": [place(rng, i, districts, postcodes, taxonomy, seed) for i in range(n)]}


def write_dataset(target: Path, n: int, seed: int = SEED) -> Path:
    """A complete DATA_DIR: synthetic places.geojson plus copies of the curated side files."""
    target.mkdir(parents=True, exist_ok=True)
    for name in COPIED_FILES:
        shutil.copyfile(GEODATA / name, target / name)
    collection = generate(n, seed)
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    (target / "places.geojson").write_text(text, encoding="utf-8")
    return target


def union(props: dict, key: str) -> list[str]:
    """A place's topics or groups: those of its offers that have not ended."""
    return sorted({v for o in props["offers"] if o["status"] != "ended" for v in o[key]})


def write_sqlite(data_dir: Path, db_path: Path) -> Path:
    """The same rows for datasette: one table, latitude/longitude columns, topics as text."""
    collection = json.loads((data_dir / "places.geojson").read_text(encoding="utf-8"))
    taxonomy = json.loads((data_dir / "taxonomy.json").read_text(encoding="utf-8"))
    db_path.unlink(missing_ok=True)
    con = sqlite3.connect(db_path)
    try:
        con.execute("CREATE TABLE places (id TEXT PRIMARY KEY, name TEXT, kind TEXT, "
                    "kind_label TEXT, street TEXT, postcode TEXT, stadtteil TEXT, "
                    "stadtbezirk TEXT, latitude REAL, longitude REAL, topics TEXT, "
                    "groups TEXT, website TEXT, description TEXT)")
        rows = []
        for f in collection["features"]:
            p = f["properties"]
            lon, lat = f["geometry"]["coordinates"]
            rows.append((f["id"], p["name"], p["kind"], taxonomy["kinds"][p["kind"]]["de"],
                         p["address"]["street"], p["address"]["postcode"], p["stadtteil"],
                         p["stadtbezirk"], lat, lon, json.dumps(union(p, "topics")),
                         json.dumps(union(p, "groups")), p["website"], p["description"]["de"]))
        con.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        con.commit()
    finally:
        con.close()
    return db_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of places")
    parser.add_argument("target", type=Path, help="folder to write (a DATA_DIR)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--sqlite", action="store_true", help="also write places.db")
    args = parser.parse_args(argv)
    write_dataset(args.target, args.n, args.seed)
    if args.sqlite:
        write_sqlite(args.target, args.target / "places.db")
    print(f"{args.n} places written to {args.target}", file=sys.stderr)


if __name__ == "__main__":
    main()
