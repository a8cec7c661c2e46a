/* MINT explorer Bochum: the imported open-data layers (schools, day-care centres, nature) as
 * toggleable dot layers, fetched on first use and drawn on a canvas. */

import { el } from "./ui.js";
var COLOURS = { schools: "#2166ac", daycare: "#762a83", nature: "#1b7837" };

function init(map, cfg, T, countEl) {
  var box = document.getElementById("layer-toggles");
  if (!box || !cfg.layers || !cfg.layers.length) return;
  box.hidden = false;
  var canvas = L.canvas({ padding: 0.5 });
  cfg.layers.forEach(function (name) {
    var label = el("label", { "class": "check" });
    var input = el("input", { type: "checkbox", value: name, "data-layer": name });
    label.appendChild(input);
    label.appendChild(document.createTextNode(" " + (T["layer_" + name] || name)));
    box.appendChild(label);
    var group = null;
    var loading = null;
    function sync() {  // show the layer exactly when the box is checked
      if (!group) return;
      if (input.checked && !map.hasLayer(group)) group.addTo(map);
      if (!input.checked && map.hasLayer(group)) map.removeLayer(group);
    }
    input.addEventListener("change", function () {
      if (group || loading) { sync(); return; }
      loading = fetch(cfg.api.layers + encodeURIComponent(name)).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      }).then(function (fc) {
        group = L.layerGroup();
        fc.features.forEach(function (f) {
          var c = f.geometry.coordinates;
          var dot = L.circleMarker([c[1], c[0]], {
            renderer: canvas, radius: 4, weight: 1,
            color: COLOURS[name] || "#2166ac", fillOpacity: 0.7
          });
          var tip = el("span", {}, f.properties.name);
          dot.bindTooltip(tip);
          group.addLayer(dot);
        });
        document.body.setAttribute("data-layer-" + name, String(fc.features.length));
        sync();
      }).catch(function (err) {
        loading = null;
        input.checked = false;
        if (countEl) countEl.textContent = T.load_failed + " " + err.message;
      });
    });
  });
}

export { init };
