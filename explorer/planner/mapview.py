"""The planner's folium map: coverage classes, focus areas, offers and demand points.

Cells of one distance class are merged into one shape (exact cell edges kept, shared
edges dropped), so the whole city at 100 m is a handful of SVG paths instead of 28,000;
per-cell values stay in the API and the grid export. Element names are made deterministic,
so the page's <div> and its separately served set-up script always match, even when the
script is rebuilt after a cache eviction. No Flask in this module.
"""

from __future__ import annotations

import base64
import html
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import folium
import numpy as np
import shapely
import xstatic.pkg.leaflet

from .. import maps
from ..geojson import pick
from ..mapcontrols import LocalControls, folium_options
from .analysis import Coverage
from .export import PALETTE, class_bounds, demand_rows, distance_classes
from .geometry import geometry_to_lonlat, to_lonlat
from .texts import km

MAX_OFFERS_DRAWN = 2000
OFFER_STYLE = {"radius": 5, "color": "#000000", "weight": 1, "fillColor": "#e66101",
               "fillOpacity": 1.0}
UNDERSERVED_STYLE = {"radius": 7, "color": "#000000", "weight": 3, "fillColor": "#ffffff",
                     "fillOpacity": 1.0}
SERVED_STYLE = {"radius": 3, "color": "#333333", "weight": 1, "fillColor": "#bbbbbb",
                "fillOpacity": 0.9}
AREA_OUTLINE = {"color": "#b35806", "weight": 3, "dashArray": "6 4", "fill": False}
LEAFLET_DIR = Path(xstatic.pkg.leaflet.BASE_DIR)


@dataclass(frozen=True)
class PlannerMapParts:
    html: str
    script: str
    map_var: str


def class_labels(reach_m: float, lang: str, t: dict[str, str]) -> list[str]:
    labels = []
    for low, high in class_bounds(reach_m):
        if low is None:
            labels.append(t["no_offer"])
        elif high is None:
            labels.append(f"> {km(low, lang, 2)}")
        elif low == 0:
            labels.append(f"≤ {km(high, lang, 2)}")
        else:
            labels.append(f"{km(low, lang, 2)} – {km(high, lang, 2)}")
    return labels


def class_features(coverage: Coverage, labels: list[str]) -> dict:
    """One (Multi)Polygon per distance class, in lon/lat, 5 decimals (about 1 m)."""
    cells = coverage.cells
    classes = distance_classes(cells.distance_m, coverage.reach_m)
    boxes = cells.grid.boxes()
    features = []
    for k in np.unique(classes):
        merged = shapely.simplify(shapely.coverage_union_all(boxes[classes == k]), 0)
        shape = shapely.set_precision(geometry_to_lonlat(merged), 1e-5)
        features.append({"type": "Feature", "id": f"class-{k}",
                         "geometry": shapely.geometry.mapping(shape),
                         "properties": {"class": int(k), "label": html.escape(labels[k])}})
    return {"type": "FeatureCollection", "features": features}


def _points(rows: list[dict], label: str) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": str(r["id"]),
         "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
         "properties": {"label": html.escape(r[label])}} for r in rows]}


def _stable_names(root: folium.Element) -> None:
    counter = itertools.count()

    def walk(element: folium.Element) -> None:
        element._id = f"p{next(counter):03d}"
        for child in element._children.values():
            walk(child)

    walk(root)


