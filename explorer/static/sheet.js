/* MINT explorer Bochum: "Mehr Filter" and the phone's list/map switch. On a desktop the
 * further filters unfold in place; on a phone they open as a sheet over the page, closed by
 * "Fertig" or Escape. The server renders the panel open when a shared link sets one of its
 * filters; a phone starts with the sheet closed. */

const PHONE = window.matchMedia("(max-width: 900px)");

export function init(form, T, map) {
  const more = document.getElementById("filters-more");
  const panel = document.getElementById("filters-more-panel");
  if (!form || !more || !panel) return;

  function setOpen(open, focus) {
    panel.classList.toggle("collapsed", !open);
    form.classList.toggle("open", open);
    more.setAttribute("aria-expanded", String(open));
    more.textContent = open ? T.fewer_filters : T.more_filters;
    if (open && focus && PHONE.matches) {
      const first = panel.querySelector("select, input:not([type=hidden]), button:not(#filters-done)");
      if (first) first.focus();
    } else if (!open && focus) more.focus();
  }

  if (PHONE.matches && !panel.classList.contains("collapsed")) setOpen(false, false);
  more.addEventListener("click", () => setOpen(panel.classList.contains("collapsed"), true));
  const done = document.getElementById("filters-done");
  if (done) done.addEventListener("click", () => setOpen(false, true));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && PHONE.matches && !panel.classList.contains("collapsed")) setOpen(false, true);
  });

  const views = document.querySelectorAll("#view-switch [data-view]");
  views.forEach((button) => {
    button.addEventListener("click", () => {
      const view = button.getAttribute("data-view");
      document.body.setAttribute("data-view", view);
      views.forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
      if (map) setTimeout(() => map.invalidateSize(), 0);
    });
  });
}
