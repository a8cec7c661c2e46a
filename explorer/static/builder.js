/* Embed builder: every change asks the server for the snippet (one implementation, in
 * explorer/embed.py) and shows it, and the live preview, without reloading the page. */
var form = document.getElementById("builder-form");
var out = document.getElementById("snippet");
var preview = document.getElementById("preview");
var error = document.getElementById("builder-error");
var timer = null;
var latest = 0;  // answers may arrive out of order: only the newest is shown

function params() {
  var p = new URLSearchParams();
  ["topic", "group", "kind", "cost", "bookable"].forEach(function (name) {
    var field = form.elements[name];
    var all = field instanceof Element ? [field] : Array.prototype.slice.call(field);
    var v = all.filter(function (c) { return c.checked; })
      .map(function (c) { return c.value; });
    if (v.length) p.set(name, v.join(","));
  });
  ["area", "q", "age", "from", "to", "near", "radius_km", "theme", "zoom", "center", "width",
   "height", "lang"]
    .forEach(function (name) {
      var v = form.elements[name].value.trim();
      if (v) p.set(name, v);
    });
  ["filters", "list"].forEach(function (name) { if (form.elements[name].checked) p.set(name, "0"); });
  p.set("responsive", form.elements.responsive.checked ? "1" : "0");
  if (p.has("radius_km") && !p.has("near")) p.delete("radius_km");
  return p;
}

function update() {
  var p = params();
  history.replaceState(null, "", "?" + p.toString());
  var ticket = ++latest;
  fetch("/embed/snippet?" + p.toString()).then(function (r) {
    return r.json().then(function (body) { return { ok: r.ok, body: body }; });
  }).then(function (res) {
    if (ticket !== latest) return;
    if (!res.ok) { error.textContent = res.body.parameter + ": " + res.body.error; return; }
    error.textContent = "";
    out.value = res.body.snippet;
    if (preview.getAttribute("src") !== res.body.src) preview.setAttribute("src", res.body.src);
    preview.style.height = res.body.height + "px";
  });
}

form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 300); });
form.addEventListener("change", update);
form.addEventListener("submit", function (e) { e.preventDefault(); update(); });
document.getElementById("copy-snippet").addEventListener("click", function () {
  out.select();
  var status = document.getElementById("copy-status");
  var done = "✓ " + (this.getAttribute("data-copied") || "");
  if (navigator.clipboard) {
    navigator.clipboard.writeText(out.value).then(function () { status.textContent = done; },
      function () { document.execCommand("copy"); status.textContent = done; });
  } else { document.execCommand("copy"); status.textContent = done; }
});
