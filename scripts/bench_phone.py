"""Phone profile and floor: our map page against a static floor, naive folium and datasette.

At 300, 10,000 and 100,000 synthetic places (not 100,000 with ``--quick``) it serves ours
(with 500 synthetic schools and Kitas imported by ``explorer import``'s code), the naive
folium page (scripts/bench_alt.py), datasette-cluster-map and a floor (scripts/
bench_fixtures.py: our answer as a static file under a minimal Leaflet page), and loads each
in Chromium on a desktop (1280x800) and a phone profile (375x740 at 2x, touch, CPU 4x
slower, 150 ms, 1.6 Mbit/s): LCP, CLS, markers, first result. At 10,000 it times the where
box per key press. Times are never asserted. Writes bench-results/phone.json and the README
between the bench-phone markers (``--quick``: bench-results/phone-quick.json only).

    .venv/bin/python scripts/bench_phone.py [--quick] [--src DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (sibling scripts)
import bench_data  # noqa: E402
import bench_fixtures  # noqa: E402

# Every page selector in one place: the where box is being rewritten (datalist -> own list).
SEL = {"markers": bench.MARKERS, "first_result": "#result-list li", "where_input": "#near-text",
       "where_boxes": "datalist#gazetteer-list, #near-suggestions"}  # a change there = update
WHERE_WORD = "Linden"  # a Stadtteil, six key presses
PROFILES: dict[str, dict[str, Any]] = {
    "desktop": {"context": {"viewport": {"width": 1280, "height": 800}}, "settle_ms": 500},
    "phone": {"context": {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2,
                          "is_mobile": True, "has_touch": True}, "settle_ms": 1500, "cpu": 4,
              "net": {"offline": False, "latency": 150, "downloadThroughput": 200_000,
                      "uploadThroughput": 200_000}}}
FULL = {"sizes": (300, 10_000, 100_000), "runs": {300: 5, 10_000: 5, 100_000: 3}, "keys": 5}
QUICK = {"sizes": (300, 10_000), "runs": {300: 3, 10_000: 3}, "keys": 3}
BUDGET_S = 45.0  # per page and profile: no further runs once spent (>= 1 sample kept)
PAGES = {"ours": "ours", "floor": "floor (static)", "folium": "naive folium",
         "datasette": "datasette-cluster-map"}

PROBE_JS = """(() => {
  const p = (window.__phone = {lcp: null, lcpEl: null, cls: 0, first: null, tasks: []});
  const on = (type, fn) => { try { new PerformanceObserver((l) => l.getEntries().forEach(fn))
    .observe({type, buffered: true}); } catch (e) { /* unsupported */ } };
  on("largest-contentful-paint", (e) => { const el = e.element; p.lcp = e.startTime;
    p.lcpEl = el ? el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (typeof el.className
      === "string" && el.className ? "." + el.className.split(" ")[0] : "") : null; });
  on("layout-shift", (e) => { if (!e.hadRecentInput) p.cls += e.value; });
  on("longtask", (e) => p.tasks.push([e.startTime, e.duration]));
  const obs = new MutationObserver(() => {
    if (document.querySelector(%s)) { p.first = performance.now(); obs.disconnect(); } });
  obs.observe(document, {subtree: true, childList: true});
})();"""
READ_MORE_JS = """() => {
  const nav = performance.getEntriesByType("navigation")[0] || {}, p = window.__phone;
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  return {lcp: p.lcp, lcp_el: p.lcpEl, cls: p.cls, first_result: p.first, tasks: p.tasks,
    fcp: fcp ? fcp.startTime : null, dcl: nav.domContentLoadedEventEnd,
    resources: performance.getEntriesByType("resource").map((r) => ({
      path: new URL(r.name).pathname.slice(0, 70), type: r.initiatorType,
      start: Math.round(r.startTime), end: Math.round(r.responseEnd), bytes: r.transferSize,
      body: r.decodedBodySize, blocking: r.renderBlockingStatus || null}))};
}"""
WHERE_JS = """(sel) => {
  const w = (window.__where = {keys: [], frames: [], inputs: [], armed: -1,
                               last: performance.now()});
  const input = document.querySelector(sel.where_input);
  const inBox = (n) => n && n.nodeType === 1 && (n.closest(sel.where_boxes)
                                                 || n.querySelector(sel.where_boxes));
  new MutationObserver((records) => {
    if (!records.some((r) => inBox(r.target.nodeType === 1 ? r.target : r.target.parentNode)
                       || Array.from(r.addedNodes).some(inBox))) return;
    w.last = performance.now();
    const k = w.armed;
    if (k < 0) return;
    w.armed = -1;
    requestAnimationFrame(() => { w.frames[k] = performance.now(); });
  }).observe(document.body, {subtree: true, childList: true, attributes: true,
                             characterData: true});
  window.addEventListener("keydown", (e) => {
    if (e.target === input) { w.keys.push(e.timeStamp); w.armed = w.keys.length - 1; } }, true);
  window.addEventListener("input", (e) => { const k = w.keys.length - 1;
    if (e.target === input && k >= 0 && w.inputs[k] === undefined) requestAnimationFrame(() => {
      w.inputs[k] = performance.now(); }); }, true);
  return !!input;
}"""


def new_page(browser: bench.Browser, profile: str, init_scripts: list[str]):
    """A fresh context (no cache) with the profile's viewport, CPU and network."""
    prof = PROFILES[profile]
    context = browser.browser.new_context(**prof["context"])
    for script in init_scripts:
        context.add_init_script(script)
    page = context.new_page()
    if "cpu" in prof:
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": prof["cpu"]})
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", prof["net"])
    return context, page


