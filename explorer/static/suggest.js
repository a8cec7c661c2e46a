/* MINT explorer Bochum: suggestions for the "where" box as an ARIA combobox. The names
 * (postcodes, Stadtteile, places, schools, Kitas) are folded once; each key press ranks
 * them (whole name, start, start of a word, anywhere) and shows the best few. Street
 * addresses come from this app's /api/where/address when the server has a geocoder set:
 * asked only when the visitor confirms a text with a house number (never while typing:
 * Nominatim's usage policy forbids autocomplete), an older question cancelled. */
import { el, fold } from "./ui.js";

const SHOWN = 8;

function rank(name, needle) {
  if (name === needle) return 0;
  if (name.startsWith(needle)) return 1;
  if (name.indexOf(" " + needle) >= 0 || name.indexOf("-" + needle) >= 0) return 2;
  return name.indexOf(needle) >= 0 ? 3 : -1;
}

/* opts: {input, list, T, addressApi, lang, choose(entry)} */
export function create(opts) {
  const input = opts.input, list = opts.list, T = opts.T;
  let folded = [];  // [[folded name, entry]]
  let shown = [];
  let active = -1;
  let addressRequest = null;

  function setEntries(entries) {
    folded = entries.map((e) => [fold(e.name), e]);
  }

  function matches(text) {
    const needle = fold(text);
    if (!needle) return [];
    const buckets = [[], [], [], []];
    for (let i = 0; i < folded.length; i++) {
      const r = rank(folded[i][0], needle);
      if (r >= 0 && buckets[r].length < SHOWN) buckets[r].push(folded[i][1]);
    }
    return buckets.flat().slice(0, SHOWN);
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function draw(entries) {
    shown = entries;
    list.textContent = "";
    entries.forEach((e, i) => {
      const option = el("li", { id: "near-option-" + i, role: "option", "aria-selected": "false",
        "class": "suggestion" });
      option.appendChild(el("span", { "class": "suggestion-name" }, e.name));
      const kind = T["where_" + e.kind] || "";
      option.appendChild(el("span", { "class": "suggestion-kind" }, kind + (e.detail ? " · " + e.detail : "")));
      option.addEventListener("mousedown", (ev) => { ev.preventDefault(); pick(i); });
      list.appendChild(option);
    });
    list.hidden = !entries.length;
    input.setAttribute("aria-expanded", String(entries.length > 0));
    document.body.setAttribute("data-suggestions", String(entries.length));
  }

  function highlight(i) {
    const options = list.querySelectorAll("[role=option]");
    options.forEach((o, j) => o.setAttribute("aria-selected", String(j === i)));
    active = i;
    if (i >= 0 && options[i]) {
      input.setAttribute("aria-activedescendant", options[i].id);
      const o = options[i];  // keep it in view inside the list only (no page scrolling)
      if (o.offsetTop < list.scrollTop) list.scrollTop = o.offsetTop;
      else if (o.offsetTop + o.offsetHeight > list.scrollTop + list.clientHeight) {
        list.scrollTop = o.offsetTop + o.offsetHeight - list.clientHeight;
      }
    } else input.removeAttribute("aria-activedescendant");
  }

  function pick(i) {
    const entry = shown[i];
    if (!entry) return;
    input.value = entry.name;
    close();
    opts.choose(entry);
  }

  function canAskAddress(text) {
    return Boolean(opts.addressApi) && /\d/.test(text) && text.trim().length >= 5;
  }

  /* Addresses for a confirmed text, shown in the list; [] when none or on any failure. */
  function lookupAddress(text) {
    if (addressRequest) addressRequest.abort();
    const request = addressRequest = new AbortController();
    return fetch(opts.addressApi + "?q=" + encodeURIComponent(text.trim()) + "&lang=" + opts.lang,
      { signal: request.signal })
      .then((r) => (r.ok ? r.json() : []))
      .then((found) => {
        if (request !== addressRequest || input.value !== text || !Array.isArray(found)) return [];
        draw(found.slice(0, SHOWN));
        return found;
      })
      .catch(() => []);
  }

  function update() {
    draw(matches(input.value));
  }

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  input.removeAttribute("list");  // the listbox replaces the browser's datalist
  input.addEventListener("input", update);
  input.addEventListener("blur", () => setTimeout(close, 150));
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (list.hidden) update();
      const n = shown.length;
      if (n) highlight(e.key === "ArrowDown" ? (active + 1) % n : (active - 1 + n) % n);
    } else if (e.key === "Enter" && active >= 0 && !list.hidden) {
      e.preventDefault();
      e.stopImmediatePropagation();
      pick(active);
    } else if (e.key === "Escape" && !list.hidden) {
      e.stopPropagation();
      close();
    }
  });

  /* The best name for a text typed and confirmed without choosing a suggestion, and
   * whether it is the whole name. */
  function best(text) {
    const hit = matches(text)[0] || null;
    return { entry: hit, exact: Boolean(hit) && fold(hit.name) === fold(text) };
  }

  return { setEntries, best, close, update, canAskAddress, lookupAddress };
}