def build(coverage: Coverage, areas, lang: str, t: dict[str, str], tile_url: str = "",
          tile_attribution: str = "") -> folium.Map:
    """The map: tiles, coverage classes, focus-area outlines, offers, demand points."""
    m = folium.Map(location=maps.BOCHUM_CENTER, zoom_start=12, tiles=None, max_zoom=19,
                   min_zoom=9, **folium_options())
    m.options["maxZoom"], m.options["minZoom"] = 19, 9
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=tile_attribution, name="tiles", max_zoom=19,
                         overlay=False, control=False).add_to(m)
    labels = class_labels(coverage.reach_m, lang, t)
    folium.GeoJson(
        class_features(coverage, labels), name=t["layer_coverage"],
        style_function=lambda f: {"fillColor": PALETTE[f["properties"]["class"]],
                                  "fillOpacity": 0.55, "stroke": False,
                                  "className": f"coverage-cell coverage-class-"
                                               f"{f['properties']['class']}"},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False, sticky=True),
    ).add_to(m)
    if len(areas):
        outlines = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": str(aid), "geometry": geom.__geo_interface__,
             "properties": {"label": html.escape(str(pick(props.get("name"), lang)))}}
            for aid, props, geom in zip(areas.index, areas["properties"], areas.geometry,
                                        strict=True)]}
        folium.GeoJson(outlines, name=t["layer_areas"],
                       style_function=lambda _f: {**AREA_OUTLINE, "className": "focus-area"},
                       tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
                       ).add_to(m)
    offers = coverage.offers
    if 0 < len(offers) <= MAX_OFFERS_DRAWN:
        lon, lat = (np.round(a, 6) for a in to_lonlat(offers.x, offers.y))
        rows = [{"id": i, "lon": float(a), "lat": float(b), "name": n}
                for i, a, b, n in zip(offers.ids, lon, lat, offers.names, strict=True)]
        _point_layer(rows, "name", t["layer_offers"], OFFER_STYLE, "planner-offer").add_to(m)
    demand = demand_rows(coverage)
    for row in demand:
        distance = km(row["distance_m"], lang) if row["distance_m"] is not None else t["no_offer"]
        row["tip"] = f"{row['name']} – {distance}"
    served = [r for r in demand if not r["underserved"]]
    underserved = [r for r in demand if r["underserved"]]
    if served:
        _point_layer(served, "tip", t["layer_served"], SERVED_STYLE, "demand-served").add_to(m)
    if underserved:
        _point_layer(underserved, "tip", t["layer_underserved"], UNDERSERVED_STYLE,
                     "demand-underserved").add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    LocalControls(lang).add_to(m)
    m.fit_bounds(maps.BOCHUM_BOUNDS)
    _stable_names(m)
    return m


def _point_layer(rows: list[dict], label: str, name: str, style: dict,
                 css: str) -> folium.GeoJson:
    radius = style["radius"]
    paint = {k: v for k, v in style.items() if k != "radius"}
    return folium.GeoJson(
        _points(rows, label), name=name,
        marker=folium.CircleMarker(radius=radius, fill=True),
        style_function=lambda _f: {**paint, "className": css},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
    )


def parts(m: folium.Map) -> PlannerMapParts:
    root = m.get_root()
    root.render()
    return PlannerMapParts(html=root.html.render(), script=root.script.render(),
                           map_var=m.get_name())


def _data_uri(match: re.Match) -> str:
    path = LEAFLET_DIR / match.group(1)
    if not path.is_file():
        return match.group(0)
    encoded = base64.b64encode(path.read_bytes()).decode()
    return f"url(data:image/{path.suffix.lstrip('.')};base64,{encoded})"


def standalone_html(m: folium.Map, title: str, legend_html: str) -> str:
    """A single HTML file that works offline: Leaflet's JS and CSS (with its images as
    data URIs) inlined instead of folium's CDN links. A download, not a served page, so
    the page CSP (no inline code) does not apply to it."""
    def strip(element: folium.Element) -> None:
        element.default_js, element.default_css = [], []
        for child in element._children.values():
            strip(child)

    strip(m)
    css = (LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8")
    css = re.sub(r"url\((images/[\w.-]+)\)", _data_uri, css)
    js = (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8").replace("</script",
                                                                          "<\\/script")
    root = m.get_root()
    root.header.add_child(folium.Element(f"<title>{html.escape(title)}</title>"))
    root.header.add_child(folium.Element(f"<style>{css}</style>"))
    root.header.add_child(folium.Element(f"<script>{js}</script>"))
    root.html.add_child(folium.Element(legend_html))
    return root.render()
