"""Targets, tables and the README summary for scripts/bench.py (pure functions of report.json).

    .venv/bin/python scripts/bench_report.py [bench-results/report.json]   # re-render REPORT.md
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
HEADING = "## Performance"
KB = 1000  # the "60 KB"


def get(d: Any, *keys: Any) -> Any:
    for key in keys:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def size(report: dict, n: int) -> dict:
    return report.get("sizes", {}).get(str(n)) or {}


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 1) if a and b else None


def ms(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "–"
    if value >= 10_000:
        return f"{value / 1000:.1f} s"
    if value >= 100:
        return f"{value:.0f} ms"
    return f"{value:.{digits}f} ms"


def nbytes(value: int | None) -> str:
    if value is None:
        return "–"
    if value >= 2**20:
        return f"{value / 2**20:.1f} MiB"
    if value >= 10 * 2**10:
        return f"{value / 2**10:.0f} KiB"
    return f"{value / 2**10:.1f} KiB"


def times(value: float | None) -> str:
    return "–" if value is None else f"{value:g}x"


# ---------------------------------------------------------------- targets


def speedups(report: dict, n: int) -> dict[str, float | None]:
    s = size(report, n)
    warm = get(s, "ours", "api_warm", "p50_ms")
    cold = get(s, "ours", "api_cold_identity", "p50_ms")
    ds = get(s, "datasette", "json", "p50_ms")
    tj = get(s, "alt", "tojson", "p50_ms")
    fol = get(s, "alt", "folium", "p50_ms")
    return {
        "datasette_warm": ratio(ds, warm), "datasette_cold": ratio(ds, cold),
        "tojson_warm": ratio(tj, warm), "tojson_cold": ratio(tj, cold),
        "folium_warm": ratio(fol, warm), "folium_cold": ratio(fol, cold),
        "markers_vs_datasette": ratio(get(s, "datasette", "browser", "markers_ms"),
                                      get(s, "ours", "browser", "markers_ms")),
        "markers_vs_folium": ratio(get(s, "alt", "folium_browser", "markers_ms"),
                                   get(s, "ours", "browser", "markers_ms")),
    }


def target(name: str, value: float | None, op: str, limit: float, unit: str) -> dict:
    row: dict[str, Any] = {"target": name, "value": value, "op": op, "limit": limit,
                           "unit": unit}
    if value is None:
        row.update(met=None, verdict="not measured")
        return row
    met = value <= limit if op == "<=" else value >= limit
    if op == "<=":
        change = (value - limit) / limit * 100
        how = f"{abs(change):.0f} % under the limit" if met else f"{change:.0f} % over"
    else:
        how = (f"{value / limit:.1f}x the minimum" if met
               else f"{(limit - value) / limit * 100:.0f} % short")
    row.update(met=met, verdict=("met" if met else "MISSED") + f" ({how})")
    return row


def targets(report: dict) -> list[dict]:
    rows = []
    s10, s100 = size(report, 10_000), size(report, 100_000)
    for label, key in (("warm", "api_warm"), ("cold, cache off, gzip", "api_cold_gzip"),
                       ("cold, cache off, identity", "api_cold_identity")):
        rows += [
            target(f"/api/places?topic=X p50 at 10,000 ({label})",
                   get(s10, "ours", key, "p50_ms"), "<=", 2, "ms"),
            target(f"/api/places?topic=X p99 at 10,000 ({label})",
                   get(s10, "ours", key, "p99_ms"), "<=", 5, "ms"),
            target(f"/api/places?topic=X p50 at 100,000 ({label})",
                   get(s100, "ours", key, "p50_ms"), "<=", 15, "ms"),
        ]
    rows.append(target("20 concurrent clients p99 at 10,000",
                       get(s10, "ours", "concurrent_20", "p99_ms"), "<=", 50, "ms"))
    for n in (10_000, 100_000):
        sp = speedups(report, n)
        for alt, minimum in (("datasette", 20), ("tojson", 5)):
            what = "datasette JSON" if alt == "datasette" else "GeoDataFrame.to_json()"
            for mode in ("warm", "cold"):
                rows.append(target(f"faster than {what} per request at {n:,} ({mode})",
                                   sp[f"{alt}_{mode}"], ">=", minimum, "x"))
    for n, limit in ((300, 300), (10_000, 500), (100_000, 1000)):
        rows.append(target(f"markers present at {n:,} (navigation start -> markers)",
                           get(size(report, n), "ours", "browser", "markers_ms"), "<=", limit,
                           "ms"))
    transfers = {}
    for n in (300, 10_000, 100_000):
        value = get(size(report, n), "ours", "page_transfer", "total_gzip_bytes")
        if value is not None:
            transfers[n] = value
        rows.append(target(f"map page's own transfer at {n:,} (gzip)",
                           round(value / KB, 1) if value else None, "<=", 60, "KB"))
    if len(transfers) >= 2:
        spread = (max(transfers.values()) - min(transfers.values())) / min(transfers.values())
        rows.append(target("page's own transfer flat in N (spread max-min)",
                           round(spread * 100, 2), "<=", 1, "%"))
    rows.append(target("start to first answer at 300", get(report, "startup", "median_s"),
                       "<=", 3, "s"))
    return rows


def consistency(report: dict) -> list[str]:
    """Same data, same answer: all ways must show the same number of places."""
    notes = []
    for key, s in report.get("sizes", {}).items():
        counts = {
            "our API": get(s, "ours", "count"),
            "our page markers": get(s, "ours", "browser", "data_markers"),
            "to_json": get(s, "alt", "tojson_count"),
            "naive folium": get(s, "alt", "folium_markers"),
            "datasette JSON": get(s, "datasette", "count"),
        }
        ok = len({v for v in counts.values() if v is not None}) == 1
        notes.append(f"{int(key):,} places: " + ("same count everywhere: "
                     if ok else "COUNTS DIFFER: ") + ", ".join(f"{k} {v}" for k, v in
                                                               counts.items()))
        if get(s, "datasette", "next_url"):
            notes.append(f"{int(key):,}: datasette paginated (next_url set): map incomplete")
        for way, path in (("our page", ("ours", "browser")),
                          ("datasette page", ("datasette", "browser")),
                          ("naive folium page", ("alt", "folium_browser"))):
            errors = get(s, *path, "errors")
            external = get(s, *path, "external_requests")
            if errors:
                notes.append(f"{int(key):,}: {way} page errors: {errors}")
            if external:
                notes.append(f"{int(key):,}: {way} made outside requests: {external}")
    return notes


# ---------------------------------------------------------------- markdown


def table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def machine_line(report: dict) -> str:
    m = report.get("machine", {})
    return (f"{m.get('cpu_model', '?')}, nproc {m.get('nproc', '?')}, "
            f"{m.get('ram_gib', '?')} GiB RAM, Python {m.get('python', '?')}, "
            f"Chromium {m.get('chromium', '?')}; {m.get('date', '')}")


def sizes_in(report: dict) -> list[int]:
    return sorted(int(k) for k in report.get("sizes", {}))


def p50p99(series: dict | None) -> str:
    if not series:
        return "–"
    return f"{ms(series['p50_ms'])} / {ms(series['p99_ms'])}"


def summary_rows(report: dict) -> list[list[str]]:
    rows = []
    for n in sizes_in(report):
        s = size(report, n)
        rows.append([
            f"{n:,}", f"{get(s, 'ours', 'count') or 0:,}",
            ms(get(s, "alt", "folium", "p50_ms")),
            nbytes(get(s, "alt", "folium", "gzip_bytes")),
            ms(get(s, "alt", "folium_browser", "markers_ms"), 0),
            ms(get(s, "alt", "tojson", "p50_ms")),
            ms(get(s, "datasette", "json", "p50_ms")),
            ms(get(s, "datasette", "browser", "markers_ms"), 0),
            p50p99(get(s, "ours", "api_warm")),
            p50p99(get(s, "ours", "api_cold_identity")),
            ms(get(s, "ours", "browser", "markers_ms"), 0),
        ])
    return rows


SUMMARY_HEAD = ["N places", "matching", "naive folium page build p50", "its HTML, gzip",
                "naive folium markers", "`to_json()` p50", "datasette JSON p50",
                "datasette-cluster-map markers", "our API p50 / p99 (warm)",
                "our API p50 / p99 (cold)", "our page markers"]


def markdown(report: dict) -> str:
    out = [f"# Benchmark report (issue 6){' — QUICK run' if report.get('quick') else ''}", ""]
    out.append(f"Machine: {machine_line(report)}. Total run {report.get('elapsed_s', 0):.0f} s.")
    out.append(f"Data: synthetic places inside Bochum (scripts/bench_data.py, seed "
               f"{report.get('seed')}); filtered view `topic={report.get('topic')}` "
               f"(about a fifth of all places). Tiles off everywhere; Leaflet and "
               f"markercluster served locally. Packages: "
               + ", ".join(f"{k} {v}" for k, v in get(report, "machine", "packages").items())
               + ".")
    out += ["", "## Summary", "", table(SUMMARY_HEAD, summary_rows(report)), ""]
    out.append("Markers = headless Chromium, navigation start until the filtered view's "
               "markers exist in the DOM (median; fresh context per run). Naive folium "
               "markers include the per-request page build. Warm = same URL again (answers "
               "cached by ETag, production behaviour); cold = `EXPLORER_RESPONSE_CACHE_MB=0`, "
               "identity encoding.")

    out += ["", "## Server time per request", "",
            "Sequential requests on one keep-alive http.client connection (2 warm-up requests "
            "not counted); time from sending to the full body read. Sizes are for one answer; "
            "gzip marked * was computed by the benchmark because the server sent it plain.", ""]
    variants = [
        ("ours: warm, gzip", ("ours", "api_warm")),
        ("ours: cold, distinct near=, gzip", ("ours", "api_cold_near")),
        ("ours: cold, distinct near=, identity", ("ours", "api_cold_near_identity")),
        ("ours: cold, cache off, gzip", ("ours", "api_cold_gzip")),
        ("ours: cold, cache off, identity", ("ours", "api_cold_identity")),
        ("GeoDataFrame.to_json() per request", ("alt", "tojson")),
        ("datasette table JSON (cluster map's URL)", ("datasette", "json")),
        ("naive folium page build", ("alt", "folium")),
    ]
    rows = []
    for n in sizes_in(report):
        for label, path in variants:
            series = get(size(report, n), *path)
            if not series:
                continue
            gz = nbytes(series["gzip_bytes"]) + ("*" if series.get("gzip_computed") else "")
            rows.append([f"{n:,}", label, str(series["n"]), ms(series["p50_ms"]),
                         ms(series["p99_ms"]), ms(series["max_ms"]),
                         nbytes(series["raw_bytes"]), gz])
    out.append(table(["N", "variant", "requests", "p50", "p99", "max", "body", "gzip"], rows))

    out += ["", "## Speed-up of our API (ratios of p50)", ""]
    rows = []
    for n in sizes_in(report):
        sp = speedups(report, n)
        rows.append([f"{n:,}", f"{times(sp['datasette_warm'])} / {times(sp['datasette_cold'])}",
                     f"{times(sp['tojson_warm'])} / {times(sp['tojson_cold'])}",
                     f"{times(sp['folium_warm'])} / {times(sp['folium_cold'])}",
                     times(sp["markers_vs_datasette"]), times(sp["markers_vs_folium"])])
    out.append(table(["N", "vs datasette JSON (warm / cold)", "vs to_json (warm / cold)",
                      "vs naive folium build (warm / cold)",
                      "markers: datasette-cluster-map / ours", "markers: naive folium / ours"],
                     rows))

    out += ["", "## Browser: navigation start until markers exist (median)", ""]
    rows = []
    for n in sizes_in(report):
        s = size(report, n)
        for label, path in (("ours", ("ours", "browser")),
                            ("datasette-cluster-map", ("datasette", "browser")),
                            ("naive folium, built per request", ("alt", "folium_browser")),
                            ("naive folium, prebuilt HTML (browser part)",
                             ("alt", "folium_browser_prebuilt"))):
            b = get(s, *path)
            if not b:
                continue
            runs = b.get("markers_runs_ms") or []
            rows.append([f"{n:,}", label, str(b.get("runs")), ms(b.get("markers_ms"), 0),
                         f"{ms(min(runs), 0)}–{ms(max(runs), 0)}" if runs else "–",
                         ms(b.get("html_end_ms"), 0), ms(b.get("scripts_end_ms"), 0),
                         f"{ms(b.get('data_start_ms'), 0)} → {ms(b.get('data_end_ms'), 0)}"
                         if b.get("data_start_ms") is not None else "–",
                         ms(b.get("ready_ms"), 0)])
    out.append(table(["N", "page", "runs", "markers (median)", "range", "HTML received",
                      "scripts received", "data request start → end", "data-state=ready"],
                     rows))
    out.append("\nAll times from navigation start (performance.now() in the page, recorded by a "
               "MutationObserver installed before the page's scripts). Ours: markers = "
               "`data-state=ready` and the cluster's icons in the DOM (markercluster's "
               "`chunkedLoading` can add them after `ready`). Others: first "
               "`.leaflet-marker-icon, .marker-cluster` element.")

    out += ["", "## Where the time goes (differences of the medians above)", ""]
    for n in sizes_in(report):
        s = size(report, n)
        b = get(s, "ours", "browser") or {}
        if b.get("data_start_ms") is not None:
            out.append(
                f"- {n:,}, our page: {ms(b['scripts_end_ms'], 0)} until the scripts are "
                f"received, {ms(b['data_start_ms'] - b['scripts_end_ms'], 0)} executing them "
                f"before app.js requests the data, {ms(b['data_end_ms'] - b['data_start_ms'], 0)}"
                f" for the API answer, {ms(b['markers_ms'] - b['data_end_ms'], 0)} to parse it, "
                "create the markers and cluster them.")
        gz, ident = get(s, "ours", "api_cold_gzip"), get(s, "ours", "api_cold_identity")
        if gz and ident:
            out.append(
                f"- {n:,}, our API on a cache miss: {ms(ident['p50_ms'])} to filter, join and "
                f"send {nbytes(ident['raw_bytes'])} uncompressed; gzip (level 6, per miss) adds "
                f"{ms(gz['p50_ms'] - ident['p50_ms'])}.")

    out += ["", "## The map page's own transfer (gzip; Leaflet and plugins excluded)", ""]
    rows = []
    for n in sizes_in(report):
        t = get(size(report, n), "ours", "page_transfer") or {}
        rows.append([f"{n:,}"] + [nbytes(t.get(k)) for k in (
            "html_gzip_bytes", "app_js_gzip_bytes", "app_css_gzip_bytes", "map_js_gzip_bytes")]
            + [f"{t.get('total_gzip_bytes', 0):,} B", nbytes(t.get("vendor_gzip_bytes_excluded")),
               nbytes(get(size(report, n), "ours", "api_warm", "gzip_bytes"))])
    out.append(table(["N", "HTML", "app.js", "app.css", "/map/*.js", "total", "vendor (excluded)",
                      "+ API answer"], rows))

    conc = get(report, "sizes", "10000", "ours", "concurrent_20")
    if conc:
        out += ["", "## 20 concurrent clients at 10,000 (production server)", "",
                f"{conc['clients']} threads, each its own keep-alive connection, cycling over "
                f"{conc['urls']} topic URLs (cached answers), up to {conc['per_client']} "
                f"requests each: {conc['n']:,} requests in {conc['elapsed_s']} s "
                f"({conc['throughput_rps']} req/s), p50 {ms(conc['p50_ms'])}, p99 "
                f"{ms(conc['p99_ms'])}, max {ms(conc['max_ms'])}, errors "
                f"{conc['error_count']}. The clients run in the benchmark's own Python process "
                "on the same cores as the server."]
    start = report.get("startup")
    if start:
        out += ["", "## Start to first answer", "",
                f"`explorer serve` at 300 places, process start until `/healthz` answers: "
                f"median {start['median_s']} s (runs {start['runs_s']}). Our server at each N: "
                + ", ".join(f"{n:,}: {get(size(report, n), 'ours', 'start_s')} s"
                            for n in sizes_in(report)) + "."]

    out += ["", "## Targets (issue 6)", ""]
    rows = [[t["target"], "–" if t["value"] is None else f"{t['value']:g} {t['unit']}",
             f"{t['op']} {t['limit']:g} {t['unit']}", t["verdict"]]
            for t in report.get("targets", [])]
    out.append(table(["target", "measured", "limit", "result"], rows))

    out += ["", "## Consistency checks", ""]
    out += [f"- {c}" for c in report.get("checks", [])]

    planner = report.get("planner")
    if planner:
        out += ["", "## Planner (scripts/bench_planner.py)", ""]
        if "error" in planner:
            out.append(f"Failed: {planner['error']}")
        else:
            rows = [[f"{r['offers_total']:,}", r["scenario"], f"{r['offers_matching']:,}",
                     f"{r['cells']:,}", f"{r['analysis_s']:.3f}", f"{r['api_json_s']:.3f}",
                     f"{r['map_build_s']:.3f}", f"{r['cached_lookup_ms']:.3f}",
                     str(r["tracemalloc_peak_mib"])] for r in planner.get("rows", [])]
            out.append(table(["offers", "scenario", "matching", "cells", "analysis s",
                              "API JSON s", "map s", "cached ms", "peak MiB"], rows))
            out.append(f"\nMedian of {planner.get('runs')} runs; process max RSS "
                       f"{planner.get('process_max_rss_mib')} MiB.")

    out += ["", "## How the alternatives were served", "",
            "- naive folium: scripts/bench_alt.py builds a `folium.Map` per request with every "
            "match as a `folium.Marker` (tooltip = name; folium's popups need jQuery, which is "
            "not available locally) in a `MarkerCluster`; `max_zoom` set; assets pointed at the "
            "xstatic copies; served by waitress (8 threads).",
            "- `GeoDataFrame.to_json()`: same app, filter `topics.str.contains(X)` on a "
            "GeoDataFrame with the properties of our `view=map`, then `to_json()`.",
            "- datasette 0.65 + datasette-cluster-map: one SQLite table (latitude/longitude, "
            "topics as JSON text), `datasette serve -i`, `max_returned_rows` = N, "
            "`sql_time_limit_ms` 60000, filter `topics__contains=X`; datasette does not gzip, "
            "so its gzip sizes are computed by the benchmark. The tile layer is a blank "
            "`data:` image (no tile requests).",
            "- All servers on 127.0.0.1, one at a time; Chromium flags as in tests/conftest.py."]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- README


MISS_REASON = ("with the answer cache off, every request filters, joins and (for gzip) "
               "compresses the whole answer: about 5 MiB at 100,000 places, where zlib alone "
               "takes longer than the target; with the cache on (production), the same "
               "requests are served from memory and meet every target.")


def planner_line(planner: dict) -> str:
    rows = [r for r in planner.get("rows", []) if r.get("scenario") == "all offers"]
    if not rows:
        return "Planner analysis: not measured."
    parts = [f"{r['offers_total']:,} offers {r['analysis_s'] * 1000:.0f} ms "
             f"(peak {r['tracemalloc_peak_mib']} MiB)" for r in rows]
    return (f"Planner analysis, whole city at {planner.get('cell_m')} m cells "
            f"({rows[0]['cells']:,} cells), {planner.get('reach_km')} km reach, all offers "
            "matching: " + "; ".join(parts) + "; repeated views come from its cache.")


def readme_section(report: dict) -> str:
    rows = []
    for n in sizes_in(report):
        s = size(report, n)
        sp = speedups(report, n)
        rows.append([
            f"{n:,}", p50p99(get(s, "ours", "api_warm")),
            f"{ms(get(s, 'ours', 'api_cold_identity', 'p50_ms'))} / "
            f"{ms(get(s, 'ours', 'api_cold_gzip', 'p50_ms'))}",
            ms(get(s, "alt", "tojson", "p50_ms")) + f" ({times(sp['tojson_cold'])})",
            ms(get(s, "datasette", "json", "p50_ms")) + f" ({times(sp['datasette_cold'])})",
            ms(get(s, "alt", "folium", "p50_ms")),
            " / ".join(ms(get(s, *p, "markers_ms"), 0) for p in (
                ("ours", "browser"), ("datasette", "browser"), ("alt", "folium_browser"))),
            nbytes(get(s, "ours", "page_transfer", "total_gzip_bytes")),
        ])
    met = [t for t in report.get("targets", []) if t["met"] is True]
    missed = [f"{t['target']}: {t['value']} {t['unit']} against {t['op']} {t['limit']} "
              f"({t['verdict']})" for t in report.get("targets", []) if t["met"] is False]
    embeds = [f"{n:,}: {nbytes(get(size(report, n), 'ours', 'embed_transfer', 'total_gzip_bytes'))}"
              f", markers {ms(get(size(report, n), 'ours', 'embed_browser', 'markers_ms'), 0)}"
              for n in sizes_in(report) if get(size(report, n), "ours", "embed_transfer")]
    lines = [
        "Latest `make bench` (synthetic places in Bochum, filtered view `topic="
        f"{report.get('topic')}`, a fifth of all places; warm = answer cached by ETag, cold = "
        "cache off; ratios = their p50 / our cold identity p50):",
        "",
        table(["places", "our API p50 / p99 (warm)", "our API p50 cold (identity / gzip)",
               "`GeoDataFrame.to_json()`", "datasette JSON", "naive folium page build",
               "markers in Chromium: ours / datasette-cluster-map / naive folium",
               "map page's own transfer (gzip)"], rows),
        "",
        f"Machine: {machine_line(report)}.",
        "",
        "`/embed?topic=...&list=0` (partner iframe), own transfer gzip and time to markers: "
        + ("; ".join(embeds) if embeds else "not measured") + ".",
        "",
        planner_line(report.get("planner") or {}),
        "",
        f"Targets of issue 6: {len(met)} met, {len(missed)} missed"
        + (":" if missed else "."),
        *[f"- {m}" for m in missed],
        *([f"- Why: {MISS_REASON}"] if missed else []),
        "",
        "Full tables: `bench-results/REPORT.md` after `make bench` (not committed).",
    ]
    return "\n".join(lines)


def update_readme(path: Path, section: str) -> None:
    """Replace the text between the bench markers; add heading and markers once if missing."""
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n{HEADING}\n\n{START}\n{END}\n"
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    text = pattern.sub(lambda _m: f"{START}\n{section}\n{END}", text, count=1)
    path.write_text(text, encoding="utf-8")


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else (
        Path(__file__).resolve().parent.parent / "bench-results" / "report.json")
    report = json.loads(path.read_text(encoding="utf-8"))
    report["targets"] = targets(report)
    report["checks"] = consistency(report)
    (path.parent / "REPORT.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


if __name__ == "__main__":
    main()
