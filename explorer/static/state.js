/* MINT explorer Bochum: the filter state. The form is the truth; the URL, the language link
 * and the links that keep the filters follow it. */

const MULTI = ["topic", "group", "kind", "cost", "bookable"];
const SINGLE = ["q", "area", "near", "radius_km", "bbox", "age", "from", "to", "grade", "format", "status"];

export function create(cfg, form) {
  function fieldsNamed(name) {  // one field is an Element, several a RadioNodeList
    const f = form ? form.elements[name] : null;
    if (!f) return [];
    return f instanceof Element ? [f] : Array.prototype.slice.call(f);
  }

  function params() {
    const p = new URLSearchParams();
    if (!form) {
      Object.keys(cfg.state).forEach((k) => {
        const v = cfg.state[k];
        if (Array.isArray(v)) { if (v.length) p.set(k, v.join(",")); } else if (v) p.set(k, v);
      });
      return p;
    }
    MULTI.forEach((name) => {
      const values = fieldsNamed(name).filter((c) => (c.type === "hidden" ? c.value : c.checked))
        .map((c) => c.value);
      if (values.length) p.set(name, values.join(","));
    });
    SINGLE.forEach((name) => {
      const field = fieldsNamed(name)[0];
      const v = field && field.type !== "checkbox" ? field.value.trim() : "";
      if (v) p.set(name, v);
    });
    if (p.has("radius_km") && !p.has("near")) p.delete("radius_km");
    return p;
  }

  function pageParams(p) {
    const out = new URLSearchParams(p);
    if (cfg.lang) out.set("lang", cfg.lang);
    (cfg.pageParams || []).forEach((pair) => out.set(pair[0], pair[1]));
    return out;
  }

  /* Remove one filter (one value of a multiple choice, or the whole field). */
  function clear(name, value) {
    fieldsNamed(name).forEach((f) => {
      if (value !== undefined && f.value !== value) return;
      if (f.type === "checkbox") f.checked = false; else f.value = "";
    });
  }

  /* The form from a URL (back/forward): every field set to what the URL says. */
  function load(search) {
    if (!form) return;
    const p = new URLSearchParams(search);
    MULTI.forEach((name) => {
      const wanted = (p.get(name) || "").split(",");
      fieldsNamed(name).forEach((f) => {
        if (f.type === "checkbox") f.checked = wanted.indexOf(f.value) >= 0;
      });
    });
    SINGLE.forEach((name) => {
      const field = fieldsNamed(name)[0];
      if (!field || field.type === "checkbox") return;
      const v = p.get(name) || "";
      if (field.tagName === "SELECT" && v && !Array.from(field.options).some((o) => o.value === v)) {
        field.appendChild(new Option(v, v));
      }
      field.value = v;
    });
  }

  function syncUrl(p, push) {
    const query = pageParams(p).toString();
    const url = window.location.pathname + (query ? "?" + query : "");
    if (url !== window.location.pathname + window.location.search) {
      if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
    }
    const langLink = document.getElementById("lang-switch");
    if (langLink) {
      const other = new URLSearchParams(pageParams(p));
      other.set("lang", cfg.lang === "de" ? "en" : "de");
      langLink.setAttribute("href", "?" + other.toString());
    }
    const filtersOnly = new URLSearchParams(p);
    if (cfg.lang) filtersOnly.set("lang", cfg.lang);
    document.querySelectorAll("[data-keep-filters]").forEach((a) => {
      const kept = new URLSearchParams(filtersOnly);
      const only = a.getAttribute("data-keep-only");
      if (only) {
        const keep = only.split(",");
        Array.from(kept.keys()).forEach((k) => { if (keep.indexOf(k) < 0) kept.delete(k); });
      }
      a.setAttribute("href", a.getAttribute("data-keep-filters") + "?" + kept.toString());
    });
  }

  return { fieldsNamed, params, pageParams, clear, load, syncUrl };
}
