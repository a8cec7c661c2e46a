"""The benchmark's synthetic data is valid project data inside Bochum (no timing here)."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import sys
from pathlib import Path

from explorer.load import load_dataset
from explorer.schema import BOCHUM_BBOX, STADTBEZIRKE

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bench_data.py"


def bench_data():
    spec = importlib.util.spec_from_file_location("bench_data", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_data", module)
    spec.loader.exec_module(module)
    return module


def test_300_synthetic_places_pass_validation_inside_bochum(tmp_path: Path):
    bd = bench_data()
    data_dir = bd.write_dataset(tmp_path / "data", 300)
    dataset = load_dataset(data_dir)  # raises DataError listing every problem
    assert len(dataset.places) == 300
    assert len({f["id"] for f in dataset.places}) == 300
    w, s, e, n = BOCHUM_BBOX
    postcodes = {g["name"] for g in dataset.gazetteer if g["kind"] == "postcode"}
    for f in dataset.places:
        lon, lat = f["geometry"]["coordinates"]
        assert w <= lon <= e and s <= lat <= n, f["id"]
        p = f["properties"]
        assert p["stadtbezirk"] in STADTBEZIRKE
        assert p["address"]["postcode"] in postcodes
        assert 1 <= len(bd.union(p, "topics")) <= 4 and 3 <= len(p["offers"]) <= 7
        assert len(p["description"]["de"]) >= 150
    share = sum(bd.BENCH_TOPIC in bd.union(f["properties"], "topics")
                for f in dataset.places) / 300
    assert 0.12 <= share <= 0.28
    offers = [o for f in dataset.places for o in f["properties"]["offers"]]
    assert 4.5 <= len(offers) / 300 <= 5.5  # the offers issue: 5 per place on average
    kinds = {(o["when"] or {}).get("type") for o in offers}
    assert kinds == {"on_request", "recurring", "sessions", "season", None}


def test_fixed_seed_and_sqlite_rows(tmp_path: Path):
    bd = bench_data()
    assert bd.generate(50) == bd.generate(50)
    data_dir = bd.write_dataset(tmp_path / "data", 50)
    db = bd.write_sqlite(data_dir, tmp_path / "places.db")
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT id, latitude, longitude, topics FROM places").fetchall()
    finally:
        con.close()
    features = json.loads((data_dir / "places.geojson").read_text("utf-8"))["features"]
    assert [r[0] for r in rows] == [f["id"] for f in features]
    assert all(isinstance(json.loads(r[3]), list) for r in rows)
