"""The URL of the page's first /api/places request, so the page can preload it.

The page script builds that URL from the filter form (static/state.js); the browser only
reuses a preloaded answer for the very same URL, so the order and encoding here follow
state.js exactly: the choices in the form's order, then the single fields, then lang and
view. A test compares this URL with the one the script fetches. A mismatch costs nothing
but the preload.
"""

from __future__ import annotations

from urllib.parse import quote

MULTI = (("topic", "topics"), ("group", "groups"), ("kind", "kinds"))
SINGLE = ("q", "area", "near", "radius_km", "bbox", "age", "from", "to", "grade", "format",
          "status")


def _encode(value: str) -> str:
    """As URLSearchParams serialises: space as '+', only * - . _ and letters/digits kept."""
    return quote(value, safe="*").replace("~", "%7E").replace("%20", "+")


def _from_form(state: dict, labels: dict) -> list[tuple[str, str]]:
    pairs = []
    for name, section in MULTI:
        chosen = [key for key in labels.get(section, {}) if key in state[name]]
        if chosen:
            pairs.append((name, ",".join(chosen)))
    if state["cost"]:
        pairs.append(("cost", state["cost"]))
    if state["bookable"] == "1":
        pairs.append(("bookable", "1"))
    for name in SINGLE:
        value = str(state[name]).strip()
        if value and not (name == "radius_km" and not state["near"]):
            pairs.append((name, value))
    return pairs


def _from_state(state: dict) -> list[tuple[str, str]]:
    """Without a form (an embed without filters) the script reads the state in its order."""
    pairs = []
    for key, value in state.items():
        if isinstance(value, list):
            if value:
                pairs.append((key, ",".join(value)))
        elif value:
            pairs.append((key, value))
    return pairs


def places_url(state: dict, labels: dict, lang: str, with_form: bool) -> str:
    pairs = _from_form(state, labels) if with_form else _from_state(state)
    pairs += [("lang", lang), ("view", "map")]
    return "/api/places?" + "&".join(f"{k}={_encode(v)}" for k, v in pairs)
