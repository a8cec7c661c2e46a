"""Benchmark suite for issue 6: this project vs naive folium vs datasette, same data, same run.

For 300, 10,000 and 100,000 synthetic places (scripts/bench_data.py, fixed seed, generated
into a temporary folder) it starts, one after the other, each server as a subprocess on
127.0.0.1 and measures:

- this project (``explorer serve``, waitress): ``/api/places?topic=X&lang=de&view=map`` as
  the page fetches it, warm (same URL: answers are cached by ETag, production behaviour) and
  cold (a second server with ``EXPLORER_RESPONSE_CACHE_MB=0``, gzip and identity; and
  distinct ``near=`` per request on the warm server), 20 concurrent keep-alive clients at
  10,000, the map page's own transfer, and in headless Chromium the time from navigation
  start until the markers of the filtered view exist;
- the naive folium page (scripts/bench_alt.py: one full folium build per request) and
  ``GeoDataFrame.to_json()`` per request;
- datasette + datasette-cluster-map over the same rows in SQLite (its table JSON exactly as
  the cluster map fetches it, and its table page in Chromium).

Server time = one request on a keep-alive http.client connection, sent to the full body read
(so it includes the loopback transfer). Times are never asserted: the report compares them
with the issue's targets and marks each met or missed. Writes bench-results/report.json and
bench-results/REPORT.md and rewrites the README section between ``<!-- bench:start -->`` and
``<!-- bench:end -->`` (not with ``--quick``). Runs scripts/bench_planner.py when present.

    .venv/bin/python scripts/bench.py            # full run, about 10 minutes on 2 cores
    .venv/bin/python scripts/bench.py --quick    # 300 and 10,000 only, fewer repetitions
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gzip
import http.client
import json
import math
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_data  # noqa: E402  (sibling script)
import bench_report  # noqa: E402

REPO = bench_data.REPO
RESULTS = REPO / "bench-results"
README = REPO / "README.md"
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("EXPLORER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TOPIC = bench_data.BENCH_TOPIC
API_PATH = f"/api/places?topic={TOPIC}&lang=de&view=map"  # what app.js fetches
PAGE_PATH = f"/?topic={TOPIC}"
EMBED_PATH = f"/embed?topic={TOPIC}&list=0"
DS_TABLE = f"/places/places?topics__contains={TOPIC}"
DS_JSON = (f"/places/places.json?topics__contains={TOPIC}"  # what the cluster map fetches
           "&_size=max&_labels=on&_extra=count&_extra=next_url&_shape=objects")
BLANK_TILE = ("data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
MARKERS = ".leaflet-marker-icon, .marker-cluster"
GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


@dataclass(frozen=True)
class Plan:
    """How many repetitions: enough for stable p50/p99, every loop bounded."""

    sizes: tuple[int, ...]
    api_requests: dict[int, int]
    alt_requests: dict[int, int]
    folium_requests: dict[int, int]
    browser_runs: int
    concurrency_per_client: int
    startup_runs: int
    budget_s: float = 90.0  # per timed series: stop early (>= 2 samples) when exceeded


FULL = Plan(sizes=(300, 10_000, 100_000),
            api_requests={300: 200, 10_000: 200, 100_000: 50},
            alt_requests={300: 200, 10_000: 100, 100_000: 30},
            folium_requests={300: 20, 10_000: 5, 100_000: 2},
            browser_runs=7, concurrency_per_client=300, startup_runs=3)
QUICK = Plan(sizes=(300, 10_000),
             api_requests={300: 60, 10_000: 60, 100_000: 20},
             alt_requests={300: 40, 10_000: 20, 100_000: 10},
             folium_requests={300: 5, 10_000: 2, 100_000: 1},
             browser_runs=3, concurrency_per_client=40, startup_runs=2, budget_s=30.0)


def write_readme_section(start: str, end: str, text: str) -> None:
    """Replace what stands between two marker comments of the README."""
    readme = README.read_text(encoding="utf-8")
    if start not in readme:
        raise SystemExit(f"README has no {start} marker")
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    README.write_text(pattern.sub(lambda _m: f"{start}\n{text}\n{end}", readme),
                      encoding="utf-8")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- subprocess servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ping(port: int, path: str) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status == 200
    except OSError:
        return False
    finally:
        conn.close()


@dataclass
class Server:
    port: int
    started_s: float  # process start to first answered health check
    proc: subprocess.Popen = field(repr=False)


@contextlib.contextmanager
def running(name: str, cmd: list[str], env: dict[str, str], port: int, health: str,
            logdir: Path, timeout: float = 300.0) -> Iterator[Server]:
    """Start a server, wait until ``health`` answers 200, always terminate it afterwards."""
    logfile = (logdir / f"{name}.log").open("wb")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=logfile, stderr=subprocess.STDOUT)
    try:
        deadline = start + timeout
        while True:
            if ping(port, health):
                break
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}: "
                                   + (logdir / f"{name}.log").read_text(errors="replace")[-2000:])
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{name} did not answer {health} within {timeout:.0f} s")
            time.sleep(0.02)
        yield Server(port, time.perf_counter() - start, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        logfile.close()


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXPLORER_")}
    env.update(extra)
    return env


def explorer_cmd() -> list[str]:
    script = BIN / "explorer"
    return [str(script), "serve"] if script.exists() else [sys.executable, "-m", "explorer",
                                                           "serve"]


def explorer_env(data_dir: Path, state_dir: Path, port: int, cache_mb: int = 64) -> dict:
    return clean_env({
        "EXPLORER_DATA_DIR": str(data_dir), "EXPLORER_STATE_DIR": str(state_dir),
        "EXPLORER_TILE_URL": "", "EXPLORER_RELOAD_INTERVAL": "0",
        "EXPLORER_HOST": "127.0.0.1", "EXPLORER_PORT": str(port),
        "EXPLORER_RESPONSE_CACHE_MB": str(cache_mb),
        "EXPLORER_DATABASE_URL": "none",  # the file read path; scripts/bench_db.py: the db
    })


# ---------------------------------------------------------------- timing over HTTP


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summary_ms(seconds: list[float]) -> dict[str, Any]:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": round(statistics.median(ms), 3),
            "p99_ms": round(percentile(ms, 99), 3), "mean_ms": round(statistics.fmean(ms), 3),
            "min_ms": round(min(ms), 3), "max_ms": round(max(ms), 3)}


@dataclass
class Fetched:
    status: int
    body: bytes  # as received (compressed when Content-Encoding is gzip)
    encoding: str


def fetch(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> Fetched:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    return Fetched(response.status, body, response.getheader("Content-Encoding") or "identity")


def plain(f: Fetched) -> bytes:
    return gzip.decompress(f.body) if f.encoding == "gzip" else f.body


def sizes_of(f: Fetched) -> dict[str, Any]:
    """Raw and gzip sizes; gzip computed here (level 6) when the server sent it plain."""
    raw = plain(f)
    if f.encoding == "gzip":
        return {"raw_bytes": len(raw), "gzip_bytes": len(f.body), "gzip_computed": False}
    return {"raw_bytes": len(raw), "gzip_bytes": len(gzip.compress(raw, 6)),
            "gzip_computed": True}


def timed_series(port: int, paths: Callable[[int], str], count: int, headers: dict[str, str],
                 budget_s: float, warmup: int = 2, timeout: float = 600.0) -> dict[str, Any]:
    """Sequential requests on one keep-alive connection; ``count`` or until the budget."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    times: list[float] = []
    first: Fetched | None = None
    try:
        for i in range(warmup):
            first = fetch(conn, paths(-1 - i), headers)
            if first.status != 200:
                raise RuntimeError(f"{paths(-1 - i)} answered {first.status}")
        started = time.perf_counter()
        for i in range(count):
            t0 = time.perf_counter()
            got = fetch(conn, paths(i), headers)
            times.append(time.perf_counter() - t0)
            if got.status != 200:
                raise RuntimeError(f"{paths(i)} answered {got.status}")
            first = first or got
            if time.perf_counter() - started > budget_s and len(times) >= 2:
                break
    finally:
        conn.close()
    assert first is not None
    return {**summary_ms(times), "requested": count, "encoding": first.encoding,
            **sizes_of(first), "_body": plain(first)}