def load(browser: bench.Browser, url: str, mode: str, profile: str, data_part: str | None,
         timeout_s: float) -> dict[str, Any]:
    """One cold load: bench.py's markers probe (mode "ours" waits for data-state=ready)."""
    context, page = new_page(browser, profile, [
        bench.OBSERVER_JS % (json.dumps(mode), json.dumps(SEL["markers"])),
        PROBE_JS % json.dumps(SEL["first_result"])])
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)[:200]))
    try:
        page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        page.wait_for_function("() => window.__bench && window.__bench.markers !== undefined",
                               timeout=timeout_s * 1000, polling=100)
        if url.endswith(bench.PAGE_PATH):
            page.wait_for_function("() => window.__phone.first !== null", timeout=30_000,
                                   polling=100)
        page.wait_for_timeout(PROFILES[profile]["settle_ms"])
        out = {**page.evaluate(bench.READ_JS, [SEL["markers"], data_part]),
               **page.evaluate(READ_MORE_JS)}
        out["blocking_ms"] = sum(d - 50 for s, d in out.pop("tasks") if s < out["markers"])
    except Exception as exc:  # one broken page must not end the run: reported instead
        out = {"failed": str(exc).splitlines()[0][:200]}
    finally:
        context.close()
    return {**out, "errors": errors[:3]}


def summarise(loads: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in loads if "failed" not in r]
    out: dict[str, Any] = {"runs": len(ok), "failed": [r["failed"] for r in loads
                                                       if "failed" in r][:2],
                           "errors": sorted({e for r in loads for e in r["errors"]})[:3]}
    for key in ("markers", "first_result", "lcp", "fcp", "dcl", "cls", "ttfb", "html_end",
                "scripts_end", "data_start", "data_end", "blocking_ms"):
        values = [r[key] for r in ok if r.get(key) is not None]
        if values:
            name = key if key in ("cls", "blocking_ms") else key + "_ms"
            out[name] = round(statistics.median(values), 4 if key == "cls" else 1)
    if ok:
        out["markers_runs_ms"] = [round(r["markers"]) for r in ok]
        out.update(lcp_element=ok[-1]["lcp_el"], icons=ok[-1]["icons"],
                   resources=ok[-1]["resources"])
    return out


