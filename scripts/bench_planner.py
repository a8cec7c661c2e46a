"""Benchmark the planner: one coverage analysis at 300, 10,000 and 100,000 offers, 100 m cells.

Synthetic places lie uniformly inside Bochum's bounding box (fixed seed); each copies the
topics, groups and kind of a random curated place, so the filter mix is realistic. Demand
is 300 synthetic schools and day-care centres (about the open-data import's size).
Each figure is the median of ``--runs`` cold analyses (fresh cache); peak memory is
tracemalloc's peak for one analysis (numpy buffers; scipy's tree internals are not traced)
plus the process's maximum RSS. Writes bench-results/planner.json and prints a table.

    .venv/bin/python scripts/bench_planner.py [--runs 5] [--sizes 300,10000,100000]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import resource
import statistics
import time
import tracemalloc
from pathlib import Path

import geopandas as gpd
import numpy as np

from explorer.config import REPO_ROOT
from explorer.layers import Layer
from explorer.load import load_dataset
from explorer.planner import export, mapview
from explorer.planner.geometry import bbox_study_area
from explorer.planner.params import CoverageParams
from explorer.planner.sources import Planner
from explorer.planner.texts import texts
from explorer.schema import BOCHUM_BBOX
from explorer.store import Snapshot

SEED = 20261124
SCENARIOS = {"all offers": CoverageParams(cell_m=100),
             "topic=physik, group=grundschule": CoverageParams(
                 topics=("physik",), groups=("grundschule",), cell_m=100)}


def synthetic_snapshot(n: int, rng: np.random.Generator) -> Snapshot:
    dataset = load_dataset(REPO_ROOT / "geodata")
    templates = [f["properties"] for f in dataset.places]
    w, s, e, north = BOCHUM_BBOX
    lon, lat = rng.uniform(w, e, n), rng.uniform(s, north, n)
    picks = rng.integers(0, len(templates), n)
    places = [{"type": "Feature", "id": f"bench-{i}",
               "geometry": {"type": "Point", "coordinates": [round(lon[i], 6), round(lat[i], 6)]},
               "properties": {"name": f"Bench {i}", "kind": templates[k]["kind"],
                              "offers": [dict(o, id=f"{o['id']}-{i}")
                                         for o in templates[k]["offers"]],
                              "description": {"de": "synthetisch"}}}
              for i, k in enumerate(picks.tolist())]
    dataset = dataclasses.replace(dataset, places=places, version=f"bench-{n}")
    return Snapshot.build(dataset, synthetic_layers(rng))


def synthetic_layers(rng: np.random.Generator) -> dict[str, Layer]:
    w, s, e, north = BOCHUM_BBOX
    stages = [["grundschule"]] * 60 + [["sek1", "sek2"]] * 30 + [["sek1"]] * 10
    layers = {}
    for name, groups in (("schools", stages), ("daycare", [["kita"]] * 200)):
        n = len(groups)
        frame = gpd.GeoDataFrame(
            {"poi_id": [str(i) for i in range(n)], "name": [f"{name} {i}" for i in range(n)],
             "kind": ["daycare" if name == "daycare" else "school"] * n, "categories": [[]] * n,
             "groups": groups, "street": [""] * n, "postcode": [""] * n, "website": [None] * n},
            geometry=gpd.points_from_xy(rng.uniform(w, e, n), rng.uniform(s, north, n)),
            crs="EPSG:4326")
        layers[name] = Layer(name, frame, "", f"bench-{name}")
    return layers


def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench(n: int, runs: int) -> list[dict]:
    snap = synthetic_snapshot(n, np.random.default_rng(SEED))
    study = bbox_study_area()
    warm = Planner()
    warm.coverage(snap, CoverageParams(cell_m=100), study)  # per-version inputs, imports
    rows = []
    for label, params in SCENARIOS.items():
        def cold(params=params):
            planner = Planner()
            planner.inputs = warm.inputs  # per-version projections are built once per reload
            return planner.coverage(snap, params, study)
        seconds, (coverage, facts) = timed(cold, runs)
        tracemalloc.start()
        cold()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        json_s, _ = timed(lambda c=coverage, f=facts, p=params: export.coverage_json(
            c, p.as_dict(), "de", f), max(1, runs // 2))
        map_s, _ = timed(lambda c=coverage: mapview.parts(mapview.build(
            c, snap.dataset.areas, "de", texts("de"))), max(1, runs // 2))
        warm.coverage(snap, params, study)
        cached_s, _ = timed(lambda p=params: warm.coverage(snap, p, study), runs)
        rows.append({
            "offers_total": n, "scenario": label, "offers_matching": len(coverage.offers),
            "cells": len(coverage.cells.grid), "demand_points": len(coverage.served.points),
            "analysis_s": round(seconds, 4), "api_json_s": round(json_s, 4),
            "map_build_s": round(map_s, 4), "cached_lookup_ms": round(cached_s * 1000, 3),
            "tracemalloc_peak_mib": round(peak / 2**20, 1),
        })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="300,10000,100000")
    parser.add_argument("--out", default=str(REPO_ROOT / "bench-results" / "planner.json"))
    args = parser.parse_args()
    rows = []
    for n in (int(v) for v in args.sizes.split(",")):
        rows += bench(n, args.runs)
    maxrss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {"seed": SEED, "runs": args.runs, "cell_m": 100, "reach_km": 2,
              "python": platform.python_version(), "machine": platform.machine(),
              "process_max_rss_mib": round(maxrss_mib, 1), "rows": rows}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    head = ("offers", "scenario", "matching", "cells", "analysis s", "API JSON s", "map s",
            "cached ms", "peak MiB")
    print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for r in rows:
        print(f"| {r['offers_total']:,} | {r['scenario']} | {r['offers_matching']:,} | "
              f"{r['cells']:,} | {r['analysis_s']:.3f} | {r['api_json_s']:.3f} | "
              f"{r['map_build_s']:.3f} | {r['cached_lookup_ms']:.3f} | "
              f"{r['tracemalloc_peak_mib']} |")
    print(f"\nprocess max RSS {maxrss_mib:.0f} MiB; written to {out}")


if __name__ == "__main__":
    main()
