/* MINT explorer Bochum: the topic choice as one compact control. Typing into its search box
 * shows only the topics whose name contains the text (umlauts folded); the legend counts the
 * chosen ones. */
import { fold } from "./ui.js";

export function init(T) {
  const picker = document.getElementById("topic-picker");
  const search = document.getElementById("topic-search");
  if (!picker || !search) return;
  const labels = Array.from(picker.querySelectorAll("label.check"));
  const none = picker.querySelector(".topic-none");
  const legend = picker.querySelector("legend");
  const title = legend.textContent;
  search.hidden = false;

  function filter() {
    const needle = fold(search.value);
    let shown = 0;
    labels.forEach((label) => {
      const hit = !needle || fold(label.textContent).indexOf(needle) >= 0;
      label.hidden = !hit;
      if (hit) shown += 1;
    });
    if (none) none.hidden = shown > 0;
  }

  function count() {
    const n = picker.querySelectorAll("input[name=topic]:checked").length;
    legend.textContent = n ? title + " (" + T.topics_chosen.replace("{n}", n) + ")" : title;
  }

  search.addEventListener("input", filter);
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {  // Enter picks the only topic left, never submits the form
      e.preventDefault();
      const visible = labels.filter((l) => !l.hidden);
      if (visible.length === 1) visible[0].querySelector("input").click();
    }
  });
  picker.addEventListener("change", count);
  count();
  return { refreshCount: count };
}
