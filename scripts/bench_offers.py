"""Benchmark for the offers issue: /api/offers with offer-level filters, in one run with
today's /api/places, a floor and the GeoDataFrame alternative.

For 300, 10,000 and 100,000 synthetic places (scripts/bench_data.py: about 5 offers per
place, with ages, costs and times) it starts ``explorer serve`` on 127.0.0.1 with the answer
cache off (every request filters and serialises: "cold") and measures

- ``/api/places?topic=X&view=map`` cold (today's contract, as the map fetches it);
- ``/api/offers?topic=X&age=9&from=SAT&to=SUN&view=map`` cold (the offer-level filter
  ``topic + age + from/to``);
- the floor: the same answer's bytes from a bare ``http.server`` on loopback (no work);
- ``GeoDataFrame.to_json()`` of the same answer (the same offers as a GeoDataFrame).

Times are never asserted. Writes bench-results/offers.json and rewrites the README section
between ``<!-- bench-offers:start -->`` and ``<!-- bench-offers:end -->`` (not with --quick).

    .venv/bin/python scripts/bench_offers.py           # 300, 10,000 and 100,000 places
    .venv/bin/python scripts/bench_offers.py --quick   # 300 and 10,000, fewer requests
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.server
import json
import platform
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import geopandas as gpd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (sibling script: servers, timing)
import bench_data  # noqa: E402

TOPIC = bench_data.BENCH_TOPIC
AGE = 9
REQUESTS = {300: 200, 10_000: 100, 100_000: 40}
QUICK_REQUESTS = {300: 40, 10_000: 20}
START, END = "<!-- bench-offers:start -->", "<!-- bench-offers:end -->"


def weekend(today: dt.date) -> tuple[dt.date, dt.date]:
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    return saturday, saturday + dt.timedelta(days=1)


def to_json_ms(body: bytes, repeats: int) -> dict:
    """``GeoDataFrame.to_json()`` of the answer's features, built once, dumped per request."""
    features = json.loads(body)["features"]
    rows = []
    for f in features:
        p = dict(f["properties"])
        place = p.pop("place")
        p.update({f"place_{k}": v for k, v in place.items() if not isinstance(v, dict)})
        rows.append({"type": "Feature", "geometry": f["geometry"], "properties": p})
    frame = gpd.GeoDataFrame.from_features(rows, crs="EPSG:4326")
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        frame.to_json()
        times.append(time.perf_counter() - t0)
    return bench.summary_ms(times)


@contextlib.contextmanager
def floor_server(body: bytes):
    """A bare HTTP/1.1 server on 127.0.0.1 answering every GET with ``body``."""
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:  # no Nagle delay between headers and body
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self.send_response(200)
            self.send_header("Content-Type", "application/geo+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        thread.join(timeout=5)


def measure(n: int, work: Path, requests: int, budget_s: float) -> dict:
    data_dir = bench_data.write_dataset(work / f"data-{n}", n)
    state = work / f"state-{n}"
    state.mkdir(exist_ok=True)
    saturday, sunday = weekend(dt.date.today())
    places = f"/api/places?topic={TOPIC}&lang=de&view=map"
    offers = (f"/api/offers?topic={TOPIC}&age={AGE}&from={saturday}&to={sunday}"
              "&lang=de&view=map")
    out: dict = {"places": n, "offers_path": offers}
    port = bench.free_port()
    env = bench.explorer_env(data_dir, state, port, cache_mb=0)
    with bench.running(f"offers-{n}", bench.explorer_cmd(), env, port, "/healthz",
                       work) as server:
        bench.log(f"  {n}: server up in {server.started_s:.1f} s")
        out["started_s"] = round(server.started_s, 2)
        for key, path in (("places_cold", places), ("offers_cold", offers)):
            series = bench.timed_series(port, bench.same(path), requests, bench.IDENTITY,
                                        budget_s)
            body = series.pop("_body")
            series["count"] = json.loads(body)["count"]
            out[key] = series
    with floor_server(body) as floor_port:
        series = bench.timed_series(floor_port, bench.same("/"), requests, bench.IDENTITY,
                                    budget_s)
        series.pop("_body")
        out["offers_warm"] = series
    out["to_json"] = to_json_ms(body, max(3, min(requests, 30)))
    cold = out["offers_cold"]["p50_ms"]
    out["ratios"] = {
        "offers_vs_places_cold": round(cold / out["places_cold"]["p50_ms"], 2),
        "to_json_vs_offers_cold": round(out["to_json"]["p50_ms"] / cold, 1),
        "offers_cold_vs_floor": round(cold / out["offers_warm"]["p50_ms"], 1),
    }
    return out


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, Python {platform.python_version()}"


def markdown(results: list[dict], when: str) -> str:
    rows = ["| places (offers ≈ 5×) | `/api/places` cold p50 | `/api/offers` topic+age+weekend: "
            "cold p50 / p99 | answer (offers, MiB) | floor: same bytes, bare server | "
            "`GeoDataFrame.to_json()` of it | offers ÷ places | to_json ÷ offers |",
            "|---|---|---|---|---|---|---|---|"]
    for r in results:
        c, w, p, j = r["offers_cold"], r["offers_warm"], r["places_cold"], r["to_json"]
        rows.append(
            f"| {r['places']:,} | {p['p50_ms']:.2f} ms | {c['p50_ms']:.2f} / {c['p99_ms']:.2f} ms"
            f" | {c['count']:,}, {c['raw_bytes'] / 2**20:.2f} | {w['p50_ms']:.2f} ms | "
            f"{j['p50_ms']:.2f} ms | {r['ratios']['offers_vs_places_cold']}x | "
            f"{r['ratios']['to_json_vs_offers_cold']}x |")
    big = results[-1]
    verdict = (f"At {big['places']:,} places: `/api/offers` cold is "
               f"{big['ratios']['offers_vs_places_cold']}x `/api/places` cold (target ≤ 2x: "
               f"{'met' if big['ratios']['offers_vs_places_cold'] <= 2 else 'MISSED'}) and "
               f"`to_json()` of the same answer takes {big['ratios']['to_json_vs_offers_cold']}x "
               f"as long (target ≥ 10x: "
               f"{'met' if big['ratios']['to_json_vs_offers_cold'] >= 10 else 'MISSED'}).")
    return "\n".join([f"Latest `scripts/bench_offers.py` ({when}; {machine()}; identity "
                      "encoding, answer cache off):", "", *rows, "", verdict])


def write_readme(text: str) -> None:
    bench.write_readme_section(START, END, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    plan = QUICK_REQUESTS if args.quick else REQUESTS
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-offers-") as tmp:
        for n, requests in plan.items():
            bench.log(f"offers benchmark: {n} places")
            results.append(measure(n, Path(tmp), requests, 30.0 if args.quick else 90.0))
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    bench.RESULTS.mkdir(exist_ok=True)
    (bench.RESULTS / "offers.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    text = markdown(results, when)
    print(text)
    if not args.quick:
        write_readme(text)
    ratios = [r["ratios"]["offers_vs_places_cold"] for r in results]
    bench.log(f"offers/places cold ratios: {ratios} (median {statistics.median(ratios)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