def where_probe(browser: bench.Browser, url: str, profile: str, reps: int) -> dict[str, Any]:
    """Type WHERE_WORD ``reps`` times; per key: keydown -> next frame after the box changed
    (or, when the box never changes in the DOM, as with a native datalist: -> next frame)."""
    context, page = new_page(browser, profile, [])
    try:
        page.goto(url, wait_until="load", timeout=120_000)
        page.wait_for_function("() => document.body.dataset.state === 'ready'", timeout=120_000)
        if not page.evaluate(WHERE_JS, SEL):
            return {"failed": f"no {SEL['where_input']} on the page"}
        page.focus(SEL["where_input"])
        with contextlib.suppress(Exception):  # without /api/where it just goes on
            page.wait_for_function("() => performance.getEntriesByType('resource').some((r) =>"
                                   " r.name.includes('/api/where') && r.responseEnd > 0)",
                                   timeout=30_000, polling=100)
        page.wait_for_function("() => performance.now() - window.__where.last > 500",
                               timeout=60_000, polling=100)
        typed = []  # indices of our key presses (page.fill's own key events are not ours)
        for _ in range(reps):
            for ch in WHERE_WORD:
                typed.append(k := page.evaluate("() => window.__where.keys.length"))
                page.keyboard.type(ch)
                page.wait_for_function(
                    "(k) => window.__where.frames[k] !== undefined || (window.__where.inputs[k]"
                    " !== undefined && performance.now() - window.__where.keys[k] > 800)",
                    arg=k, timeout=10_000, polling=20)
                page.wait_for_timeout(80)
            page.evaluate("() => { window.__where.armed = -1; }")
            page.fill(SEL["where_input"], "")
            page.wait_for_function("() => performance.now() - window.__where.last > 300",
                                   timeout=10_000, polling=50)
        w = page.evaluate("() => window.__where")
    except Exception as exc:
        return {"failed": str(exc).splitlines()[0][:200]}
    finally:
        context.close()
    def after(key: str) -> list[float]:
        got = w[key] + [None] * len(w["keys"])
        return [got[k] - w["keys"][k] for k in typed if got[k] is not None]

    dom, frame = after("frames"), after("inputs")
    mode = "dom" if len(dom) * 2 >= len(typed) else "frame"
    values = dom if mode == "dom" else frame
    return {"mode": mode, "keys": len(typed), "dom_updates": len(dom),
            "median_ms": round(statistics.median(values), 1) if values else None,
            "p95_ms": round(bench.percentile(values, 95), 1) if values else None,
            "next_frame_median_ms": round(statistics.median(frame), 1) if frame else None}


