/* MINT explorer Bochum: filters, markers, result list and details.
 *
 * Reads its settings from the JSON block #explorer-config (never from string-built JS),
 * fetches /api/places and fills the folium-built marker cluster. Every text from the data
 * or the URL is inserted with textContent, never as HTML.
 */
(function () {
  "use strict";

  var cfg = JSON.parse(document.getElementById("explorer-config").textContent);
  var T = cfg.texts;
  var LABELS = cfg.labels;
  var map = window[cfg.mapVar];
  var cluster = window[cfg.clusterVar];
  var areasLayer = cfg.areasVar ? window[cfg.areasVar] : null;
  var form = document.getElementById("filters");
  var list = document.getElementById("result-list");
  var countEl = document.getElementById("result-count");
  var details = document.getElementById("details");
  var detailsBody = document.getElementById("details-body");
  var nearInput = form ? form.elements.near : null;
  var embed = cfg.embed || {};

  var markers = {};
  var featuresById = {};
  var nearLayer = null;
  var request = null;
  var pickMode = false;

  /* ---------- helpers (ui.js) ---------- */

  var U = window.mintUI;
  var el = U.el;
  var fold = U.fold;
  function formatDate(iso) { return U.formatDate(iso, cfg.lang); }
  function formatDistance(m) { return U.formatDistance(m, cfg.lang); }

  /* ---------- state <-> form <-> URL ---------- */

  function fieldsNamed(name) {  // one field is an Element, several a RadioNodeList
    var f = form.elements[name];
    if (!f) return [];
    return f instanceof Element ? [f] : Array.prototype.slice.call(f);
  }

  function stateParams() {
    var p = new URLSearchParams();
    if (!form) {
      Object.keys(cfg.state).forEach(function (k) {
        var v = cfg.state[k];
        if (Array.isArray(v)) { if (v.length) p.set(k, v.join(",")); } else if (v) p.set(k, v);
      });
      return p;
    }
    ["topic", "group", "kind", "cost", "bookable"].forEach(function (name) {
      var values = fieldsNamed(name).filter(function (c) { return c.type === "hidden" ? c.value : c.checked; })
        .map(function (c) { return c.value; });
      if (values.length) p.set(name, values.join(","));
    });
    ["q", "area", "near", "radius_km", "bbox", "age", "from", "to", "grade", "format", "status"].forEach(function (name) {
      var field = form.elements[name];
      if (field && !field.tagName && field.length) field = field[0];  // RadioNodeList
      var v = field && field.type !== "checkbox" ? field.value.trim() : "";
      if (v) p.set(name, v);
    });
    if (p.has("radius_km") && !p.has("near")) p.delete("radius_km");
    return p;
  }

  function pageParams(p) {
    var out = new URLSearchParams(p);
    if (cfg.lang) out.set("lang", cfg.lang);
    (cfg.pageParams || []).forEach(function (pair) { out.set(pair[0], pair[1]); });
    return out;
  }

  function syncUrl(p) {
    var query = pageParams(p).toString();
    history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
    var langLink = document.getElementById("lang-switch");
    if (langLink) {
      var other = new URLSearchParams(pageParams(p));
      other.set("lang", cfg.lang === "de" ? "en" : "de");
      langLink.setAttribute("href", "?" + other.toString());
    }
    var filtersOnly = new URLSearchParams(p);
    if (cfg.lang) filtersOnly.set("lang", cfg.lang);
    document.querySelectorAll("[data-keep-filters]").forEach(function (a) {
      var params = new URLSearchParams(filtersOnly);
      var only = a.getAttribute("data-keep-only");
      if (only) {
        var keep = only.split(",");
        Array.from(params.keys()).forEach(function (k) { if (keep.indexOf(k) < 0) params.delete(k); });
      }
      a.setAttribute("href", a.getAttribute("data-keep-filters") + "?" + params.toString());
    });
  }

  /* ---------- fetching and rendering ---------- */

  function refresh() {
    var p = stateParams();
    syncUrl(p);
    var apiParams = new URLSearchParams(p);
    apiParams.set("lang", cfg.lang);
    apiParams.set("view", "map");
    if (request) request.abort();
    request = new AbortController();
    document.body.setAttribute("data-state", "loading");
    return fetch(cfg.api.places + "?" + apiParams.toString(), { signal: request.signal })
      .then(function (r) {
        if (!r.ok) return r.json().then(function (e) { throw new Error(e.parameter + ": " + e.error); });
        return r.json();
      })
      .then(function (fc) { render(fc, p); })
      .catch(function (err) {
        if (err.name === "AbortError") return;
        if (countEl) countEl.textContent = T.load_failed + " " + err.message;
        document.body.setAttribute("data-state", "error");
      });
  }

  function markerFor(f) {
    var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
    var icon = L.divIcon({
      className: "pin pin-" + f.properties.kind + (embed.theme ? " theme-" + embed.theme : ""),
      iconSize: [18, 18], iconAnchor: [9, 9]
    });
    var m = L.marker(ll, { icon: icon, title: f.properties.name, keyboard: true, riseOnHover: true });
    m.on("click", function () { openDetails(f.id, false); });
    m.on("add", function () {
      var node = m.getElement();
      if (node) {
        node.setAttribute("role", "button");
        node.setAttribute("aria-label", f.properties.name);
        node.setAttribute("data-place-id", f.id);
      }
    });
    return m;
  }

  function render(fc, p) {
    cluster.clearLayers();
    markers = {};
    featuresById = {};
    var layers = [];
    fc.features.forEach(function (f) {
      featuresById[f.id] = f;
      var m = markerFor(f);
      markers[f.id] = m;
      layers.push(m);
    });
    cluster.addLayers(layers);
    renderList(fc.features);
    var n = fc.features.length;
    if (countEl) {
      countEl.textContent = n === 1 ? T.count_one : T.count_many.replace("{n}", n);
      if (n === 0) countEl.textContent = T.none;
    }
    document.body.setAttribute("data-markers", String(layers.length));
    document.body.setAttribute("data-state", "ready");
    drawNear(p);
    fitView(p, layers);
  }

  var LIST_LIMIT = 300;

  function renderList(features, all) {
    if (!list) return;
    list.textContent = "";
    var shown = all ? features : features.slice(0, LIST_LIMIT);
    shown.forEach(function (f) {
      var li = el("li", { "class": "result" });
      var button = el("button", { type: "button", "class": "result-button", "data-place-id": f.id });
      button.appendChild(el("span", { "class": "result-name" }, f.properties.name));
      var meta = f.properties.kind_label || "";
      if (f.properties.stadtteil) meta += " · " + f.properties.stadtteil;
      if (f.properties.distance_m !== undefined) meta += " · " + formatDistance(f.properties.distance_m);
      button.appendChild(el("span", { "class": "result-meta" }, meta));
      button.addEventListener("click", function () { openDetails(f.id, true); });
      li.appendChild(button);
      var offers = f.properties.offers_matching || [];
      if (offers.length) {
        var ul = el("ul", { "class": "result-offers" });
        offers.forEach(function (o) {
          var text = o.title + (o.next_date ? " · " + T.next_date + " " + formatDate(o.next_date) : "");
          ul.appendChild(el("li", {}, text));
        });
        var more = (f.properties.offer_count || 0) - offers.length;
        if (more > 0) ul.appendChild(el("li", {}, "+" + more));
        li.appendChild(ul);
      }
      li.appendChild(el("a", { href: "/places/" + encodeURIComponent(f.id) + "?lang=" + cfg.lang,
        "class": "result-page" }, T.place_page));
      list.appendChild(li);
    });
    if (shown.length < features.length) {
      var more = el("button", { type: "button", "class": "show-all" },
        T.show_all.replace("{n}", features.length));
      more.addEventListener("click", function () { renderList(features, true); });
      var li = el("li");
      li.appendChild(more);
      list.appendChild(li);
    }
  }

  var fullRecords = {};
  var detailsRequest = 0;

  function openDetails(id, fromList) {
    if (!featuresById[id]) return;
    var ticket = ++detailsRequest;  // only the latest click may fill the panel
    var distance = featuresById[id].properties.distance_m;
    var cached = fullRecords[id + "|" + cfg.lang];
    var ready = cached ? Promise.resolve(cached) :
      fetch(cfg.api.places + "/" + encodeURIComponent(id) + "?lang=" + cfg.lang)
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (full) { fullRecords[id + "|" + cfg.lang] = full; return full; });
    return ready.then(function (full) {
      if (ticket === detailsRequest) showDetails(full, distance, fromList);
    })
      .catch(function (err) { if (countEl) countEl.textContent = T.load_failed + " " + err.message; });
  }

  function showDetails(f, distance, fromList) {
    var id = f.id;
    window.mintDetails.render(detailsBody, f, distance, T, cfg.lang, cfg.page === "embed");
    details.hidden = false;
    details.setAttribute("data-place-id", id);
    var m = markers[id];
    if (m) {
      cluster.zoomToShowLayer(m, function () {
        var node = m.getElement();
        document.querySelectorAll(".pin.selected").forEach(function (n) { n.classList.remove("selected"); });
        if (node) node.classList.add("selected");
      });
    }
    var title = document.getElementById("details-title");
    if (title) title.focus();
    details._returnTo = fromList && list ? document.querySelector('.result-button[data-place-id="' + CSS.escape(id) + '"]') : null;
  }

  function closeDetails() {
    details.hidden = true;
    if (details._returnTo) details._returnTo.focus();
  }

  /* ---------- near me ---------- */

  function setNear(lat, lon, label) {
    nearInput.value = lat.toFixed(5) + "," + lon.toFixed(5);
    if (!form.elements.radius_km.value) form.elements.radius_km.value = "5";
    setStatus(label || "");
    refresh();
  }

  function setStatus(text) {
    var s = document.getElementById("near-status");
    if (s) s.textContent = text;
  }

  function drawNear(p) {
    if (nearLayer) { map.removeLayer(nearLayer); nearLayer = null; }
    var near = p.get("near");
    if (!near) return;
    var parts = near.split(",").map(Number);
    nearLayer = L.layerGroup();
    L.circleMarker(parts, { radius: 7, color: "#1b7837", weight: 3, fillOpacity: 0.9 }).addTo(nearLayer);
    var r = Number(p.get("radius_km"));
    if (r) L.circle(parts, { radius: r * 1000, color: "#1b7837", weight: 1, fillOpacity: 0.05 }).addTo(nearLayer);
    nearLayer.addTo(map);
  }

  function fitView(p, layers) {
    if (nearLayer && p.get("radius_km")) {
      var circles = nearLayer.getLayers().filter(function (l) { return l instanceof L.Circle; });
      if (circles.length) { map.fitBounds(circles[0].getBounds(), { maxZoom: 15 }); return; }
    }
    if (p.get("area") && areasLayer) {
      areasLayer.eachLayer(function (l) {
        if (l.feature && l.feature.id === p.get("area")) map.fitBounds(l.getBounds());
      });
      return;
    }
    if (embed.fit && layers.length) map.fitBounds(cluster.getBounds(), { maxZoom: 15, padding: [20, 20] });
  }

  function resolvePlaceName(text) {
    var needle = fold(text);
    if (!needle) return null;
    var entries = cfg.gazetteer || [];
    for (var i = 0; i < entries.length; i++) if (fold(entries[i].name) === needle) return entries[i];
    for (var j = 0; j < entries.length; j++) if (fold(entries[j].name).indexOf(needle) === 0) return entries[j];
    return null;
  }

  function initNear() {
    if (!form || !nearInput) return;
    var datalist = document.getElementById("gazetteer-list");
    (cfg.gazetteer || []).forEach(function (e) { datalist.appendChild(el("option", { value: e.name })); });
    var text = document.getElementById("near-text");
    function fromText() {
      var hit = resolvePlaceName(text.value);
      if (!hit) { setStatus(T.near_unknown + ": " + text.value); return; }
      setNear(hit.lat, hit.lon, hit.name);
    }
    document.getElementById("near-set").addEventListener("click", fromText);
    text.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); fromText(); } });
    document.getElementById("near-locate").addEventListener("click", function () {
      if (!navigator.geolocation) { setStatus(T.near_unknown); return; }
      navigator.geolocation.getCurrentPosition(
        function (pos) { setNear(pos.coords.latitude, pos.coords.longitude, T.near_locate); },
        function (err) { setStatus(err.message); }, { timeout: 10000 });
    });
    var pick = document.getElementById("near-pick");
    pick.addEventListener("click", function () {
      pickMode = !pickMode;
      pick.setAttribute("aria-pressed", String(pickMode));
      map.getContainer().classList.toggle("picking", pickMode);
    });
    map.on("click", function (e) {
      if (!pickMode) return;
      pickMode = false;
      pick.setAttribute("aria-pressed", "false");
      map.getContainer().classList.remove("picking");
      setNear(e.latlng.lat, e.latlng.lng, e.latlng.lat.toFixed(4) + ", " + e.latlng.lng.toFixed(4));
    });
    document.getElementById("near-clear").addEventListener("click", function () {
      nearInput.value = ""; text.value = ""; form.elements.radius_km.value = ""; setStatus(""); refresh();
    });
  }

  /* ---------- tiles failing must not break the page ---------- */

  function watchTiles() {
    map.eachLayer(function (layer) {
      if (layer instanceof L.TileLayer) {
        layer.on("tileerror", function () {
          var s = document.getElementById("tile-status");
          if (s) s.hidden = false;
          map.getContainer().classList.add("no-tiles");
        });
      }
    });
  }

  /* ---------- wiring ---------- */

  function initEmbed() {
    if (embed.center) map.setView(embed.center, embed.zoom || 14);
    else if (embed.zoom) map.setZoom(embed.zoom);
    var toggle = document.getElementById("filter-toggle");
    var panel = document.getElementById("filter-panel");
    if (toggle && panel) {
      toggle.addEventListener("click", function () {
        panel.hidden = !panel.hidden;
        toggle.setAttribute("aria-expanded", String(!panel.hidden));
        map.invalidateSize();
      });
    }
  }

  function init() {
    initEmbed();
    if (form) {
      var timer = null;
      form.addEventListener("change", function (e) {
        if (e.target && e.target.hasAttribute("data-layer")) return;
        if (e.target && e.target.id === "near-text") return;
        refresh();
      });
      form.addEventListener("input", function (e) {
        if (!e.target || (e.target.name !== "q" && e.target.name !== "age")) return;
        clearTimeout(timer);
        timer = setTimeout(refresh, 250);
      });
      form.addEventListener("submit", function (e) { e.preventDefault(); refresh(); });
      document.getElementById("filters-reset").addEventListener("click", function () {
        // Clear to "no filters" (a native reset would restore the filters of the URL).
        Array.prototype.forEach.call(form.elements, function (field) {
          if (field.type === "checkbox" && !field.hasAttribute("data-layer")) field.checked = false;
          else if (field.tagName === "SELECT") field.value = "";
          else if ((field.type === "search" || field.type === "text" || field.type === "hidden"
                    || field.type === "number" || field.type === "date")
                   && field.name !== "lang") field.value = "";
        });
        setStatus("");
        refresh();
      });
    }
    var close = document.getElementById("details-close");
    if (close) close.addEventListener("click", closeDetails);
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && details && !details.hidden) closeDetails();
    });
    initNear();
    window.mintLayers.init(map, cfg, T, countEl);
    watchTiles();
    refresh();
  }

  window.mintExplorer = { refresh: refresh, openDetails: openDetails, cfg: cfg };
  init();
})();
