/* MINT explorer Bochum: safe use of the marker cluster. markercluster's animations keep
 * callbacks that reach for markers; rebuilding the cluster while they run, or leaving a
 * zoomToShowLayer callback behind, broke the page ("reading '_icon'"). Here every rebuild
 * waits for the cluster to be idle, and a marker is revealed step by step, each step
 * checking the marker is still there. */

function create(map, cluster) {
  var idleWaiters = [];
  function whenIdle(fn) {
    if (!idleWaiters.length && !map._animatingZoom && !cluster._inZoomAnimation) { fn(); return; }
    idleWaiters.push(fn);
    if (idleWaiters.length > 1) return;
    var done = false;
    function go() {
      if (done) return;
      if (map._animatingZoom || cluster._inZoomAnimation) { setTimeout(go, 50); return; }
      done = true;
      var waiting = idleWaiters;  // in order; a stale answer's render drops itself
      idleWaiters = [];
      waiting.forEach(function (f) { f(); });
    }
    map.once("zoomend", function () { setTimeout(go, 0); });
    setTimeout(go, 400);
  }

  /* Show a marker: zoom in if it sits in a cluster, spiderfy if it shares its spot, then
   * mark it. Unlike markercluster's zoomToShowLayer this leaves no callback behind that a
   * later rebuild of the cluster could break: every step checks the marker is still there. */
  function reveal(m) {
    if (!m || !cluster.hasLayer(m)) return;
    function mark() {
      if (!cluster.hasLayer(m)) return;
      document.querySelectorAll(".pin.selected").forEach(function (n) { n.classList.remove("selected"); });
      var node = m.getElement();
      if (node) node.classList.add("selected");
    }
    var parent = cluster.getVisibleParent(m);
    if (parent === m) { mark(); return; }
    if (map.getZoom() >= 17 && parent && parent.spiderfy) {  // same spot: no zoom helps
      parent.spiderfy();
      setTimeout(mark, 300);
      return;
    }
    map.once("moveend", function () {
      whenIdle(function () {
        if (!cluster.hasLayer(m)) return;
        var shown = cluster.getVisibleParent(m);
        if (shown && shown !== m && shown.spiderfy) shown.spiderfy();
        setTimeout(mark, 300);
      });
    });
    map.setView(m.getLatLng(), Math.max(map.getZoom(), 17));
  }

  return { whenIdle: whenIdle, reveal: reveal };
}

export { create };
