/* MINT explorer Bochum: an empty answer offers the way on. With a radius: the nearest
 * matches beyond it, with their distance, and one action to widen the radius enough. Always:
 * the one filter whose removal brings back the most places, as one action. Answers that
 * arrive after the visitor moved on are ignored (the caller's ticket). */

import * as U from "./ui.js";
var RADII = [1, 2, 3, 5, 10, 20];
var DROPPABLE = ["topic", "group", "kind", "q", "age", "grade", "from", "to", "cost",
  "format", "bookable", "area"];

function count(api, params) {
  return fetch(api + "?" + params.toString()).then(function (r) {
    if (!r.ok) throw new Error(r.status);
    return r.json();
  });
}

function button(text, onClick) {
  var b = U.el("button", { type: "button", "class": "way-on-action" }, text);
  b.addEventListener("click", onClick);
  return b;
}

/* box: where to write; p: the URLSearchParams of the empty answer; opts: {api, lang, T,
 * stillCurrent(), widen(km), drop(name), labelOf(name)} */
function show(box, p, opts) {
  var T = opts.T;
  box.textContent = "";
  box.hidden = true;
  var base = new URLSearchParams(p);
  base.set("lang", opts.lang);
  base.set("view", "map");
  var jobs = [];
  if (p.get("near") && p.get("radius_km")) {
    var wider = new URLSearchParams(base);
    wider.delete("radius_km");
    wider.set("sort", "distance");
    jobs.push(count(opts.api, wider).then(function (fc) {
      var nearest = fc.features.slice(0, 3);
      if (!nearest.length) return null;
      var far = nearest[nearest.length - 1].properties.distance_m / 1000;
      var km = RADII.filter(function (r) { return r >= far; })[0];
      var part = U.el("div", { "class": "way-on-nearest" });
      part.appendChild(U.el("p", {}, T.way_on_nearest));
      var ul = U.el("ul");
      nearest.forEach(function (f) {
        ul.appendChild(U.el("li", {}, f.properties.name + " · "
          + U.formatDistance(f.properties.distance_m, opts.lang)));
      });
      part.appendChild(ul);
      part.appendChild(button(km ? T.way_on_widen.replace("{km}", km) : T.way_on_any_distance,
        function () { opts.widen(km || ""); }));
      return part;
    }));
  }
  var active = DROPPABLE.filter(function (name) { return p.has(name); });
  if (active.length) {
    jobs.push(Promise.all(active.map(function (name) {
      var without = new URLSearchParams(base);
      without.delete(name);
      return count(opts.api, without).then(function (fc) {
        return { name: name, n: fc.features.length };
      });
    })).then(function (counts) {
      var best = counts.sort(function (a, b) { return b.n - a.n; })[0];
      if (!best || !best.n) return null;
      var text = T.way_on_drop.replace("{filter}", opts.labelOf(best.name))
        .replace("{n}", best.n);
      var part = U.el("div", { "class": "way-on-drop" });
      part.appendChild(button(text, function () { opts.drop(best.name); }));
      return part;
    }));
  }
  return Promise.all(jobs.map(function (j) { return j.catch(function () { return null; }); }))
    .then(function (parts) {
      if (!opts.stillCurrent()) return;
      parts.forEach(function (part) { if (part) box.appendChild(part); });
      box.hidden = !box.childNodes.length;
      document.body.setAttribute("data-way-on", String(box.childNodes.length));
    });
}

export { show };
