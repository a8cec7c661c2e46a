"""Fixtures for scripts/bench_phone.py: the static floor and synthetic schools and Kitas.

The floor: the same answer, no application at all. A folder with our ``/api/places``
answer as a static GeoJSON file, the vendored Leaflet and markercluster files our app serves
(copied from the installed xstatic packages, never into the repo) and a minimal page that
fetches the file from its <head> and adds one marker per feature to a cluster with our
cluster options; served from memory by a bare ``http.server`` on 127.0.0.1 (gzip when
asked, keep-alive).

The layers: 500 synthetic schools and Kitas around the Stadtteil points, written as the City
of Bochum's CSV files and imported into a STATE_DIR by ``explorer import``'s own code.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import json
import mimetypes
import random
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import bench_alt
import bench_data

LAYER_COUNTS = {"schools": 200, "daycare": 300}

FLOOR_HTML = """<!doctype html><html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>floor</title>
<script>window.__data = fetch("places.geojson").then((r) => r.json());</script>
%s<style>html, body, #map { height: 100%%; margin: 0; }</style></head><body><div id="map"></div>
%s<script>
const map = L.map("map", {maxZoom: 19, minZoom: 9}).fitBounds(%s);
const cluster = L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 50,
                                      chunkedLoading: true}).addTo(map);
window.__data.then((fc) => {
  cluster.addLayers(fc.features.map((f) => L.marker([f.geometry.coordinates[1],
    f.geometry.coordinates[0]], {icon: L.divIcon({className: "pin", iconSize: [18, 18]}),
    title: f.properties.name})));
  document.body.dataset.markers = String(fc.features.length);
  document.body.dataset.state = "ready";
});
</script></body></html>"""




def floor_site(target: Path, answer: bytes) -> Path:
    """The answer as GeoJSON, the vendored files our app serves, a minimal page."""
    from explorer import maps

    for rel in [*maps.VENDOR_JS, *maps.VENDOR_CSS]:
        _, package, name = rel.split("/", 2)
        (target / "vendor" / package).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(bench_alt.VENDOR[package] / name, target / "vendor" / package / name)
    (target / "places.geojson").write_bytes(answer)
    css = "".join(f'<link rel="stylesheet" href="{c}">\n' for c in maps.VENDOR_CSS)
    js = "".join(f'<script src="{s}"></script>\n' for s in maps.VENDOR_JS)
    bounds = json.dumps([list(corner) for corner in maps.BOCHUM_BOUNDS])
    (target / "index.html").write_text(FLOOR_HTML % (css, js, bounds), encoding="utf-8")
    return target


@contextlib.contextmanager
def static_server(root: Path):
    """Files from memory, gzip when asked, keep-alive: the cheapest server there is."""
    files = {"/" + p.relative_to(root).as_posix(): (mimetypes.guess_type(p.name)[0] or
             "text/plain", p.read_bytes()) for p in root.rglob("*") if p.is_file()}
    files = {k: (t, raw, gzip.compress(raw, 6)) for k, (t, raw) in files.items()}
    files["/"] = files["/index.html"]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            found = files.get(self.path.split("?", 1)[0])
            if found is None:
                self.send_error(404)
                return
            zipped = "gzip" in self.headers.get("Accept-Encoding", "")
            body = found[2] if zipped else found[1]
            self.send_response(200)
            self.send_header("Content-Type", found[0])
            self.send_header("Content-Length", str(len(body)))
            if zipped:
                self.send_header("Content-Encoding", "gzip")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def import_layers(state: Path, work: Path) -> dict[str, int]:
    """500 synthetic schools and Kitas written as the city's CSV files, then ``run_import``."""
    from pyproj import Transformer

    from explorer.pipeline.importer import run_import
    from explorer.pipeline.opendata import REQUIRED_COLUMNS, SOURCES

    districts, _ = bench_data.load_gazetteer()
    rng = random.Random(bench_data.SEED)
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    kinds = {"schools": (["Grundschulen", "Gymnasien", "Gesamtschulen", "Realschulen"],
                         ["Grundschule {w}", "Gymnasium {w}", "Gesamtschule {w}"]),
             "daycare": (["Kindertagesstätten"], ["Kita Regenbogen {w}", "Kita Sonnenschein {w}",
                                                   "Städtische Kindertageseinrichtung {w}"])}
    source = work / "opendata"
    source.mkdir(parents=True)
    for layer, count in LAYER_COUNTS.items():
        cats, names = kinds[layer]
        with (source / SOURCES[layer][1]).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, [*REQUIRED_COLUMNS, "abrufdatum"], delimiter=";")
            writer.writeheader()
            for i in range(count):
                d = rng.choice(districts)
                east, north = to_utm.transform(*bench_data.point_near(rng, d))
                cat = rng.choice(cats)
                writer.writerow({
                    "poi_id": f"{layer[:2]}{i}", "name": f"{rng.choice(names)} {i}".format(
                        w=d["name"]), "str_hausnr": f"{rng.choice(bench_data.STREETS)} {i}",
                    "plz_ort": "44787 Bochum", "kategorie": cat, "kateg_pfad": f"Bildung/{cat}",
                    "erstkateg": "1", "rechts_utm": f"{east:.0f}", "hoch_utm": f"{north:.0f}",
                    "abrufdatum": "2026-11-24"})
    report = run_import(str(source), state, dry_run=False, timeout=10, user_agent="bench")
    return {b.layer: len(b.features) for b in report.built}
