"""The alternatives the benchmark compares against, as one tiny Flask app (run by bench.py).

Routes, all over the same synthetic DATA_DIR the explorer serves:

- ``/folium?topic=X``: the naive folium way. Per request: filter the places, build a
  ``folium.Map`` with every match inlined as a ``folium.Marker`` (tooltip = name) in a
  ``MarkerCluster``, render the whole page. Assets point at the local xstatic copies served
  below (folium's defaults are CDNs; jQuery/Bootstrap/Font Awesome are dropped, which is
  why markers get tooltips: folium's popups need jQuery). ``max_zoom`` is set because with
  ``tiles=None`` MarkerCluster throws otherwise.
- ``/folium-prebuilt?topic=X``: the page last built for that URL (built once if missing),
  so the browser part can be timed without paying the ~70 s build again at 100,000.
- ``/tojson?topic=X``: ``GeoDataFrame.to_json()`` over the filtered frame per request, with
  the same properties as the explorer's ``view=map``.
- ``/vendor/<leaflet|markercluster>/<file>``: the xstatic assets.

Served by waitress on 127.0.0.1 (same server as ``explorer serve``)::

    .venv/bin/python scripts/bench_alt.py DATA_DIR PORT
"""

from __future__ import annotations

import argparse
import json
import threading
from pathlib import Path

import folium
import geopandas as gpd
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from flask import Flask, Response, abort, request, send_from_directory
from folium.plugins import MarkerCluster

CENTER = (51.47, 7.23)
VENDOR = {"leaflet": Path(xstatic.pkg.leaflet.BASE_DIR),
          "markercluster": Path(xstatic.pkg.leaflet_markercluster.BASE_DIR)}
MAP_PROPS = ["name", "kind", "kind_label", "stadtteil"]


def topics_of(feature: dict) -> set[str]:
    """What a naive app would do: the topics of the place's active offers."""
    return {t for o in feature["properties"]["offers"] if o.get("status", "active") == "active"
            for t in o["topics"]}


def load(data_dir: Path) -> tuple[list[dict], gpd.GeoDataFrame]:
    features = json.loads((data_dir / "places.geojson").read_text(encoding="utf-8"))["features"]
    taxonomy = json.loads((data_dir / "taxonomy.json").read_text(encoding="utf-8"))
    rows = [{"id": f["id"], "name": f["properties"]["name"], "kind": f["properties"]["kind"],
             "kind_label": taxonomy["kinds"][f["properties"]["kind"]]["de"],
             "stadtteil": f["properties"].get("stadtteil"),
             "topics": ",".join(topics_of(f))} for f in features]
    frame = gpd.GeoDataFrame(
        rows, crs="EPSG:4326",
        geometry=gpd.points_from_xy([f["geometry"]["coordinates"][0] for f in features],
                                    [f["geometry"]["coordinates"][1] for f in features]))
    return features, frame.set_index("id")


def folium_page(features: list[dict], topic: str) -> str:
    m = folium.Map(location=CENTER, zoom_start=12, tiles=None, max_zoom=19)
    m.options["maxZoom"] = 19  # tiles=None leaves maxZoom unset: MarkerCluster would throw
    m.default_js = [("leaflet", "/vendor/leaflet/leaflet.js")]
    m.default_css = [("leaflet_css", "/vendor/leaflet/leaflet.css")]
    cluster = MarkerCluster(name="places")
    cluster.default_js = [("markerclusterjs", "/vendor/markercluster/leaflet.markercluster.js")]
    cluster.default_css = [
        ("markerclustercss", "/vendor/markercluster/MarkerCluster.css"),
        ("markerclusterdefaultcss", "/vendor/markercluster/MarkerCluster.Default.css"),
    ]
    cluster.add_to(m)
    for f in features:
        if topic and topic not in topics_of(f):
            continue
        lon, lat = f["geometry"]["coordinates"]
        folium.Marker([lat, lon], tooltip=f["properties"]["name"]).add_to(cluster)
    return m.get_root().render()


def create_app(data_dir: Path) -> Flask:
    app = Flask(__name__)
    features, frame = load(data_dir)
    prebuilt: dict[str, str] = {}
    lock = threading.Lock()

    @app.get("/ping")
    def ping() -> Response:
        return Response("ok", mimetype="text/plain")

    @app.get("/folium")
    def naive_folium() -> Response:
        topic = request.args.get("topic", "")
        page = folium_page(features, topic)
        with lock:
            prebuilt[topic] = page
        return Response(page, mimetype="text/html")

    @app.get("/folium-prebuilt")
    def folium_prebuilt() -> Response:
        topic = request.args.get("topic", "")
        with lock:
            page = prebuilt.get(topic)
        if page is None:
            page = folium_page(features, topic)
            with lock:
                prebuilt[topic] = page
        return Response(page, mimetype="text/html")

    @app.get("/tojson")
    def tojson() -> Response:
        topic = request.args.get("topic", "")
        sub = frame[frame["topics"].str.contains(topic, regex=False)] if topic else frame
        return Response(sub[[*MAP_PROPS, "geometry"]].to_json(), mimetype="application/geo+json")

    @app.get("/vendor/<package>/<path:filename>")
    def vendor(package: str, filename: str) -> Response:
        if package not in VENDOR:
            abort(404)
        return send_from_directory(VENDOR[package], filename, max_age=86400)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("port", type=int)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    from waitress import serve

    serve(create_app(args.data_dir), host="127.0.0.1", port=args.port, threads=args.threads,
          channel_timeout=300, ident="bench-alt")


if __name__ == "__main__":
    main()
