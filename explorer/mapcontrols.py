"""Leaflet's own controls in the page's language, and a metric-only scale.

Leaflet writes English titles into its controls ("Zoom in", "Layers", the attribution's
"A JavaScript library for interactive maps") and folium's scale shows miles too. This
element, added last to a folium map, creates the zoom control with our titles, a metric
scale, a translated attribution prefix and a translated layer-switch title, so neither
language leaks into the other. It also marks the map as "no-tiles" and shows the page's
tile notice as soon as a tile fails, whether or not the page script has run yet. The texts
are ours (i18n.TEXTS), written as JSON.
"""

from __future__ import annotations

from branca.element import MacroElement
from jinja2 import Template

from .i18n import texts

KEYS = ("map_zoom_in", "map_zoom_out", "map_layers", "map_leaflet")


class LocalControls(MacroElement):
    _template = Template("""{% macro script(this, kwargs) %}
(function (map, t) {
  L.control.zoom({ zoomInTitle: t.map_zoom_in, zoomOutTitle: t.map_zoom_out }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  if (map.attributionControl) {
    var a = document.createElement("a");
    a.href = "https://leafletjs.com";
    a.title = t.map_leaflet;
    a.textContent = "Leaflet";
    map.attributionControl.setPrefix(a.outerHTML);
  }
  function layers() {
    map.getContainer().querySelectorAll(".leaflet-control-layers-toggle").forEach(function (n) {
      n.title = t.map_layers;
      n.setAttribute("aria-label", t.map_layers);
    });
  }
  layers();
  setTimeout(layers, 0);  // a layer control added after this element
  map.eachLayer(function (layer) {  // noted at once: the map stays usable without tiles
    if (layer instanceof L.TileLayer) {
      layer.on("tileerror", function () {
        map.getContainer().classList.add("no-tiles");
        var status = document.getElementById("tile-status");
        if (status) status.hidden = false;
      });
    }
  });
})({{ this._parent.get_name() }}, {{ this.texts|tojson }});
{% endmacro %}""")

    def __init__(self, lang: str):
        super().__init__()
        self._name = "LocalControls"
        t = texts(lang)
        self.texts = {k: t[k] for k in KEYS}


def folium_options() -> dict:
    """The folium.Map arguments that leave these controls to :class:`LocalControls`."""
    return {"zoom_control": False, "control_scale": False}