def same(path: str) -> Callable[[int], str]:
    return lambda _i: path


def distinct_near(path: str, seed: int = 7) -> Callable[[int], str]:
    """A different ``near=`` each request (cache misses): points spread over Bochum."""
    w, s, e, n = bench_data.INNER

    def at(i: int) -> str:
        rng = random.Random(seed * 100_003 + i)
        return f"{path}&near={rng.uniform(s, n):.5f},{rng.uniform(w, e):.5f}"

    return at


def one_shot(port: int, path: str, headers: dict[str, str] = GZIP) -> Fetched:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        got = fetch(conn, path, headers)
    finally:
        conn.close()
    if got.status != 200:
        raise RuntimeError(f"{path} answered {got.status}")
    return got


def concurrent_clients(port: int, paths: list[str], clients: int, per_client: int,
                       deadline_s: float) -> dict[str, Any]:
    """``clients`` threads, each on its own keep-alive connection, started together."""
    barrier = threading.Barrier(clients + 1)
    times: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    stop_at: list[float] = [0.0]

    def client(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            fetch(conn, paths[k % len(paths)], GZIP)  # connect + warm, not timed
            barrier.wait(timeout=60)
            for i in range(per_client):
                t0 = time.perf_counter()
                got = fetch(conn, paths[(k + i) % len(paths)], GZIP)
                times[k].append(time.perf_counter() - t0)
                if got.status != 200:
                    errors.append(f"status {got.status}")
                if time.perf_counter() > stop_at[0]:
                    break
        except Exception as exc:  # reported, not raised: one client must not hang the rest
            errors.append(repr(exc))
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + deadline_s + 60
    barrier.wait(timeout=60)
    started = time.perf_counter()
    stop_at[0] = started + deadline_s
    for t in threads:
        t.join(timeout=deadline_s + 120)
    elapsed = time.perf_counter() - started
    flat = [t for per in times for t in per]
    return {**summary_ms(flat), "clients": clients, "per_client": per_client,
            "elapsed_s": round(elapsed, 2), "throughput_rps": round(len(flat) / elapsed, 1),
            "errors": errors[:5], "error_count": len(errors), "urls": len(paths)}


def strip_private(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if not k.startswith("_")}


# ---------------------------------------------------------------- headless Chromium

OBSERVER_JS = """
(() => {
  const mode = %s;
  const b = (window.__bench = {});
  const check = () => {
    if (b.markers !== undefined) return;
    const body = document.body;
    if (mode === "ours") {
      if (b.ready === undefined && body && body.dataset.state === "ready") {
        b.ready = performance.now();
      }
      if (b.ready === undefined) return;
    }
    if (document.querySelector(%s)) { b.markers = performance.now(); obs.disconnect(); }
  };
  const obs = new MutationObserver(check);
  obs.observe(document, {subtree: true, childList: true, attributes: true,
                         attributeFilter: ["data-state"]});
})();
"""

READ_JS = """
([selector, dataPart]) => {
  const nav = performance.getEntriesByType("navigation")[0];
  const res = performance.getEntriesByType("resource");
  const data = dataPart ? res.find((r) => r.name.includes(dataPart)) : undefined;
  const scripts = res.filter((r) => r.initiatorType === "script");
  return {ready: window.__bench.ready ?? null, markers: window.__bench.markers,
          ttfb: nav ? nav.responseStart : null, html_end: nav ? nav.responseEnd : null,
          scripts_end: scripts.length ? Math.max(...scripts.map((r) => r.responseEnd)) : null,
          data_start: data ? data.startTime : null, data_end: data ? data.responseEnd : null,
          data_markers: document.body.dataset.markers ?? null,
          icons: document.querySelectorAll(selector).length};
}
"""


class Browser:
    """One Chromium for the whole run; a fresh context (no cache, no storage) per page load."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self.browser = self._pw.chromium.launch(executable_path=CHROMIUM,
                                                    args=CHROMIUM_ARGS)
        except Exception:
            self._pw.stop()
            raise
        self.version = self.browser.version

    def close(self) -> None:
        try:
            self.browser.close()
        finally:
            self._pw.stop()

    def load(self, url: str, mode: str, timeout_s: float,
             data_part: str | None = None) -> dict[str, Any]:
        context = self.browser.new_context(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        external: list[str] = []
        try:
            context.add_init_script(OBSERVER_JS % (json.dumps(mode), json.dumps(MARKERS)))
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)[:200]))
            page.on("request", lambda r: None if r.url.startswith(
                ("http://127.0.0.1", "data:")) else external.append(r.url[:100]))
            page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
            page.wait_for_function("() => window.__bench && window.__bench.markers !== "
                                   "undefined", timeout=timeout_s * 1000, polling=50)
            result = page.evaluate(READ_JS, [MARKERS, data_part])
        finally:
            context.close()
        result["errors"] = errors
        result["external_requests"] = external
        return result

    def runs(self, url: str, mode: str, runs: int, warmup: int = 1, timeout_s: float = 180.0,
             budget_s: float = 240.0, data_part: str | None = None) -> dict[str, Any]:
        for _ in range(warmup):
            self.load(url, mode, timeout_s, data_part)
        loads = []
        started = time.perf_counter()
        for _ in range(runs):
            loads.append(self.load(url, mode, timeout_s, data_part))
            if time.perf_counter() - started > budget_s and len(loads) >= 1:
                break
        markers = [r["markers"] for r in loads]

        def median_of(key: str) -> float | None:
            values = [r[key] for r in loads if r.get(key) is not None]
            return round(statistics.median(values), 1) if values else None

        out: dict[str, Any] = {
            "runs": len(loads), "markers_ms": round(statistics.median(markers), 1),
            "markers_runs_ms": [round(v, 1) for v in markers],
            "ttfb_ms": median_of("ttfb"), "html_end_ms": median_of("html_end"),
            "scripts_end_ms": median_of("scripts_end"),
            "data_start_ms": median_of("data_start"), "data_end_ms": median_of("data_end"),
            "icons_in_dom": loads[-1]["icons"],
            "errors": sorted({e for r in loads for e in r["errors"]})[:5],
            "external_requests": sorted({e for r in loads for e in r["external_requests"]})[:5],
        }
        if mode == "ours":
            out["ready_ms"] = round(statistics.median(r["ready"] for r in loads), 1)
            out["data_markers"] = int(loads[-1]["data_markers"] or 0)
        return out


# ---------------------------------------------------------------- the three ways


def measure_ours(n: int, data_dir: Path, work: Path, plan: Plan,
                 browser: Browser) -> dict[str, Any]:
    out: dict[str, Any] = {}
    state = work / "state"
    state.mkdir(exist_ok=True)
    port = free_port()
    count = plan.api_requests[n]
    with running(f"explorer-{n}", explorer_cmd(), explorer_env(data_dir, state, port), port,
                 "/healthz", work) as srv:
        out["start_s"] = round(srv.started_s, 2)
        log(f"  ours: up in {srv.started_s:.1f} s; API warm")
        warm = timed_series(port, same(API_PATH), count, GZIP, plan.budget_s)
        out["count"] = json.loads(warm.pop("_body"))["count"]
        out["api_warm"] = warm
        log("  ours: API cold (distinct near=), gzip and identity")
        for key, headers, seed in (("api_cold_near", GZIP, 7),
                                   ("api_cold_near_identity", IDENTITY, 8)):
            series = timed_series(port, distinct_near(API_PATH, seed), count, headers,
                                  plan.budget_s)
            series.pop("_body")
            out[key] = series
        log("  ours: page transfer")
        out["page_transfer"] = page_transfer(port)
        out["embed_transfer"] = page_transfer(port, EMBED_PATH)
        log("  ours: Chromium")
        out["browser"] = browser.runs(f"http://127.0.0.1:{port}{PAGE_PATH}", "ours",
                                      plan.browser_runs, data_part="/api/places?")
        out["embed_browser"] = browser.runs(f"http://127.0.0.1:{port}{EMBED_PATH}", "ours",
                                            plan.browser_runs, data_part="/api/places?")
        if n == 10_000:
            log("  ours: 20 concurrent clients")
            topics = json.loads((data_dir / "taxonomy.json").read_text("utf-8"))["topics"]
            paths = [f"/api/places?topic={t}&lang=de&view=map" for t in topics]
            out["concurrent_20"] = concurrent_clients(port, paths, 20,
                                                      plan.concurrency_per_client, 60.0)
    port = free_port()
    with running(f"explorer-nocache-{n}", explorer_cmd(),
                 explorer_env(data_dir, state, port, cache_mb=0), port, "/healthz", work):
        log("  ours: API cold (RESPONSE_CACHE_MB=0), gzip and identity")
        for key, headers in (("api_cold_gzip", GZIP), ("api_cold_identity", IDENTITY)):
            series = timed_series(port, same(API_PATH), count, headers, plan.budget_s)
            series.pop("_body")
            out[key] = series
    return out


def page_transfer(port: int, page: str = PAGE_PATH) -> dict[str, Any]:
    """A map page's own bytes (gzip): HTML, app.js, app.css and the /map/*.js script."""
    html = one_shot(port, page)
    text = plain(html).decode("utf-8")
    found = re.search(r'src="(/map/[^"]+\.js)"', text)
    if not found:
        raise RuntimeError("map page has no /map/*.js script")
    parts = {"html": html}
    for key, path in (("app_js", "/static/app.js"), ("app_css", "/static/app.css"),
                      ("map_js", found.group(1))):
        parts[key] = one_shot(port, path)
    vendor = sum(len(one_shot(port, p).body) for p in re.findall(
        r'(?:src|href)="(/static/vendor/[^"]+)"', text))
    return {
        **{f"{k}_gzip_bytes": len(v.body) for k, v in parts.items()},
        "encodings": sorted({v.encoding for v in parts.values()}),
        "total_gzip_bytes": sum(len(v.body) for v in parts.values()),
        "total_raw_bytes": sum(len(plain(v)) for v in parts.values()),
        "vendor_gzip_bytes_excluded": vendor,
    }


def measure_alternatives(n: int, data_dir: Path, work: Path, plan: Plan,
                         browser: Browser) -> dict[str, Any]:
    out: dict[str, Any] = {}
    port = free_port()
    cmd = [sys.executable, str(REPO / "scripts" / "bench_alt.py"), str(data_dir), str(port)]
    with running(f"alt-{n}", cmd, clean_env({}), port, "/ping", work):
        log("  GeoDataFrame.to_json per request")
        tojson = timed_series(port, same(f"/tojson?topic={TOPIC}"), plan.alt_requests[n],
                              GZIP, plan.budget_s)
        out["tojson_count"] = len(json.loads(tojson.pop("_body"))["features"])
        out["tojson"] = tojson
        log("  naive folium per request")
        folium = timed_series(port, same(f"/folium?topic={TOPIC}"), plan.folium_requests[n],
                              GZIP, plan.budget_s * 2, warmup=1)
        out["folium_markers"] = plain_count(folium.pop("_body"))
        out["folium"] = folium
        url = f"http://127.0.0.1:{port}"
        folium_s = folium["p50_ms"] / 1000
        runs = plan.browser_runs if folium_s < 2 else max(1, min(3, plan.browser_runs))
        log(f"  naive folium: Chromium, page built per request ({runs} runs)")
        out["folium_browser"] = browser.runs(f"{url}/folium?topic={TOPIC}", "other", runs,
                                             warmup=1 if folium_s < 2 else 0,
                                             timeout_s=300, budget_s=plan.budget_s * 2)
        log("  naive folium: Chromium, prebuilt page (browser part only)")
        out["folium_browser_prebuilt"] = browser.runs(
            f"{url}/folium-prebuilt?topic={TOPIC}", "other", plan.browser_runs, timeout_s=300)
    return out


def plain_count(html: bytes) -> int:
    return html.count(b"L.marker(")


def measure_datasette(n: int, data_dir: Path, work: Path, plan: Plan,
                      browser: Browser) -> dict[str, Any]:
    out: dict[str, Any] = {}
    db = bench_data.write_sqlite(data_dir, work / "places.db")
    metadata_file = work / "datasette-metadata.json"
    metadata_file.write_text(json.dumps({"plugins": {"datasette-cluster-map": {
        "tile_layer": BLANK_TILE,  # tiles off: a blank data: image, no request
        "tile_layer_options": {"maxZoom": 19}}}}), encoding="utf-8")
    port = free_port()
    cmd = [str(BIN / "datasette"), "serve", "-i", str(db), "--host", "127.0.0.1", "--port",
           str(port), "--metadata", str(metadata_file),
           "--setting", "max_returned_rows", str(max(1000, n)),
           "--setting", "sql_time_limit_ms", "60000"]
    with running(f"datasette-{n}", cmd, clean_env({}), port, "/-/versions.json", work):
        log("  datasette JSON (as the cluster map fetches it)")
        series = timed_series(port, same(DS_JSON), plan.alt_requests[n], GZIP, plan.budget_s)
        body = json.loads(series.pop("_body"))
        out["count"] = len(body["rows"])
        out["next_url"] = body.get("next_url")
        out["json"] = series
        page = one_shot(port, DS_TABLE)
        out["page"] = sizes_of(page)
        log("  datasette-cluster-map: Chromium")
        out["browser"] = browser.runs(f"http://127.0.0.1:{port}{DS_TABLE}", "other",
                                      plan.browser_runs, timeout_s=300, data_part=".json?")
    return out


def measure_startup(work: Path, plan: Plan) -> dict[str, Any]:
    data_dir = bench_data.write_dataset(work / "startup-data", 300)
    state = work / "state"
    state.mkdir(exist_ok=True)
    times = []
    for i in range(plan.startup_runs):
        port = free_port()
        with running(f"startup-{i}", explorer_cmd(), explorer_env(data_dir, state, port), port,
                     "/healthz", work, timeout=60) as srv:
            times.append(srv.started_s)
    return {"places": 300, "runs_s": [round(t, 3) for t in times],
            "median_s": round(statistics.median(times), 3)}


def run_planner(quick: bool) -> dict[str, Any] | None:
    script = REPO / "scripts" / "bench_planner.py"
    if not script.exists():
        return None
    path = RESULTS / ("planner-quick.json" if quick else "planner.json")
    cmd = [sys.executable, str(script), "--out", str(path)]
    if quick:  # a separate file: quick figures must not replace the full ones
        cmd += ["--runs", "2", "--sizes", "300,10000"]
    log("planner benchmark: " + " ".join(cmd[1:]))
    try:
        done = subprocess.run(cmd, cwd=REPO, env=clean_env({}), capture_output=True,
                              text=True, timeout=1800)
    except subprocess.TimeoutExpired:
        return {"error": "scripts/bench_planner.py timed out after 1800 s"}
    if done.returncode != 0:
        return {"error": f"exit {done.returncode}: {done.stderr[-1500:]}"}
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


# ---------------------------------------------------------------- machine and main


def machine_info(browser_version: str) -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with contextlib.suppress(OSError, subprocess.SubprocessError, ValueError):
        nproc = int(subprocess.run(["nproc"], capture_output=True, text=True,
                                   timeout=10).stdout.strip())
    versions = {}
    for dist in ("flask", "waitress", "folium", "geopandas", "datasette",
                 "datasette-cluster-map", "xstatic-leaflet", "xstatic-leaflet-markercluster",
                 "playwright"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[dist] = metadata.version(dist)
    return {"nproc": nproc, "cpu_model": cpu, "ram_gib": round(mem_kib / 2**20, 1),
            "python": platform.python_version(), "chromium": browser_version,
            "platform": platform.platform(), "packages": versions,
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="only 300 and 10,000 places, fewer repetitions; README untouched")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite README.md")
    parser.add_argument("--no-planner", action="store_true",
                        help="skip scripts/bench_planner.py")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)",
              file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"quick": args.quick, "seed": bench_data.SEED, "topic": TOPIC,
                              "plan": {k: v for k, v in vars(plan).items()}, "sizes": {}}
    started = time.perf_counter()
    browser = Browser()
    try:
        report["machine"] = machine_info(browser.version)
        with tempfile.TemporaryDirectory(prefix="explorer-bench-") as tmp:
            work = Path(tmp)
            for n in plan.sizes:
                log(f"{n:,} places: generating data")
                size_dir = work / f"n{n}"
                data_dir = bench_data.write_dataset(size_dir / "data", n)
                entry: dict[str, Any] = {"places": n}
                entry["ours"] = measure_ours(n, data_dir, size_dir, plan, browser)
                entry["alt"] = measure_alternatives(n, data_dir, size_dir, plan, browser)
                entry["datasette"] = measure_datasette(n, data_dir, size_dir, plan, browser)
                report["sizes"][str(n)] = entry
            log("start to first answer at 300 places")
            report["startup"] = measure_startup(work, plan)
    finally:
        browser.close()
    if not args.no_planner:
        report["planner"] = run_planner(args.quick)
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    report["targets"] = bench_report.targets(report)
    report["checks"] = bench_report.consistency(report)
    (args.out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False,
                                                     default=str) + "\n", encoding="utf-8")
    markdown = bench_report.markdown(report)
    (args.out / "REPORT.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    if not args.quick and not args.no_readme:
        bench_report.update_readme(README, bench_report.readme_section(report))
        log("README.md performance section updated")
    log(f"done in {report['elapsed_s']:.0f} s; {args.out / 'REPORT.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