def measure_size(n: int, work: Path, layers_state: Path, plan: dict, browser: bench.Browser,
                 src: Path | None) -> dict[str, Any]:
    data_dir = bench_data.write_dataset(work / "data", n)
    shutil.copytree(layers_state, work / "state")
    ports = {k: bench.free_port() for k in ("ours", "folium", "datasette")}
    env = bench.explorer_env(data_dir, work / "state", ports["ours"])
    if src:
        env["PYTHONPATH"] = str(src)
    meta = work / "datasette-metadata.json"
    meta.write_text(json.dumps({"plugins": {"datasette-cluster-map": {  # as bench.py: no tiles
        "tile_layer": bench.BLANK_TILE, "tile_layer_options": {"maxZoom": 19}}}}), "utf-8")
    out: dict[str, Any] = {"places": n}
    with contextlib.ExitStack() as stack:
        srv = stack.enter_context(bench.running(f"explorer-{n}", bench.explorer_cmd(), env,
                                                ports["ours"], "/healthz", work))
        answer = bench.plain(bench.one_shot(ports["ours"], bench.API_PATH))
        out["count"] = json.loads(answer)["count"]
        where = json.loads(bench.plain(bench.one_shot(ports["ours"], "/api/where?lang=de")))
        out["where_entries"] = {k: sum(e["kind"] == k for e in where)
                                for k in sorted({e["kind"] for e in where})}
        bench.log(f"  ours up in {srv.started_s:.1f} s; {out['count']} places in the answer")
        site = bench_fixtures.floor_site(work / "floor", answer)
        floor_port = stack.enter_context(bench_fixtures.static_server(site))
        stack.enter_context(bench.running(
            f"alt-{n}", [sys.executable, str(bench.REPO / "scripts" / "bench_alt.py"),
                         str(data_dir), str(ports["folium"])], bench.clean_env({}),
            ports["folium"], "/ping", work))
        db = bench_data.write_sqlite(data_dir, work / "places.db")
        stack.enter_context(bench.running(f"datasette-{n}", [
            str(bench.BIN / "datasette"), "serve", "-i", str(db), "--host", "127.0.0.1",
            "--port", str(ports["datasette"]), "--metadata", str(meta), "--setting",
            "max_returned_rows", str(max(1000, n)), "--setting", "sql_time_limit_ms", "60000"],
            bench.clean_env({}), ports["datasette"], "/-/versions.json", work))
        base = {k: f"http://127.0.0.1:{p}" for k, p in {**ports, "floor": floor_port}.items()}
        pages = {"ours": (base["ours"] + bench.PAGE_PATH, "ours", "/api/places?"),
                 "floor": (base["floor"] + "/", "ours", "places.geojson"),
                 "folium": (f"{base['folium']}/folium?topic={bench.TOPIC}", "other", None),
                 "datasette": (base["datasette"] + bench.DS_TABLE, "other", ".json?")}
        timeout = 600.0 if n >= 100_000 else 180.0
        for name, (url, mode, part) in pages.items():  # warm-up: caches (folium has none)
            if name != "folium":
                load(browser, url, mode, "desktop", part, timeout)
        loads: dict[tuple[str, str], list] = {(p, f): [] for p in pages for f in PROFILES}
        spent = dict.fromkeys(loads, 0.0)
        for r in range(plan["runs"][n]):  # interleaved: background noise hits every page
            bench.log(f"  round {r + 1}/{plan['runs'][n]}")
            for key in (k for k in loads if spent[k] <= BUDGET_S or not loads[k]):
                t0, (url, mode, part) = time.perf_counter(), pages[key[0]]
                loads[key].append(load(browser, url, mode, key[1], part, timeout))
                spent[key] += time.perf_counter() - t0
        out["pages"] = {p: {f: summarise(loads[(p, f)]) for f in PROFILES} for p in pages}
        if n == 10_000:
            bench.log("  where box")
            out["where"] = {f: where_probe(browser, pages["ours"][0], f, plan["keys"])
                            for f in PROFILES}
    return out


def fmt(ms: float | None) -> str:
    return "n/a" if ms is None else f"{ms:.0f} ms" if ms < 10_000 else f"{ms / 1000:.1f} s"


def ratio(a: float | None, b: float | None) -> str:
    return "n/a" if a is None or not b else f"{a / b:.2f}x ({'met' if a / b <= 1.3 else 'missed'})"


