"""Load test: concurrent clients against `explorer serve` (waitress) on 127.0.0.1.

Bounded in time and requests. Each client keeps its own keep-alive connection and walks a
realistic mix of endpoints (filtered lists, near-me searches from the gazetteer, single
places, taxonomy, areas, pages). Reports errors, latency percentiles and the server's
resident memory after warm-up and at the end.

    .venv/bin/python scripts/loadtest.py --seconds 60 --clients 20
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench-results"
README = REPO / "README.md"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


@contextlib.contextmanager
def production_server(env: dict[str, str] | None = None,
                      threads: int = 8) -> Iterator[tuple[str, subprocess.Popen]]:
    """`explorer serve` in a child process; always terminated."""
    port = free_port()
    child_env = {**os.environ, "EXPLORER_HOST": "127.0.0.1", "EXPLORER_PORT": str(port),
                 "EXPLORER_THREADS": str(threads), "EXPLORER_TILE_URL": "",
                 **(env or {})}
    explorer = Path(sys.executable).parent / "explorer"
    # A file, not a pipe: an unread pipe fills up and blocks the server's logging.
    with tempfile.NamedTemporaryFile("w+", prefix="explorer-serve-", suffix=".log",
                                     delete=False) as log:
        proc = subprocess.Popen([str(explorer), "serve"], env=child_env, stdout=log,
                                stderr=subprocess.STDOUT, text=True)
        proc.log_path = log.name  # type: ignore[attr-defined]
        try:
            wait_until_up(port, proc)
            yield f"127.0.0.1:{port}", proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_until_up(port: int, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {Path(proc.log_path).read_text()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server did not answer within {seconds} s")


def request_mix(host: str) -> list[tuple[str, str]]:
    """A finite set of (kind, path): what real visitors ask, so caches can warm up."""
    conn = http.client.HTTPConnection(host, timeout=10)
    conn.request("GET", "/api/taxonomy")
    tax = json.loads(conn.getresponse().read())
    conn.request("GET", "/api/gazetteer")
    gazetteer = json.loads(conn.getresponse().read())
    conn.request("GET", "/api/places?view=map")
    ids = [f["id"] for f in json.loads(conn.getresponse().read())["features"]]
    conn.close()
    mix = [("page", "/"), ("page", "/?topic=astronomie&group=grundschule"),
           ("page", "/embed?topic=biologie"), ("meta", "/api/taxonomy"),
           ("meta", "/api/areas"), ("meta", "/healthz"), ("list", "/api/places"),
           ("list", "/api/places?area=wlab")]
    for topic in tax["topics"]:
        mix.append(("list", "/api/places?" + urlencode({"topic": topic, "view": "map"})))
        for group in ("kita", "grundschule", "sek1"):
            mix.append(("list", "/api/places?" + urlencode({"topic": topic, "group": group})))
    for entry in gazetteer:
        for radius in (2, 5):
            mix.append(("near", "/api/places?" + urlencode(
                {"near": f"{entry['lat']},{entry['lon']}", "radius_km": radius,
                 "view": "map"})))
    for word in ("labor", "stern", "museum", "garten", "schule"):
        mix.append(("search", "/api/places?" + urlencode({"q": word})))
    mix += [("place", f"/api/places/{pid}") for pid in ids]
    mix += [("error", "/api/places?topic=alchemie")]  # an expected 400 belongs in the mix
    return mix


def run_clients(host: str, mix: list[tuple[str, str]], clients: int, seconds: float,
                max_requests: int, seed: int = 1, interval: float = 0.0) -> dict:
    """Closed loop (each client sends its next request when the last one is answered), or
    with ``interval`` an open loop: client n sends at fixed times, and a request's latency
    counts from its planned time, so a stalled server is not hidden (coordinated
    omission)."""
    stop_at = time.monotonic() + seconds
    began = time.perf_counter()
    lock = threading.Lock()
    latencies: dict[str, list[float]] = {}
    timeline: list[tuple[float, float, str]] = []  # (s since start, ms, path)
    errors: list[str] = []
    count = [0]

    def client(n: int) -> None:
        rng = random.Random(seed + n)
        conn = http.client.HTTPConnection(host, timeout=10)
        planned = time.perf_counter() + rng.random() * interval  # spread the clients' phases
        while time.monotonic() < stop_at:
            with lock:
                if count[0] >= max_requests:
                    return
                count[0] += 1
            kind, path = rng.choice(mix)
            if interval:
                time.sleep(max(0.0, planned - time.perf_counter()))
                started, planned = planned, planned + interval
            else:
                started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{path}: {exc!r}")
                conn.close()
                conn = http.client.HTTPConnection(host, timeout=10)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            expected = 400 if kind == "error" else 200
            with lock:
                latencies.setdefault(kind, []).append(elapsed)
                timeline.append((round(started - began, 2), round(elapsed, 1), path))
                if status != expected:
                    errors.append(f"{path}: HTTP {status}")
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 30)
    every = [v for values in latencies.values() for v in values]
    return {
        "requests": len(every) + len(errors),
        "errors": errors[:20],
        "error_count": len(errors),
        "p50_ms": round(statistics.median(every), 2) if every else None,
        "p99_ms": round(statistics.quantiles(every, n=100)[98], 2) if len(every) > 100 else None,
        "by_kind": {k: {"n": len(v), "p50_ms": round(statistics.median(v), 2)}
                    for k, v in sorted(latencies.items())},
        "slowest": sorted(timeline, key=lambda e: -e[1])[:10],
        "slow_by_second": slow_by_second(timeline),
    }


def slow_by_second(timeline: list[tuple[float, float, str]],
                   over_ms: float = 50) -> dict[int, int]:
    """How many requests took longer than ``over_ms``, per second of the run: a stall
    shows as a burst, a slow path as a steady count."""
    counts: dict[int, int] = {}
    for at, ms, _path in timeline:
        if ms > over_ms:
            counts[int(at)] = counts.get(int(at), 0) + 1
    return counts


def load_test(seconds: float, clients: int, max_requests: int,
              env: dict[str, str] | None = None) -> dict:
    with production_server(env) as (host, proc):
        mix = request_mix(host)
        run_clients(host, mix * 2, clients, seconds=60, max_requests=len(mix) * 2)  # warm-up
        rss_start = rss_kib(proc.pid)
        result = run_clients(host, mix, clients, seconds, max_requests)
        rss_end = rss_kib(proc.pid)
    result.update(clients=clients, seconds=seconds, distinct_requests=len(mix),
                  rss_start_kib=rss_start, rss_end_kib=rss_end,
                  rss_change_pct=round(100 * (rss_end - rss_start) / rss_start, 1))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--max-requests", type=int, default=2_000_000)
    args = parser.parse_args()
    result = load_test(args.seconds, args.clients, args.max_requests)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    sys.exit(1 if result["error_count"] else 0)


if __name__ == "__main__":
    main()
