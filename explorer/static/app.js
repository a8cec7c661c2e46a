/* MINT explorer Bochum: filters, markers, result list and details.
 *
 * Reads its settings from the JSON block #explorer-config (never from string-built JS),
 * fetches /api/places and fills the folium-built marker cluster. Every text from the data
 * or the URL is inserted with textContent, never as HTML. Every answer carries a ticket:
 * one older than the newest request is dropped, so fast interaction cannot break the map.
 */
import * as clusterSafe from "./cluster.js";
import * as nearMe from "./near.js";
import * as results from "./results.js";
import * as placeDetails from "./details.js";
import * as emptyAnswer from "./empty.js";
import * as layers from "./layers.js";
import * as filterState from "./state.js";
import * as chips from "./chips.js";
import * as topics from "./topics.js";
import * as sheet from "./sheet.js";
import "./when.js";

var cfg = JSON.parse(document.getElementById("explorer-config").textContent);
var T = cfg.texts;
var map = window[cfg.mapVar];
var cluster = window[cfg.clusterVar];
var areasLayer = cfg.areasVar ? window[cfg.areasVar] : null;
var form = document.getElementById("filters");
var list = document.getElementById("result-list");
var countEl = document.getElementById("result-count");
var details = document.getElementById("details");
var detailsBody = document.getElementById("details-body");
var embed = cfg.embed || {};

var state = filterState.create(cfg, form);
var clusterView = clusterSafe.create(map, cluster);
var near = nearMe.create({ map: map, form: form, cfg: cfg, T: T, refresh: function () { return refresh(true); } });
var markers = {};
var featuresById = {};
var request = null;
var topicPicker = null;

/* ---------- fetching and rendering ---------- */

function refresh(push) {
  var p = state.params();
  state.syncUrl(p, push === true);
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
  results.render(list, fc.features, T, cfg.lang, openDetails);
  var n = fc.features.length;
  if (countEl) {
    countEl.textContent = n === 1 ? T.count_one : T.count_many.replace("{n}", n);
    if (n === 0) countEl.textContent = T.none;
  }
  showChips(p, n);
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
  placeDetails.render(detailsBody, f, distance, T, cfg.lang, cfg.page === "embed");
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
  if (n > 0) { box.hidden = true; box.textContent = ""; return; }
  emptyAnswer.show(box, p, {
    api: cfg.api.places, lang: cfg.lang, T: T,
    stillCurrent: function () { return ticket === refreshTicket; },
    labelOf: function (name) { return T[FILTER_LABELS[name]] || name; },
    widen: function (km) { form.elements.radius_km.value = String(km); refresh(true); },
    drop: function (name) { state.clear(name); refresh(true); }
  });
}

/* ---------- count and chips next to the map (chips.js) ---------- */

function removeFilter(name, value) {
  if (name === "near") {
    state.clear("near"); state.clear("radius_km"); near.setStatus("");
    var text = document.getElementById("near-text");
    if (text) text.value = "";
  }
  else if (name === "when") {
    state.clear("from"); state.clear("to");
    var choice = document.getElementById("when-choice");
    if (choice) { choice.value = ""; choice.dispatchEvent(new Event("change")); }
  } else state.clear(name, value);
  if (topicPicker) topicPicker.refreshCount();
  refresh(true);
}

function showChips(p, n) {
  chips.render(document.getElementById("filter-chips"), document.getElementById("map-count"), p, n, {
    T: T, labels: cfg.labels, form: form, remove: removeFilter,
    whereLabel: function () {
      var s = document.getElementById("near-status");
      return (s && s.textContent) || T.near_point;
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
      if (e.target && (e.target.id === "near-text" || e.target.id === "topic-search")) return;
      refresh(true);
    });
    form.addEventListener("input", function (e) {
      if (!e.target || (e.target.name !== "q" && e.target.name !== "age")) return;
      clearTimeout(timer);
      timer = setTimeout(function () { refresh(true); }, 250);
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); refresh(true); });
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
      if (topicPicker) topicPicker.refreshCount();
      refresh(true);
    });
    window.addEventListener("popstate", function () {  // back/forward: the URL's filters
      state.load(window.location.search);
      if (topicPicker) topicPicker.refreshCount();
      refresh(false);
    });
  }
  topicPicker = topics.init(T);
  sheet.init(form, T, map);
  var close = document.getElementById("details-close");
  if (close) close.addEventListener("click", closeDetails);
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && details && !details.hidden) closeDetails();
  });
  near.init();
  layers.init(map, cfg, T, countEl);
  refresh(false);
}

// For tests and for a partner's own script: the state and the refresh, nothing else.
window.mintExplorer = { refresh: refresh, openDetails: openDetails, cfg: cfg,
                        params: function () { return state.params().toString(); } };
init();
