/* MINT explorer Bochum: the "when" choice (this weekend, next 30 days, next school
 * holidays, a date range) turned into the from/to fields that the API filters by.
 * Runs before app.js handles the form's change event, so the new dates go out at once.
 */

var cfg = JSON.parse(document.getElementById("explorer-config").textContent);
var form = document.getElementById("filters");
var choice = document.getElementById("when-choice");
var range = document.getElementById("when-range");

function iso(d) {
  var m = String(d.getMonth() + 1).padStart(2, "0");
  var day = String(d.getDate()).padStart(2, "0");
  return d.getFullYear() + "-" + m + "-" + day;
}

function addDays(d, n) {
  var out = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  out.setDate(out.getDate() + n);
  return out;
}

/* [from, to] as ISO dates for a preset, or null for "any time". */
function span(value, today) {
  if (value === "weekend") {
    var wd = today.getDay();  // 0 = Sunday, 6 = Saturday
    var saturday = wd === 0 ? addDays(today, -1) : addDays(today, (6 - wd + 7) % 7);
    var from = wd === 0 ? today : saturday;
    return [iso(from), iso(addDays(saturday, 1))];
  }
  if (value === "30d") return [iso(today), iso(addDays(today, 29))];
  if (value === "holidays") {
    var next = (cfg.holidays || [])[0];
    if (!next) return null;
    return [next.start > iso(today) ? next.start : iso(today), next.end];
  }
  return null;
}

function showRange() {
  if (range) range.hidden = choice.value !== "range";
}

function init() {
  if (!form || !choice) return;
  /* A shared link carries dates: show the preset they stand for, if any. */
  var from = form.elements.from.value, to = form.elements.to.value;
  if (from || to) {
    ["weekend", "30d", "holidays"].forEach(function (value) {
      var dates = span(value, new Date());
      if (dates && dates[0] === from && dates[1] === to) choice.value = value;
    });
  }

  choice.addEventListener("change", function () {
    if (choice.value !== "range") {
      var dates = span(choice.value, new Date());
      form.elements.from.value = dates ? dates[0] : "";
      form.elements.to.value = dates ? dates[1] : "";
    }
    showRange();
  });
  showRange();
}

init();
export { span };
