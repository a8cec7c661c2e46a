/* MINT explorer Bochum: small DOM and formatting helpers shared by the page scripts.
 * Every text is inserted with textContent; links are made only for http(s) URLs. */

function el(tag, attrs, text) {
  var node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function safeUrl(value) {
  if (typeof value !== "string") return null;
  try {
    var u = new URL(value, window.location.href);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch (e) {
    return null;
  }
}

function externalLink(href, text) {
  var url = safeUrl(href);
  if (!url) return null;
  return el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, text || url);
}

function fold(text) {
  var s = String(text).toLowerCase().replace(/ß/g, "ss").normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "");
  return s.replace(/ae/g, "a").replace(/oe/g, "o").replace(/ue/g, "u")
    .replace(/\s+/g, " ").trim();
}

function formatDate(iso, lang) {
  var d = new Date(iso + "T12:00:00");
  return d.toLocaleDateString(lang === "de" ? "de-DE" : "en-GB",
    { weekday: "short", day: "numeric", month: "short" });
}

function formatDistance(m, lang) {
  if (m === undefined || m === null) return "";
  if (m < 1000) return Math.round(m) + " m";
  return (m / 1000).toFixed(1).replace(".", lang === "de" ? "," : ".") + " km";
}

export { el, safeUrl, externalLink, fold, formatDate, formatDistance };
