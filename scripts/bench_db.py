"""Benchmark for the editorial database (issue 10), SQLite and PostgreSQL side by side.

In process, for 300, 10,000 and 100,000 synthetic places (about 5 offers each):

- seed: an empty database filled from the geodata file (one bulk insert);
- floor: reading every record's JSON back (SELECT + json.loads; no snapshot work);
- full rebuild: the snapshot built from the database from nothing (as at start-up),
  including the encoded map view that the first request needs;
- incremental rebuild after one published offer: what a reload costs (unchanged places
  keep their derived rows and encoded bytes);
- the alternative: the same snapshot from the geodata files (the read path before).

Over HTTP at 10,000 places (``explorer serve``, RELOAD_INTERVAL 0.2 s):

- suggestion submit p50/p99 (POST /suggest);
- approval to visible: from the editor's approve request until /api/offers/<id> answers;
- readers' p99 of /api/places while approvals make the server rebuild, against their p99
  with no writes, in the same run.

Times are never asserted. Writes bench-results/db.json and the README section between
``<!-- bench-db:start -->`` and ``<!-- bench-db:end -->`` (not with --quick).

    .venv/bin/python scripts/bench_db.py [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from sqlalchemy import select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402
import bench_data  # noqa: E402
from bench_offers import machine  # noqa: E402
from pgcluster import PostgresCluster, pg_bin  # noqa: E402

from explorer.db import make_engine, migrate, records  # noqa: E402
from explorer.db.models import OFFER, Submission  # noqa: E402
from explorer.db.seed import seed_bulk  # noqa: E402
from explorer.db.source import DatabaseSource  # noqa: E402
from explorer.editorial.accounts import add_user  # noqa: E402
from explorer.load import dataset_of, load_dataset, load_reference  # noqa: E402
from explorer.store import Snapshot  # noqa: E402

START, END = "<!-- bench-db:start -->", "<!-- bench-db:end -->"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "bench password 123"


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, round((time.perf_counter() - start) * 1000, 1)


def snapshot_of(source: DatabaseSource, reference, previous=None) -> Snapshot:
    loaded = source.load(reference)
    dataset = dataset_of(reference, loaded.features, f"{reference.version}-{loaded.version}",
                         "database", loaded.meta)
    snap = Snapshot.build(dataset, previous=previous)
    snap.features.get("place", "map", "de")  # what the first map request needs
    return snap


def in_process(n: int, url: str, data_dir: Path) -> dict:
    features = json.loads((data_dir / "places.geojson").read_text(encoding="utf-8"))["features"]
    engine = make_engine(url)
    migrate.upgrade(engine)
    out: dict = {"places": n, "offers": sum(len(f["properties"]["offers"]) for f in features)}

    def seed():
        with Session(engine) as session, session.begin():
            seed_bulk(session, features, "bench", "bench")
    _none, out["seed_ms"] = timed(seed)

    def floor():
        with engine.connect() as conn:
            return [json.loads(d) for (d,) in conn.execute(text("SELECT data FROM records"))]
    _rows, out["floor_ms"] = timed(floor)
    del _rows
    reference = load_reference(data_dir)
    source = DatabaseSource(engine)
    snap, out["full_ms"] = timed(lambda: snapshot_of(source, reference))
    offer = features[n // 2]["properties"]["offers"][0]
    changed = {**offer, "title": {"de": "Geändert im Benchmark"}}
    with Session(engine) as session, session.begin():
        row = records.get(session, OFFER, offer["id"])
        records.publish(session, OFFER, offer["id"], changed, base_version=row.version,
                        author="bench")
    _snap, out["incremental_ms"] = timed(lambda prev=snap: snapshot_of(source, reference, prev))
    del snap, _snap

    def from_files():
        s = Snapshot.build(load_dataset(data_dir))
        s.features.get("place", "map", "de")
    _none, out["files_ms"] = timed(from_files)
    engine.dispose()
    return out


def login(base: str) -> requests.Session:
    http = requests.Session()
    token = TOKEN.search(http.get(f"{base}/login", timeout=30).text).group(1)
    http.post(f"{base}/login", data={"email": "editor@example.org", "password": PASSWORD,
                                     "csrf_token": token}, timeout=30)
    return http


def suggest(http: requests.Session, base: str, place: str, i: int) -> float:
    token = TOKEN.search(http.get(f"{base}/suggest", timeout=30).text).group(1)
    form = {"what": "offer", "place": place, "title": f"Bench-Angebot {i}",
            "topics": "physik", "groups": "sek1", "format": "workshop",
            "link": "https://example.org/bench", "csrf_token": token}
    start = time.perf_counter()
    answer = http.post(f"{base}/suggest", data=form, timeout=30)
    elapsed = time.perf_counter() - start
    assert answer.status_code == 200, answer.status_code
    return elapsed


def pending(engine) -> list[tuple[int, str]]:
    with Session(engine) as session:
        return [(s.id, s.target_id) for s in session.execute(
            select(Submission).where(Submission.state == "submitted")
            .order_by(Submission.id)).scalars()]


def approve(http: requests.Session, base: str, sub_id: int) -> None:
    token = TOKEN.search(http.get(f"{base}/edit/submission/{sub_id}", timeout=30).text).group(1)
    answer = http.post(f"{base}/edit/submission/{sub_id}/approve",
                       data={"csrf_token": token}, timeout=30, allow_redirects=False)
    assert answer.status_code == 302, answer.status_code


def readers_p99(base: str, seconds: float, stop_writer: threading.Event | None) -> dict:
    times: list[float] = []
    lock = threading.Lock()
    end = time.perf_counter() + seconds

    def read() -> None:
        http = requests.Session()
        while time.perf_counter() < end:
            start = time.perf_counter()
            http.get(f"{base}/api/places?topic=physik&lang=de&view=map", timeout=60)
            with lock:
                times.append(time.perf_counter() - start)

    threads = [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if stop_writer is not None:
        stop_writer.set()
    return bench.summary_ms(times)


def over_http(n: int, url: str, data_dir: Path, work: Path, name: str) -> dict:
    engine = make_engine(url)
    migrate.upgrade(engine)
    features = json.loads((data_dir / "places.geojson").read_text(encoding="utf-8"))["features"]
    with Session(engine) as session, session.begin():
        if records.data_version(session) == 0:
            seed_bulk(session, features, "bench", "bench")
        add_user(session, "editor@example.org", "editor", PASSWORD)
    port = bench.free_port()
    env = bench.explorer_env(data_dir, work / f"state-{name}", port)
    env.update({"EXPLORER_DATABASE_URL": url, "EXPLORER_RELOAD_INTERVAL": "0.2",
                "EXPLORER_SUGGEST_RATE_LIMIT": "100000 per minute",
                "EXPLORER_LOGIN_RATE_LIMIT": "100000 per minute",
                "EXPLORER_SECRET_KEY": "bench"})
    out: dict = {"places": n}
    with bench.running(f"db-{name}", bench.explorer_cmd(), env, port, "/healthz", work):
        base = f"http://127.0.0.1:{port}"
        visitor = requests.Session()
        place = features[0]["id"]
        out["submit"] = bench.summary_ms([suggest(visitor, base, place, i) for i in range(60)])
        editor = login(base)
        for path in ("/api/places?lang=de&view=map", "/api/places?topic=physik&lang=de&view=map",
                     f"/api/offers/{features[0]['properties']['offers'][0]['id']}"):
            requests.get(base + path, timeout=120)  # a server in use has answered these
        visible = []
        for sub_id, offer_id in pending(engine)[:8]:
            start = time.perf_counter()
            approve(editor, base, sub_id)
            while requests.get(f"{base}/api/offers/{offer_id}", timeout=30).status_code != 200:
                time.sleep(0.01)
            visible.append(time.perf_counter() - start)
        out["approval_to_visible"] = bench.summary_ms(visible)
        out["readers_quiet"] = readers_p99(base, 6.0, None)
        stop = threading.Event()
        queue = pending(engine)

        def writer() -> None:
            for sub_id, _offer in queue:
                if stop.is_set():
                    return
                approve(editor, base, sub_id)
                time.sleep(0.5)

        thread = threading.Thread(target=writer)
        thread.start()
        out["readers_rebuilding"] = readers_p99(base, 6.0, stop)
        thread.join()
        out["approvals_during_readers"] = len(queue) - len(pending(engine))
    engine.dispose()
    return out


def markdown(results: dict, when: str) -> str:
    lines = [f"Latest `scripts/bench_db.py` ({when}; {machine()}):", "",
             "| database | places (offers) | seed | floor: read all JSON | full rebuild | "
             "incremental rebuild (1 offer) | from files (before) | full ÷ incremental |",
             "|---|---|---|---|---|---|---|---|"]
    for name, rows in results["in_process"].items():
        for r in rows:
            lines.append(
                f"| {name} | {r['places']:,} ({r['offers']:,}) | {bench_ms(r['seed_ms'])} | "
                f"{bench_ms(r['floor_ms'])} | {bench_ms(r['full_ms'])} | "
                f"{bench_ms(r['incremental_ms'])} | {bench_ms(r['files_ms'])} | "
                f"{r['full_ms'] / max(r['incremental_ms'], 0.1):.1f}x |")
    lines += ["", "| database (10,000 places, HTTP) | submit p50 / p99 | approval → visible "
              "p50 / max | readers p99 quiet | readers p99 rebuilding | ratio |",
              "|---|---|---|---|---|---|"]
    for name, r in results["http"].items():
        quiet, busy = r["readers_quiet"]["p99_ms"], r["readers_rebuilding"]["p99_ms"]
        lines.append(
            f"| {name} | {r['submit']['p50_ms']:.1f} / {r['submit']['p99_ms']:.1f} ms | "
            f"{r['approval_to_visible']['p50_ms']:.0f} / "
            f"{r['approval_to_visible']['max_ms']:.0f} ms | {quiet:.1f} ms | {busy:.1f} ms | "
            f"{busy / quiet:.1f}x |")
    verdicts = []
    for name, r in results["http"].items():
        checks = [("submit p99 ≤ 50 ms", r["submit"]["p99_ms"] <= 50),
                  ("approval to visible ≤ 2 s", r["approval_to_visible"]["max_ms"] <= 2000),
                  ("readers' p99 during rebuilds ≤ 2x", r["readers_rebuilding"]["p99_ms"]
                   <= 2 * r["readers_quiet"]["p99_ms"])]
        verdicts.append(f"{name}: " + ", ".join(f"{c} {'met' if ok else 'MISSED'}"
                                                for c, ok in checks) + ".")
    return "\n".join([*lines, "", *verdicts])


def bench_ms(value: float) -> str:
    return f"{value / 1000:.1f} s" if value >= 10_000 else f"{value:.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--http-only", action="store_true", help="skip the in-process part")
    args = parser.parse_args(argv)
    sizes = (300, 10_000) if args.quick else (300, 10_000, 100_000)
    results: dict = {"in_process": {}, "http": {}}
    with tempfile.TemporaryDirectory(prefix="bench-db-") as tmp:
        work = Path(tmp)
        cluster = None
        if pg_bin() is not None:
            # outside the private temp folder: the postgres user must reach it
            cluster = PostgresCluster(Path(f"/tmp/explorer-pg-bench-{os.getpid()}"))
            cluster.init()
        try:
            data = {n: bench_data.write_dataset(work / f"data-{n}", n)
                    for n in ((10_000,) if args.http_only else sizes)}
            backends = {"SQLite": lambda tag: f"sqlite:///{work / (tag + '.db')}"}
            if cluster is not None:
                backends["PostgreSQL"] = lambda tag: cluster.create_database(tag)
            else:
                bench.log("PostgreSQL not installed: SQLite only")
            for name, url_for in backends.items():
                results["in_process"][name] = []
                for n in () if args.http_only else sizes:
                    bench.log(f"db benchmark: {name}, {n} places (in process)")
                    results["in_process"][name].append(in_process(n, url_for(f"p{n}"), data[n]))
                bench.log(f"db benchmark: {name}, 10,000 places over HTTP")
                results["http"][name] = over_http(10_000, url_for("http"), data[10_000],
                                                  work, name)
        finally:
            if cluster is not None:
                cluster.stop("immediate")
                shutil.rmtree(cluster.root, ignore_errors=True)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    bench.RESULTS.mkdir(exist_ok=True)
    (bench.RESULTS / "db.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    text_md = markdown(results, when)
    print(text_md)
    if not args.quick:
        bench.write_readme_section(START, END, text_md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
