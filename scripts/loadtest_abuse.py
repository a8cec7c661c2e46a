"""Abuse mode of the load test (issue 13): 40 source addresses on 127.0.0.0/8 hammer the
planner's coverage analyses and exports, each asking for new work, while 10 normal clients
browse; reports the normal clients' p50/p99, what the abusers got, and the server's RSS,
with the product's settings and with each defence turned off in turn (see VARIANTS).

Bounded in time; traffic only to 127.0.0.1 (the abusers bind 127.0.0.2-41 as source
addresses, which the loopback network answers). Writes bench-results/abuse.json and the
README section between ``<!-- abuse:start -->`` and ``<!-- abuse:end -->``.

    .venv/bin/python scripts/loadtest_abuse.py --seconds 30 --repeat 2
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import http.client
import json
import platform
import re
import threading
import time

from loadtest import README, RESULTS, production_server, request_mix, rss_kib, run_clients

ABUSERS = 40
NORMAL = 10
INTERVAL = 0.1  # s between a normal client's requests: browsing, 100 requests/s in all


def abuse(host: str, index: int, stop_at: float, counts: collections.Counter,
          lock: threading.Lock) -> None:
    """One abusive address: always a new analysis (another reach), and its exports."""
    source = (f"127.0.0.{index + 2}", 0)
    conn = http.client.HTTPConnection(host, timeout=30, source_address=source)
    n = 0
    while time.monotonic() < stop_at and n < 100_000:
        n += 1
        reach = f"{index + 1}.{n % 10}"
        path = (f"/api/coverage?cell_m=100&reach_km={reach}" if n % 2 else
                f"/planner/export/grid.geojson?cell_m=100&reach_km={reach}")
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = "error"
            conn.close()
            conn = http.client.HTTPConnection(host, timeout=30, source_address=source)
        with lock:
            counts[status] += 1
    conn.close()


def run(seconds: float, settings: dict[str, str] | None = None) -> dict:
    env = {"EXPLORER_RELOAD_INTERVAL": "0", **(settings or {})}
    with production_server(env) as (host, proc):
        mix = request_mix(host)
        run_clients(host, mix, NORMAL, seconds=20, max_requests=len(mix))  # warm-up
        baseline = run_clients(host, mix, NORMAL, seconds=seconds / 2, max_requests=10**6,
                               interval=INTERVAL)
        rss = [rss_kib(proc.pid)]
        stop_at = time.monotonic() + seconds
        counts: collections.Counter = collections.Counter()
        lock = threading.Lock()
        threads = [threading.Thread(target=abuse, args=(host, i, stop_at, counts, lock))
                   for i in range(ABUSERS)]
        for t in threads:
            t.start()
        sampler_stop = threading.Event()

        def sample() -> None:
            while not sampler_stop.wait(0.5):
                rss.append(rss_kib(proc.pid))
        sampler = threading.Thread(target=sample)
        sampler.start()
        under = run_clients(host, mix, NORMAL, seconds=seconds, max_requests=10**6, seed=7,
                            interval=INTERVAL)
        for t in threads:
            t.join(timeout=seconds + 60)
        sampler_stop.set()
        sampler.join()
    return {"seconds": seconds, "abusers": ABUSERS, "normal_clients": NORMAL,
            "baseline": {k: baseline[k] for k in ("requests", "p50_ms", "p99_ms")},
            "under_abuse": {k: under[k] for k in ("requests", "error_count", "p50_ms",
                                                  "p99_ms", "slowest", "slow_by_second")},
            "abuser_statuses": {str(k): v for k, v in sorted(counts.items(), key=str)},
            "abuser_rate": round(sum(counts.values()) / seconds),
            "rss_max_mib": round(max(rss) / 1024, 1), "rss_start_mib": round(rss[0] / 1024, 1),
            "machine": f"{platform.processor() or platform.machine()}, Python "
                       f"{platform.python_version()}",
            "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}


# The product's defaults, and what each of this defences is worth: the same run
# without it (the "before" of each, measured side by side rather than remembered).
VARIANTS = [
    ("as configured", {}),
    ("refusals answered at once (`PLANNER_HOLD_S=0`)", {"EXPLORER_PLANNER_HOLD_S": "0"}),
    ("no per-process bound (`PLANNER_REQUESTS_PER_SECOND=0`)",
     {"EXPLORER_PLANNER_REQUESTS_PER_SECOND": "0"}),
]


def met(r: dict) -> bool:
    return (r["under_abuse"]["p99_ms"] or 1e9) <= 50 and r["rss_max_mib"] <= 300


def worst(results: list[dict]) -> dict:
    """Repeated runs of one variant as one: the worst p99 and RSS, and the spread of what
    the abusers got (how much work got in varies with their timing)."""
    w = max(results, key=lambda r: (r["under_abuse"]["p99_ms"] or 1e9))
    statuses: dict[str, list[int]] = {}
    for r in results:
        for k, v in r["abuser_statuses"].items():
            statuses.setdefault(k, []).append(v)
    return {**w, "rss_max_mib": max(r["rss_max_mib"] for r in results),
            "rss_start_mib": max(r["rss_start_mib"] for r in results),
            "abuser_rate": max(r["abuser_rate"] for r in results),
            "runs": len(results),
            "abuser_statuses": {k: (f"{min(v)}–{max(v)}" if min(v) != max(v) else str(v[0]))
                                for k, v in statuses.items()}}


def readme_section(runs: list[tuple[str, dict]]) -> str:
    first = runs[0][1]
    b = first["baseline"]
    rows = "".join(
        f"| under abuse, {name} | {r['under_abuse']['requests']} | "
        f"{r['under_abuse']['p50_ms']} ms | {r['under_abuse']['p99_ms']} ms | "
        f"{r['rss_max_mib']} MiB | {r['abuser_rate']:g}/s | "
        f"{', '.join(f'{v} × {k}' for k, v in r['abuser_statuses'].items())} |\n"
        for name, r in runs)
    return (f"Latest `scripts/loadtest_abuse.py` ({first['when']}; {first['machine']}): "
            f"{first['abusers']} source addresses asked for new 100 m analyses and grid "
            f"exports for {first['seconds']:g} s, each sending its next request as soon as it "
            f"had an answer, while {first['normal_clients']} normal clients browsed at "
            f"{1 / INTERVAL:g} requests/s each (latency counted from each request's planned "
            f"time, so a stalled server is not hidden). Each variant ran {first['runs']} "
            f"times, each on its own server; a row shows the run with the worst p99, the "
            f"most RSS any run had during the abuse (the servers started at up to "
            f"{first['rss_start_mib']} MiB) and the range of what the abusers got.\n\n"
            f"| normal clients | requests | p50 | p99 | RSS | abusive requests | "
            f"the abusers got |\n|---|---:|---:|---:|---:|---:|---|\n"
            f"| alone (the floor) | {b['requests']} | {b['p50_ms']} ms | {b['p99_ms']} ms | "
            f"{first['rss_start_mib']} MiB | | |\n{rows}\n"
            f"Target (normal p99 ≤ 50 ms, RSS ≤ 300 MiB) with the product's settings: "
            f"{'met' if met(first) else 'MISSED'}.\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--repeat", type=int, default=2, help="runs per variant")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a server setting for one variant instead of the comparison "
                             "(EXPLORER_ prefix implied); the README is then left alone")
    args = parser.parse_args()
    settings = dict(f"EXPLORER_{item}".split("=", 1) for item in args.set)
    variants = [("with " + ", ".join(args.set), settings)] if settings else VARIANTS
    runs = []
    for name, env in variants:
        results = [run(args.seconds, env) for _ in range(max(1, args.repeat))]
        for result in results:
            print(name, json.dumps(result, indent=2), flush=True)
        runs.append((name, {**worst(results), "settings": env}))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "abuse.json").write_text(json.dumps(dict(runs), indent=2))
    text = README.read_text(encoding="utf-8")
    section = f"<!-- abuse:start -->\n{readme_section(runs)}<!-- abuse:end -->"
    if "<!-- abuse:start -->" in text and not settings:
        text = re.sub(r"<!-- abuse:start -->.*?<!-- abuse:end -->", lambda _m: section, text,
                      flags=re.S)
        README.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
