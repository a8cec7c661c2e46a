"""OGC API - Features at scale: ours against pygeoapi and a GeoJSON file floor, same run.

For N synthetic places (scripts/bench_data.py, default 100,000) it starts ``explorer serve``
(127.0.0.1, the synthetic DATA_DIR, no database, no reload) and measures, each client in a
fresh child process (its memory is its own, a slow server is cut off at ``--budget``):

- paging: /ogc/collections/places/items?limit=1000 and its ``next`` links with http.client
  (keep-alive, gzip), every id exactly once; twice on ours (cold, then warm caches);
- GDAL's OAPIF driver (pyogrio, PAGE_SIZE=1000) reading the collection into a GeoDataFrame;
- the floor: GDAL reading the same features (saved from the first paging) from a file;
- the alternative: pygeoapi (own venv, scripts/bench_ogc_pygeoapi.py) serving that file.

Server RSS is sampled from /proc during each client. Times are never asserted. Prints JSON,
writes bench-results/ogc.json and the section between the bench-ogc markers of ``--readme``.

    .venv/bin/python scripts/bench_ogc.py [--places 2000] [--skip-pygeoapi] [--readme PATH]
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (sibling scripts)
import bench_data  # noqa: E402
import bench_ogc_pygeoapi as pga  # noqa: E402

START, END = "<!-- bench-ogc:start -->", "<!-- bench-ogc:end -->"
LIMIT = 1000
ITEMS = f"/collections/places/items?limit={LIMIT}"
JSON_TYPES = ("application/geo+json", "application/json")
HEADERS = {"Accept": "application/geo+json, application/json;q=0.9", "Accept-Encoding": "gzip"}
GDAL_CONFIG = {"GDAL_HTTP_TIMEOUT": "120", "GDAL_HTTP_CONNECTTIMEOUT": "5",
               "GDAL_HTTP_MAX_RETRY": "0", "CPL_DEBUG": "ON"}  # debug: its fetches on stderr
ROWS = {"page_ours": "OGC API paging (ours, cold)", "page_ours_warm": "OGC API paging "
        "(ours, warm)", "page_pygeoapi": "OGC API paging (pygeoapi)", "gdal_ours": "GDAL "
        "OAPIF (ours)", "gdal_pygeoapi": "GDAL OAPIF (pygeoapi)", "floor": "GDAL GeoJSON file "
        "(floor)"}


# ---------------------------------------------------------------- clients (child processes)


def next_href(doc: dict) -> str | None:
    """The JSON ``next`` link of a page (a server may also offer an HTML one)."""
    found = [x for x in doc.get("links") or [] if x.get("rel") == "next"]
    for x in found:
        if x.get("type", "application/json") in JSON_TYPES:
            return x["href"]
    return found[0]["href"] if found else None


def page_all(url: str, budget_s: float, save: Path | None = None) -> dict[str, Any]:
    """Follow next links on one keep-alive connection until none or the budget is spent."""
    seen: set[str] = set()
    times: list[float] = []
    duplicates = pages = wire = 0
    matched = None
    conn: http.client.HTTPConnection | None = None
    host = None
    started = time.perf_counter()
    try:
        while url:
            t0, parts = time.perf_counter(), urlsplit(url)
            if (parts.hostname, parts.port) != host:  # a next link may name another host
                conn and conn.close()
                host = (parts.hostname, parts.port)
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
            conn.request("GET", parts.path + ("?" + parts.query if parts.query else ""),
                         headers=HEADERS)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"{url} answered {response.status}: {body[:200]!r}")
            wire += len(body)
            if response.getheader("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            doc = json.loads(body)
            times.append(time.perf_counter() - t0)
            pages += 1
            matched = doc.get("numberMatched", matched)
            for f in doc["features"]:
                duplicates += f["id"] in seen
                seen.add(f["id"])
            if save is not None:
                (save / f"page-{pages:06d}.json").write_bytes(body)
            url = next_href(doc) if doc["features"] else None
            if url and time.perf_counter() - started > budget_s:
                break
    finally:
        conn and conn.close()
    return {"seconds": round(time.perf_counter() - started, 3), "pages": pages,
            "features": len(seen) + duplicates, "unique": len(seen), "duplicates": duplicates,
            "matched": matched, "wire_bytes": wire, "stopped_at_budget": bool(url),
            "first_page_s": round(times[0], 3) if times else None,
            "page_p50_ms": round(statistics.median(times) * 1000, 1) if times else None}


def status_kib(field: str, pid: int | str = "self") -> int:
    """VmRSS or VmHWM (peak, reset by exec, unlike ru_maxrss, which keeps the parent's)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def gdal_read(source: str) -> dict[str, Any]:
    """pyogrio.read_dataframe of the whole layer (holds the GIL: the server is elsewhere)."""
    import pyogrio

    pyogrio.set_gdal_config_options(GDAL_CONFIG)
    base = status_kib("VmRSS")
    options = {"layer": "places", "PAGE_SIZE": str(LIMIT)} if source.startswith("OAPIF:") else {}
    started = time.perf_counter()
    df = pyogrio.read_dataframe(source, **options)
    out = {"seconds": round(time.perf_counter() - started, 3), "features": len(df),
           "unique": int(df["id"].nunique()) if "id" in df else None,
           "columns": len(df.columns), "rss_base_kib": base}
    return out


def client_main(kind: str, target: str, budget_s: float, save: str | None) -> None:
    base = status_kib("VmRSS")
    out = (gdal_read(target) if kind == "gdal"
           else {**page_all(target, budget_s, Path(save) if save else None),
                 "rss_base_kib": base})
    out["rss_peak_kib"] = status_kib("VmHWM")
    print(json.dumps(out))


# ---------------------------------------------------------------- the parent's side


class RssSampler(threading.Thread):
    """The server's resident memory every 50 ms while a client runs."""

    def __init__(self, pid: int | None):
        super().__init__(daemon=True)
        self.pid, self.stop, self.peak = pid, threading.Event(), 0
        self.before = status_kib("VmRSS", pid) if pid else 0

    def run(self) -> None:
        while self.pid and not self.stop.wait(0.05):
            try:
                self.peak = max(self.peak, status_kib("VmRSS", self.pid))
            except OSError:
                return


def measure(kind: str, target: str, pid: int | None, budget_s: float,
            save: Path | None = None) -> dict[str, Any]:
    """One client in a child process. Paging stops itself at the budget; GDAL is killed
    there (its item pages fetched so far, from CPL_DEBUG, give an estimate)."""
    cmd = [sys.executable, __file__, "--client", kind, target, "--budget", str(budget_s)]
    if save:
        save.mkdir(parents=True, exist_ok=True)
        cmd += ["--save", str(save)]
    sampler = RssSampler(pid)
    sampler.start()
    env = bench.clean_env({"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env,
                              timeout=budget_s + (0 if kind == "gdal" else 120))
        stderr, out = done.stderr, (json.loads(done.stdout.strip().splitlines()[-1])
                                    if done.returncode == 0 else
                                    {"failed": f"exit {done.returncode}: {done.stderr[-600:]}"})
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr or ""
        stderr = err.decode(errors="replace") if isinstance(err, bytes) else err
        out = {"failed": f"cut off at the budget ({budget_s:.0f} s)", "timed_out": True}
    finally:
        sampler.stop.set()
        sampler.join(timeout=5)
    if kind == "gdal":
        out["item_fetches"] = len(re.findall(  # pages of LIMIT, not its limit=20 schema probe
            rf"HTTP: Fetch\(\S*/items\?\S*limit={LIMIT}", stderr or ""))
    if pid:
        out.update(server_rss_before_kib=sampler.before,
                   server_rss_max_kib=max(sampler.peak, sampler.before))
    return out


def estimate(e: dict[str, Any], matched: int | None, budget_s: float) -> float | None:
    """Seconds for all pages, from the part done within the budget (None: nothing to go on
    or nothing cut off)."""
    pages_all = -(-matched // LIMIT) if matched else 0
    if e.get("stopped_at_budget") and e.get("pages"):
        return round(e["seconds"] * pages_all / e["pages"], 1)
    if e.get("timed_out") and e.get("item_fetches"):
        return round(budget_s * pages_all / e["item_fetches"], 1)
    return None


def write_floor(pages: Path, target: Path) -> int:
    """The saved pages' features as one FeatureCollection, streamed (memory: one page)."""
    count = 0
    with target.open("w", encoding="utf-8") as out:
        out.write('{"type":"FeatureCollection","features":[')
        for page in sorted(pages.glob("page-*.json")):
            for feature in json.loads(page.read_bytes())["features"]:
                out.write(("," if count else "") + json.dumps(
                    feature, ensure_ascii=False, separators=(",", ":")))
                count += 1
        out.write("]}")
    return count


def replace_section(text: str, body: str, start: str = START, end: str = END) -> str | None:
    """``text`` with what stands between the markers replaced; None without markers."""
    if start not in text or end not in text:
        return None
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    return pattern.sub(lambda _m: f"{start}\n{body}\n{end}", text, count=1)


def fmt_s(e: dict) -> str:
    guess = e.get("estimated_all_s")
    if "seconds" not in e:
        return f"≈ {guess:.0f} s (est.; cut off at the budget)" if guess else (
            "n/a (" + e.get("failed", "skipped")[:60] + ")")
    took = f"{e['seconds']:.1f} s" if e["seconds"] >= 10 else f"{e['seconds']:.2f} s"
    return f"≈ {guess:.0f} s (est.; {e['pages']} pages in {took})" if guess else took


def mib(kib: int | None) -> str:
    return "n/a" if not kib else f"{kib / 1024:.0f} MiB"


def markdown(r: dict[str, Any]) -> str:
    m, floor = r["machine"], r["runs"].get("floor", {}).get("seconds")
    rows = ["| measurement | time | features | server RSS max | client RSS growth | ÷ floor |",
            "|---|---|---|---|---|---|"]
    for key, label in ROWS.items():
        e = r["runs"].get(key)
        if e is None:
            continue
        grow = e["rss_peak_kib"] - e["rss_base_kib"] if "rss_peak_kib" in e else None
        took = e.get("estimated_all_s") or e.get("seconds")
        ratio = f"{took / floor:.1f}x" if floor and took else "n/a"
        count = f"{e['features']:,}" if "features" in e else "n/a"
        count += " (first pages)" if e.get("stopped_at_budget") else ""
        count += "" if e.get("count_ok", True) else " (✗ ids)"
        rows.append(f"| {label} | {fmt_s(e)} | {count} | {mib(e.get('server_rss_max_kib'))} "
                    f"| {mib(grow)} | {ratio} |")
    c, start = r["code"], r["startup_s"]
    py = c.get("pygeoapi")
    code = (f"Code: ours {c['ours_py']['lines']:,} lines of Python in explorer/ogc/*.py plus "
            f"{c['ours_templates']['lines']:,} in templates/ogc/* (on top of the app's query "
            "code)")
    code += (f"; pygeoapi {py['py']['lines']:,} lines of Python in its installed package "
             f"(plus {py['templates']['lines']:,} template lines), and a deployment adds a "
             f"{py['config']['lines']}-line config and a generated {py['openapi']['lines']:,}"
             "-line OpenAPI document." if py else ".")
    ups = ", ".join(f"{k} {v:.1f} s" for k, v in start.items())
    per = "; ".join(f"{ROWS[k].split('(', 1)[1][:-1]}: first page {e['first_page_s']:.2f} s, "
                    f"median {e['page_p50_ms']:.0f} ms" for k in ROWS
                    if (e := r["runs"].get(k, {})).get("first_page_s") is not None)
    return "\n".join([
        f"Latest `scripts/bench_ogc.py`: {r['places']:,} synthetic places, pages of {LIMIT} "
        f"followed by `next` links (http.client, keep-alive, gzip) and GDAL "
        f"{m['gdal']} OAPIF (pyogrio {m['pyogrio']}, PAGE_SIZE={LIMIT}); pygeoapi "
        f"{m.get('pygeoapi') or 'skipped'} (waitress, GeoJSON provider on the floor's file). "
        f"{m['cpu_model']}, nproc {m['nproc']}, Python {m['python']}; {m['date']}.", "",
        *rows, "", f"Per page of the paging client: {per}. Start-up to first answer: {ups}. "
        "÷ floor: time over GDAL reading the same features from a GeoJSON file on disk.",
        "", code])


def ours(work: Path, data_dir: Path, r: dict[str, Any], budget: float) -> None:
    port, state = bench.free_port(), work / "state"
    state.mkdir()
    env = bench.explorer_env(data_dir, state, port)
    with bench.running("explorer", bench.explorer_cmd(), env, port, "/healthz", work,
                       timeout=600) as srv:
        r["startup_s"]["ours"] = round(srv.started_s, 2)
        url, pid = f"http://127.0.0.1:{port}/ogc{ITEMS}", srv.proc.pid
        bench.log("ours: paging (cold, saving the pages for the floor)")
        r["runs"]["page_ours"] = measure("page", url, pid, budget, work / "pages")
        bench.log("ours: paging (warm)")
        r["runs"]["page_ours_warm"] = measure("page", url, pid, budget)
        bench.log("ours: GDAL OAPIF")
        r["runs"]["gdal_ours"] = measure("gdal", f"OAPIF:http://127.0.0.1:{port}/ogc/", pid,
                                         budget)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=100_000)
    parser.add_argument("--budget", type=float, default=120.0,
                        help="seconds per client run before it stops or is cut off")
    parser.add_argument("--skip-pygeoapi", action="store_true")
    parser.add_argument("--readme", type=Path, default=bench.README)
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--client", nargs=2, metavar=("KIND", "TARGET"), help=argparse.SUPPRESS)
    parser.add_argument("--save", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.client:
        client_main(*args.client, args.budget, args.save)
        return 0
    import pyogrio

    started = time.perf_counter()
    r: dict[str, Any] = {"places": args.places, "limit": LIMIT, "budget_s": args.budget,
                         "runs": {}, "startup_s": {}, "machine": {
                             **bench.machine_info(""), "gdal": pyogrio.__gdal_version_string__,
                             "pyogrio": pyogrio.__version__}}
    r["code"] = {"ours_py": pga.code_lines(sorted(bench.REPO.glob("explorer/ogc/*.py"))),
                 "ours_templates": pga.code_lines(sorted(bench.REPO.glob("templates/ogc/*")))}
    with tempfile.TemporaryDirectory(prefix="explorer-ogc-") as tmp:
        work = Path(tmp)
        bench.log(f"{args.places:,} synthetic places")
        data_dir = bench_data.write_dataset(work / "data", args.places)
        ours(work, data_dir, r, args.budget)
        floor = work / "places.geojson"
        r["floor_features"], r["floor_bytes"] = write_floor(work / "pages", floor), 0
        r["floor_bytes"] = floor.stat().st_size
        bench.log("floor: GDAL reading the GeoJSON file")
        r["runs"]["floor"] = measure("gdal", str(floor), None, args.budget)
        if not args.skip_pygeoapi:
            pga.run(work, floor, r, lambda *a: measure(*a, args.budget), ITEMS)
    expected = r["runs"]["page_ours"].get("matched")
    for e in r["runs"].values():  # every id once, and all numberMatched of them
        if "features" in e:
            whole = e["features"] == expected or e.get("stopped_at_budget")
            e["count_ok"] = bool(e["features"] == e.get("unique") and whole)
        if (guess := estimate(e, expected, args.budget)) is not None:
            e["estimated_all_s"] = guess
    r["elapsed_s"] = round(time.perf_counter() - started, 1)
    bench.RESULTS.mkdir(parents=True, exist_ok=True)
    name = "ogc.json" if args.places == 100_000 else f"ogc-{args.places}.json"
    (bench.RESULTS / name).write_text(json.dumps(r, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(r, indent=2))
    text = markdown(r)
    print(text, file=sys.stderr)
    if not args.no_readme and args.readme.exists():
        new = replace_section(args.readme.read_text(encoding="utf-8"), text)
        if new is None:
            bench.log(f"{args.readme} has no {START} ... {END} markers: left as it is")
        else:
            args.readme.write_text(new, encoding="utf-8")
            bench.log(f"section written into {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
