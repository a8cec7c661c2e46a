"""Build the folium (Leaflet) map shared by the explorer, the embed and the planner.

Folium writes the map set-up (map, tiles, focus areas, an empty marker cluster); the app's
own JavaScript fills the cluster from the JSON API. Asset URLs are data here, pointing at
copies the app serves itself, so pages make no third-party requests except tiles.
No Flask in this module.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import folium
import geopandas as gpd
from folium.map import FitBounds
from folium.plugins import MarkerCluster

from .geojson import pick
from .mapcontrols import LocalControls, folium_options

BOCHUM_CENTER = (51.4700, 7.2300)
BOCHUM_BOUNDS = ((51.40, 7.10), (51.54, 7.35))
AREA_STYLE = {"color": "#b35806", "weight": 3, "fillColor": "#fdb863", "fillOpacity": 0.25,
              "dashArray": "6 4"}

# Self-hosted assets, in load order (served from the xstatic packages by the app).
VENDOR_JS = ["vendor/leaflet/leaflet.js", "vendor/markercluster/leaflet.markercluster.js"]
VENDOR_CSS = ["vendor/leaflet/leaflet.css", "vendor/markercluster/MarkerCluster.css",
              "vendor/markercluster/MarkerCluster.Default.css"]


@dataclass(frozen=True)
class MapParts:
    """What a page needs: the map's <div>, its set-up script and the JS variable names."""

    html: str
    script: str
    map_var: str
    cluster_var: str
    areas_var: str | None


def build_map(areas: gpd.GeoDataFrame, tile_url: str, tile_attribution: str,
              lang: str = "de") -> folium.Map:
    m = folium.Map(location=BOCHUM_CENTER, zoom_start=12, tiles=None, max_zoom=19,
                   min_zoom=9, prefer_canvas=False, **folium_options())
    # Without a tile layer folium leaves maxZoom unset and MarkerCluster throws.
    m.options["maxZoom"] = 19
    m.options["minZoom"] = 9
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=tile_attribution, name="tiles", max_zoom=19,
                         overlay=False, control=False).add_to(m)
    # The start view is set at once, before the cluster exists: an animated fitBounds made
    # the cluster animate too, and the first markers waited about half a second for both.
    start = FitBounds(BOCHUM_BOUNDS)
    start.options["animate"] = False
    start.add_to(m)
    MarkerCluster(name="places", options={"showCoverageOnHover": False,
                                          "maxClusterRadius": 50,
                                          "chunkedLoading": True}).add_to(m)
    if len(areas):
        # folium's tooltip writes the label with innerHTML: escape it here.
        features = [
            {
                "type": "Feature",
                "id": aid,
                "geometry": geom.__geo_interface__,
                "properties": {"label": html.escape(str(pick(
                    row["properties"].get("label") or row["properties"].get("name"), lang)))},
            }
            for aid, row, geom in zip(areas.index, areas.to_dict("records"), areas.geometry,
                                      strict=True)
        ]
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            name="areas",
            style_function=lambda _f: AREA_STYLE,
            # A permanent label: the focus area is named on the map, not only on hover.
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False, sticky=False,
                                          permanent=True, direction="center",
                                          class_name="area-label"),
        ).add_to(m)
    LocalControls(lang).add_to(m)
    return m


def map_parts(m: folium.Map) -> MapParts:
    root = m.get_root()
    root.render()
    cluster = next(c for c in m._children.values() if isinstance(c, MarkerCluster))
    areas = next((c for c in m._children.values() if isinstance(c, folium.GeoJson)), None)
    return MapParts(
        html=root.html.render(),
        script=root.script.render(),
        map_var=m.get_name(),
        cluster_var=cluster.get_name(),
        areas_var=areas.get_name() if areas is not None else None,
    )
