/* MINT explorer Bochum: the place details panel, built from a place's full API record.
 * The offers come first (what, for whom, when), then the facts about the site. */

import * as U from "./ui.js";
var el = U.el;

function row(dl, label, value) {
  if (value === undefined || value === null || value === "") return;
  dl.appendChild(el("dt", {}, label));
  var dd = el("dd");
  if (value instanceof Node) dd.appendChild(value); else dd.textContent = String(value);
  dl.appendChild(dd);
}

function range(lo, hi) {
  var has = function (v) { return v !== null && v !== undefined; };
  if (has(lo) && has(hi)) return lo === hi ? String(lo) : lo + "–" + hi;
  if (has(lo)) return lo + "+";
  if (has(hi)) return "≤ " + hi;
  return "";
}

function offerItem(o, T) {
  var li = el("li", { "data-offer-id": o.id });
  li.appendChild(el("strong", {}, o.title));
  var bits = [o.format_label];
  if (o.status && o.status !== "active") bits.push(T["status_" + o.status]);
  var ages = range(o.age_min, o.age_max);
  if (ages) bits.push(T.ages + " " + ages);
  var grades = range(o.grade_min, o.grade_max);
  if (grades) bits.push(T.grades + " " + grades);
  if (o.cost_label) bits.push(o.cost_label);
  li.appendChild(el("span", { "class": "offer-meta" }, " · " + bits.filter(Boolean).join(" · ")));
  var booking = o.status === "active" ? U.externalLink((o.booking || {}).url, T.booking) : null;
  if (booking) { li.appendChild(document.createTextNode(" ")); li.appendChild(booking); }
  return li;
}

/* Fill ``body`` with the details of place feature ``f`` (distance in metres or undefined);
 * ``newTab``: open the place page in a new tab (inside a partner's iframe). */
function render(body, f, distance, T, lang, newTab) {
  var p = f.properties;
  body.textContent = "";
  body.appendChild(el("h2", { id: "details-title", tabindex: "-1" }, p.name));
  body.appendChild(el("p", { "class": "details-kind" }, p.kind_label));
  var page = el("a", { href: "/places/" + encodeURIComponent(f.id) + "?lang=" + lang,
    id: "details-page-link" }, T.place_page);
  if (newTab) { page.setAttribute("target", "_blank"); page.setAttribute("rel", "noopener"); }
  var links = body.appendChild(el("p", { "class": "details-links" }));
  links.appendChild(page);
  var query = "?place=" + encodeURIComponent(f.id) + "&lang=" + lang;
  [["offer", T.suggest_offer], ["report", T.report_error]].forEach(function (pair) {
    var a = el("a", { href: "/suggest" + query + "&what=" + pair[0] }, pair[1]);
    if (newTab) { a.setAttribute("target", "_blank"); a.setAttribute("rel", "noopener"); }
    links.appendChild(document.createTextNode(" · "));
    links.appendChild(a);
  });
  if (p.offers && p.offers.length) {  // what one can do there comes first
    body.appendChild(el("h3", {}, T.offers));
    var ul = el("ul", { "class": "offers" });
    p.offers.forEach(function (o) { ul.appendChild(offerItem(o, T)); });
    body.appendChild(ul);
  }
  if (p.description) body.appendChild(el("p", {}, p.description));
  var dl = el("dl");
  var a = p.address || {};
  row(dl, T.address, [a.street, [a.postcode, a.city].filter(Boolean).join(" ")].filter(Boolean).join(", ")
    + (p.stadtteil ? " (" + p.stadtteil + (p.stadtbezirk ? ", " + p.stadtbezirk : "") + ")" : ""));
  if (distance !== undefined) row(dl, T.distance, U.formatDistance(distance, lang));
  row(dl, T.topics, (p.topic_labels || []).join(", "));
  row(dl, T.groups, (p.group_labels || []).join(", "));
  row(dl, T.access, p.wheelchair ? T[p.wheelchair] : T.unknown);
  if (p.transit) {
    row(dl, T.transit, p.transit.stop + (p.transit.lines && p.transit.lines.length ? " (" + p.transit.lines.join(", ") + ")" : ""));
  }
  row(dl, T.website, U.externalLink(p.website));
  row(dl, T.checked, p.checked);
  // the coordinate's source is recorded in English only: marked so, for screen readers too
  if (p.coordinate_source) row(dl, T.coordinate_source, el("span", { lang: "en" }, p.coordinate_source.text));
  body.appendChild(dl);
}

export { render };
