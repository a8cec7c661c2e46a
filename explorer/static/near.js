/* MINT explorer Bochum: "near me". A point comes from a name of the offline gazetteer, the
 * browser's location, or a click on the map in pick mode; in pick mode a click on a marker
 * picks that place's point instead of opening it. The chosen point and radius are drawn. */

import * as suggest from "./suggest.js";

function create(opts) {  // {map, form, cfg, T, refresh}
  var map = opts.map, form = opts.form, cfg = opts.cfg, T = opts.T;
  var input = form ? form.elements.near : null;
  var layer = null;
  var picking = false;
  var pick = null;

  function setStatus(text) {
    var s = document.getElementById("near-status");
    if (s) s.textContent = text;
  }

  function set(lat, lon, label) {
    input.value = lat.toFixed(5) + "," + lon.toFixed(5);
    if (!form.elements.radius_km.value) form.elements.radius_km.value = "5";
    setStatus(label || "");
    opts.refresh();
  }

  function draw(p) {
    if (layer) { map.removeLayer(layer); layer = null; }
    var near = p.get("near");
    if (!near) return;
    var parts = near.split(",").map(Number);
    layer = L.layerGroup();
    L.circleMarker(parts, { radius: 7, color: "#1b7837", weight: 3, fillOpacity: 0.9 }).addTo(layer);
    var r = Number(p.get("radius_km"));
    if (r) L.circle(parts, { radius: r * 1000, color: "#1b7837", weight: 1, fillOpacity: 0.05 }).addTo(layer);
    layer.addTo(map);
  }

  function circleBounds() {
    if (!layer) return null;
    var circles = layer.getLayers().filter(function (l) { return l instanceof L.Circle; });
    return circles.length ? circles[0].getBounds() : null;
  }

  var entries = [];  // the names arrive from /api/where on first focus
  var loading = null;
  var suggestions = null;

  function load() {  // postcodes, Stadtteile, places, schools and Kitas, from this app
    if (loading) return loading;
    loading = fetch(cfg.api.where + "?lang=" + cfg.lang).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (list) {
      entries = list;
      if (suggestions) {
        suggestions.setEntries(list);
        var text = document.getElementById("near-text");
        if (text && text.value && document.activeElement === text) suggestions.update();
      }
      document.body.setAttribute("data-where-names", String(list.length));
      return list;
    }).catch(function () { loading = null; return entries; });
    return loading;
  }

  function setPicking(on) {
    picking = on;
    if (pick) pick.setAttribute("aria-pressed", String(on));
    map.getContainer().classList.toggle("picking", on);
  }

  function pickAt(latlng, label) {
    setPicking(false);
    set(latlng.lat, latlng.lng, label);
  }

  function init() {
    if (!form || !input) return;
    var text = document.getElementById("near-text");
    suggestions = suggest.create({ input: text, list: document.getElementById("near-suggestions"),
      T: T, lang: cfg.lang, addressApi: cfg.api.address || null,
      choose: function (entry) { set(entry.lat, entry.lon, entry.name); } });
    suggestions.setEntries(entries);
    function fromText() {
      var typed = text.value;
      load().then(function () {
        var local = suggestions.best(typed);
        if (!local.exact && suggestions.canAskAddress(typed)) {  // a street and number
          return suggestions.lookupAddress(typed).then(function (found) {
            var hit = found[0] || local.entry;
            if (hit) set(hit.lat, hit.lon, hit.name); else setStatus(T.near_unknown + ": " + typed);
          });
        }
        if (!local.entry) { setStatus(T.near_unknown + ": " + typed); return; }
        suggestions.close();
        set(local.entry.lat, local.entry.lon, local.entry.name);
      });
    }
    text.addEventListener("focus", load);
    document.getElementById("near-set").addEventListener("click", fromText);
    text.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); fromText(); } });
    document.getElementById("near-locate").addEventListener("click", function () {
      if (!navigator.geolocation) { setStatus(T.near_unknown); return; }
      navigator.geolocation.getCurrentPosition(
        function (pos) { set(pos.coords.latitude, pos.coords.longitude, T.near_locate); },
        function (err) { setStatus(err.message); }, { timeout: 10000 });
    });
    pick = document.getElementById("near-pick");
    pick.addEventListener("click", function () { setPicking(!picking); });
    map.on("click", function (e) {
      if (picking) pickAt(e.latlng, e.latlng.lat.toFixed(4) + ", " + e.latlng.lng.toFixed(4));
    });
    document.getElementById("near-clear").addEventListener("click", function () {
      input.value = ""; text.value = ""; form.elements.radius_km.value = ""; setStatus("");
      opts.refresh();
    });
  }

  return { init: init, draw: draw, setStatus: setStatus, circleBounds: circleBounds,
    picking: function () { return picking; }, pickAt: pickAt };
}

export { create };
