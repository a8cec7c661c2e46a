/* Planner view: small enhancements over the server-rendered page.
 *
 * The page works without this file (GET form, server-rendered tables, folium map). Here:
 * "show on map" buttons in the underserved table, and data-state="ready" once the map is up,
 * for tests and for anyone waiting on it. Settings come from the JSON block #planner-config.
 */

var cfg = JSON.parse(document.getElementById("planner-config").textContent);
var map = window[cfg.mapVar];

function showOnMap(button) {
  var lat = Number(button.getAttribute("data-lat"));
  var lon = Number(button.getAttribute("data-lon"));
  if (!map || !isFinite(lat) || !isFinite(lon)) return;
  map.setView([lat, lon], Math.max(map.getZoom(), 15));
  var container = map.getContainer();
  container.scrollIntoView({ block: "nearest" });
  container.focus();
}

function init() {
  document.querySelectorAll(".js-only").forEach(function (node) { node.hidden = false; });
  document.querySelectorAll("button.show-on-map").forEach(function (button) {
    button.addEventListener("click", function () { showOnMap(button); });
  });
  var cells = document.querySelectorAll(".coverage-cell").length;
  document.body.setAttribute("data-cells", String(cells));
  document.body.setAttribute("data-state", map ? "ready" : "error");
}

window.mintPlanner = { cfg: cfg, map: map };
init();