def markdown(report: dict[str, Any]) -> str:
    rows = ["| places | page | phone LCP | phone first result / markers | CLS phone / desktop "
            "| desktop markers |", "|---|---|---|---|---|---|"]
    ratios = ["| places | markers desktop | markers phone | LCP desktop | LCP phone |",
              "|---|---|---|---|---|"]
    for n, entry in report["sizes"].items():
        pages = entry["pages"]
        for name, label in PAGES.items():
            d, p = pages[name]["desktop"], pages[name]["phone"]
            first = (fmt(p.get("first_result_ms")) + " / ") if name == "ours" else ""
            rows.append(f"| {int(n):,} | {label} | {fmt(p.get('lcp_ms'))} | {first}"
                        f"{fmt(p.get('markers_ms'))} | {p.get('cls', 'n/a')} / "
                        f"{d.get('cls', 'n/a')} | {fmt(d.get('markers_ms'))} |")
        o, f = pages["ours"], pages["floor"]
        ratios.append(f"| {int(n):,} | " + " | ".join(ratio(o[prof].get(k), f[prof].get(k))
                      for k in ("markers_ms", "lcp_ms") for prof in PROFILES) + " |")
    at10k = report["sizes"].get("10000", {})
    entries, parts = at10k.get("where_entries", {}), []
    for prof, w in at10k.get("where", {}).items():
        if w.get("median_ms") is None:
            parts.append(f"{prof} n/a ({w.get('failed', 'no samples')})")
            continue
        how = "" if w["mode"] == "dom" else "; no DOM update seen, so key → next frame"
        parts.append(f"{prof} {w['median_ms']:.0f} / {w['p95_ms']:.0f} ms "
                     f"({'met' if w['p95_ms'] <= 100 else 'missed'}{how})")
    m, lcp_el = report["machine"], {p: entry["pages"][p]["phone"].get("lcp_element")
                                    for p in ("ours", "floor")}  # the largest entry wins
    rows.append(f"\nLCP element on the phone at {int(n):,}: ours `{lcp_el['ours']}`, floor "
                f"`{lcp_el['floor']}` (its only text, painted before its markers: LCP ratios "
                "compare different elements).")
    return "\n".join([
        "Latest `scripts/bench_phone.py` (phone: 375x740 at 2x, CPU 4x slower, 150 ms, "
        "1.6 Mbit/s; desktop: 1280x800, unthrottled; medians of cold loads; ours: "
        f"`{report['page']}`):", "", *rows, "", "Ours ÷ floor (goal ≤ 1.3x):", "", *ratios, "",
        f"Where box at 10,000 places ({sum(entries.values()):,} names: "
        + ", ".join(f"{v:,} {k}" for k, v in entries.items()) + f"), typing “{WHERE_WORD}”, "
        "key press → suggestions updated, median / p95 per key (goal ≤ 100 ms): "
        + "; ".join(parts) + ".", "", f"Machine: {m['cpu_model']}, nproc {m['nproc']}, "
        f"Chromium {m['chromium']}; {m['date']}."])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="300 and 10,000 only, fewer runs; README untouched")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--src", type=Path, help="serve our app from this checkout (e.g. a "
                        "`git archive HEAD` export) instead of the working tree")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if not Path(bench.CHROMIUM).exists():
        print(f"Chromium not found at {bench.CHROMIUM}", file=sys.stderr)
        return 2
    bench.RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    report: dict[str, Any] = {"quick": args.quick, "page": bench.PAGE_PATH, "src": str(
        args.src or bench.REPO), "profiles": PROFILES, "selectors": SEL, "sizes": {}}
    browser = bench.Browser()
    try:
        report["machine"] = bench.machine_info(browser.version)
        with tempfile.TemporaryDirectory(prefix="explorer-phone-") as tmp:
            work = Path(tmp)
            report["layers"] = bench_fixtures.import_layers(work / "layers-state", work)
            for n in plan["sizes"]:
                bench.log(f"{n:,} places")
                report["sizes"][str(n)] = measure_size(n, work / f"n{n}", work / "layers-state",
                                                       plan, browser, args.src)
    finally:
        browser.close()
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    out = bench.RESULTS / ("phone-quick.json" if args.quick else "phone.json")
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    text = markdown(report)
    print(text)
    if not args.quick and not args.no_readme:
        bench.write_readme_section("<!-- bench-phone:start -->", "<!-- bench-phone:end -->",
                                   text)
    bench.log(f"done in {report['elapsed_s']:.0f} s; {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
