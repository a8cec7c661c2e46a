"""Abuse mode of the load test (issue 13): 40 source addresses on 127.0.0.0/8 hammer the
planner's coverage analyses and exports, each asking for new work, while 10 normal clients
browse; reports the normal clients' p50/p99, what the abusers got, and the server's RSS.

Bounded in time; traffic only to 127.0.0.1 (the abusers bind 127.0.0.2-41 as source
addresses, which the loopback network answers). Writes bench-results/abuse.json and the
README section between ``<!-- abuse:start -->`` and ``<!-- abuse:end -->``.

    .venv/bin/python scripts/loadtest_abuse.py --seconds 30
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


def run(seconds: float) -> dict:
    with production_server({"EXPLORER_RELOAD_INTERVAL": "0"}) as (host, proc):
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
                                                  "p99_ms")},
            "abuser_statuses": {str(k): v for k, v in sorted(counts.items(), key=str)},
            "abuser_rate": round(sum(counts.values()) / seconds),
            "rss_max_mib": round(max(rss) / 1024, 1), "rss_start_mib": round(rss[0] / 1024, 1),
            "machine": f"{platform.processor() or platform.machine()}, Python "
                       f"{platform.python_version()}",
            "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}


def readme_section(r: dict) -> str:
    b, u, s = r["baseline"], r["under_abuse"], r["abuser_statuses"]
    met = (u["p99_ms"] or 1e9) <= 50 and r["rss_max_mib"] <= 300
    return (f"Latest `scripts/loadtest_abuse.py` ({r['when']}; {r['machine']}): "
            f"{r['abusers']} source addresses asked for new 100 m analyses and grid exports "
            f"for {r['seconds']:g} s, each sending its next request as soon as it had an "
            f"answer, while {r['normal_clients']} normal clients browsed at "
            f"{1 / INTERVAL:g} requests/s each (latency counted from each request's planned "
            f"time, so a stalled server is not hidden).\n\n"
            f"| | requests | p50 | p99 |\n|---|---:|---:|---:|\n"
            f"| normal clients alone | {b['requests']} | {b['p50_ms']} ms | {b['p99_ms']} ms |\n"
            f"| normal clients under abuse | {u['requests']} | {u['p50_ms']} ms | "
            f"{u['p99_ms']} ms |\n\n"
            f"The abusers got {', '.join(f'{v} × {k}' for k, v in s.items())}. Server RSS "
            f"{r['rss_start_mib']} MiB before, at most {r['rss_max_mib']} MiB during "
            f"({r['abuser_rate']:g} abusive requests/s in all). Target "
            f"(normal p99 ≤ 50 ms, RSS ≤ 300 MiB): {'met' if met else 'MISSED'}.\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    result = run(args.seconds)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "abuse.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    text = README.read_text(encoding="utf-8")
    section = f"<!-- abuse:start -->\n{readme_section(result)}<!-- abuse:end -->"
    if "<!-- abuse:start -->" in text:
        text = re.sub(r"<!-- abuse:start -->.*?<!-- abuse:end -->", lambda _m: section, text,
                      flags=re.S)
        README.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
