/* MINT explorer Bochum: the result list. Every text goes in with textContent. */

import * as U from "./ui.js";

var LIST_LIMIT = 300;

function render(list, features, T, lang, openDetails, all) {
  if (!list) return;
  list.textContent = "";
  var shown = all ? features : features.slice(0, LIST_LIMIT);
  shown.forEach(function (f) {
    var li = U.el("li", { "class": "result" });
    var button = U.el("button", { type: "button", "class": "result-button", "data-place-id": f.id });
    button.appendChild(U.el("span", { "class": "result-name" }, f.properties.name));
    var meta = f.properties.kind_label || "";
    if (f.properties.stadtteil) meta += " · " + f.properties.stadtteil;
    if (f.properties.distance_m !== undefined) meta += " · " + U.formatDistance(f.properties.distance_m, lang);
    button.appendChild(U.el("span", { "class": "result-meta" }, meta));
    button.addEventListener("click", function () { openDetails(f.id, true); });
    li.appendChild(button);
    var offers = f.properties.offers_matching || [];
    if (offers.length) {
      var ul = U.el("ul", { "class": "result-offers" });
      offers.forEach(function (o) {
        var text = o.title + (o.next_date ? " · " + T.next_date + " " + U.formatDate(o.next_date, lang) : "");
        ul.appendChild(U.el("li", {}, text));
      });
      var more = (f.properties.offer_count || 0) - offers.length;
      if (more > 0) ul.appendChild(U.el("li", {}, "+" + more));
      li.appendChild(ul);
    }
    li.appendChild(U.el("a", { href: "/places/" + encodeURIComponent(f.id) + "?lang=" + lang,
      "class": "result-page" }, T.place_page));
    list.appendChild(li);
  });
  if (shown.length < features.length) {
    var more = U.el("button", { type: "button", "class": "show-all" },
      T.show_all.replace("{n}", features.length));
    more.addEventListener("click", function () { render(list, features, T, lang, openDetails, true); });
    var li = U.el("li");
    li.appendChild(more);
    list.appendChild(li);
  }
}

export { render };
