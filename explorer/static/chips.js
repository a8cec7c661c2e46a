/* MINT explorer Bochum: the live count and the active filters as removable chips, next to
 * the map. Each chip says what it filters by; its button removes that one filter. */
import { el } from "./ui.js";

const TAXONOMY = { topic: "topics", group: "groups", kind: "kinds" };

function optionText(form, name, value) {
  const field = form && form.elements[name];
  if (!field || field.tagName !== "SELECT") return value;
  const option = Array.from(field.options).find((o) => o.value === value);
  return option ? option.textContent.trim() : value;
}

/* [{name, value, label}] for the filters in p, in the order of the form. */
function chipsFor(p, ctx) {
  const T = ctx.T, out = [];
  Object.keys(TAXONOMY).forEach((name) => {
    const labels = ctx.labels[TAXONOMY[name]] || {};
    (p.get(name) || "").split(",").filter(Boolean).forEach((v) => {
      out.push({ name, value: v, label: labels[v] || v });
    });
  });
  if (p.get("near")) {
    const where = ctx.whereLabel() || p.get("near");
    out.push({ name: "near", label: where + (p.get("radius_km") ? " · " + p.get("radius_km") + " km" : "") });
  }
  if (p.get("age")) out.push({ name: "age", label: T.ages + ": " + p.get("age") + " " + T.years });
  if (p.get("grade")) out.push({ name: "grade", label: optionText(ctx.form, "grade", p.get("grade")) });
  if (p.get("from") || p.get("to")) {
    out.push({ name: "when", label: T.when_filter + ": " + (p.get("from") || "…") + " – " + (p.get("to") || "…") });
  }
  if (p.get("cost")) out.push({ name: "cost", label: p.get("cost") === "free" ? T.free_only : T.cost + " ≤ " + p.get("cost") });
  if (p.get("bookable")) out.push({ name: "bookable", label: T.bookable_only });
  if (p.get("q")) out.push({ name: "q", label: T.search + ": " + p.get("q") });
  if (p.get("area")) out.push({ name: "area", label: optionText(ctx.form, "area", p.get("area")) });
  if (p.get("format")) out.push({ name: "format", label: T.format + ": " + p.get("format") });
  return out;
}

/* ctx: {T, labels, form, whereLabel(), remove(name, value)} */
export function render(box, countNode, p, n, ctx) {
  if (countNode) {
    countNode.textContent = n === null ? "" : n === 1 ? ctx.T.count_one : ctx.T.count_many.replace("{n}", n);
  }
  if (!box) return;
  box.textContent = "";
  chipsFor(p, ctx).forEach((chip) => {
    const li = el("li", { "class": "chip" });
    li.appendChild(el("span", {}, chip.label));
    const button = el("button", { type: "button", "class": "chip-remove",
      "aria-label": ctx.T.chip_remove.replace("{label}", chip.label), title: ctx.T.chip_remove.replace("{label}", chip.label) }, "×");
    button.addEventListener("click", () => ctx.remove(chip.name, chip.value));
    li.appendChild(button);
    box.appendChild(li);
  });
  box.hidden = !box.childNodes.length;
}
