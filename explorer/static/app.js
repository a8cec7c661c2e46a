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
  var embed = cfg.embed || {};

  var clusterView = window.mintCluster.create(map, cluster);
  var near = window.mintNear.create({ map: map, form: form, cfg: cfg, T: T, refresh: refresh });
  var markers = {};
  var featuresById = {};
  var request = null;

  /* ---------- helpers (ui.js) ---------- */

  var U = window.mintUI;
  var el = U.el;

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
    var ticket = ++refreshTicket;  // an answer older than the newest request is dropped
    document.body.setAttribute("data-state", "loading");
    return fetch(cfg.api.places + "?" + apiParams.toString(), { signal: request.signal })
      .then(function (r) {
        if (!r.ok) return r.json().then(function (e) { throw new Error(e.parameter + ": " + e.error); });
        return r.json();
      })
      .then(function (fc) {
        clusterView.whenIdle(function () { if (ticket === refreshTicket) render(fc, p, ticket); });
      })
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
    m.on("click", function () {
      if (near.picking()) near.pickAt(m.getLatLng(), f.properties.name);  // pick mode: its point
      else openDetails(f.id, false);
    });
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

  var refreshTicket = 0;

  function render(fc, p, ticket) {
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
    window.mintResults.render(list, fc.features, T, cfg.lang, openDetails);
    var n = fc.features.length;
    if (countEl) {
      countEl.textContent = n === 1 ? T.count_one : T.count_many.replace("{n}", n);
      if (n === 0) countEl.textContent = T.none;
    }
    wayOn(n, p, ticket);
    document.body.setAttribute("data-markers", String(layers.length));
    document.body.setAttribute("data-state", "ready");
    near.draw(p);
    fitView(p, layers);
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
    clusterView.reveal(markers[id]);
    var title = document.getElementById("details-title");
    if (title) title.focus();
    details._returnTo = fromList && list ? document.querySelector('.result-button[data-place-id="' + CSS.escape(id) + '"]') : null;
  }

  function closeDetails() {
    details.hidden = true;
    if (details._returnTo) details._returnTo.focus();
  }

  /* ---------- an empty answer offers the way on (empty.js) ---------- */

  var FILTER_LABELS = { topic: "topics", group: "groups", kind: "kind", q: "search", age: "age",
    from: "when_filter", to: "when_filter", cost: "free_only", bookable: "bookable_only",
    area: "area", grade: "grade", format: "format" };

  function wayOn(n, p, ticket) {
    var box = document.getElementById("way-on");
    if (!box) return;
    if (n > 0 || !window.mintEmpty) { box.hidden = true; box.textContent = ""; return; }
    window.mintEmpty.show(box, p, {
      api: cfg.api.places, lang: cfg.lang, T: T,
      stillCurrent: function () { return ticket === refreshTicket; },
      labelOf: function (name) { return T[FILTER_LABELS[name]] || name; },
      widen: function (km) { form.elements.radius_km.value = String(km); refresh(); },
      drop: function (name) {
        fieldsNamed(name).forEach(function (f) {
          if (f.type === "checkbox") f.checked = false; else f.value = "";
        });
        refresh();
      }
    });
  }

  /* ---------- view ---------- */

  function fitView(p, layers) {
    var circle = p.get("radius_km") ? near.circleBounds() : null;
    if (circle) { map.fitBounds(circle, { maxZoom: 15 }); return; }
    if (p.get("area") && areasLayer) {
      areasLayer.eachLayer(function (l) {
        if (l.feature && l.feature.id === p.get("area")) map.fitBounds(l.getBounds());
      });
      return;
    }
    if (embed.fit && layers.length) map.fitBounds(cluster.getBounds(), { maxZoom: 15, padding: [20, 20] });
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
        toggle.textContent = panel.hidden ? T.show_filters : T.hide_filters;
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
        near.setStatus("");
        refresh();
      });
    }
    var more = document.getElementById("filters-more");
    if (more && form) {
      more.addEventListener("click", function () {
        var open = form.classList.toggle("open");
        more.setAttribute("aria-expanded", String(open));
        more.textContent = open ? T.fewer_filters : T.more_filters;
      });
    }
    var close = document.getElementById("details-close");
    if (close) close.addEventListener("click", closeDetails);
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && details && !details.hidden) closeDetails();
    });
    near.init();
    window.mintLayers.init(map, cfg, T, countEl);
    refresh();
  }

  window.mintExplorer = { refresh: refresh, openDetails: openDetails, cfg: cfg,
                          params: function () { return stateParams().toString(); } };
  init();
})();
