"""Display rows for the planner page and the standalone map's legend (no Flask).

Numbers are formatted here, once, in the page language, so the template stays a plain
loop and the server-rendered tables read the same with and without JavaScript.
"""

from __future__ import annotations

import html

from .analysis import Coverage
from .export import PALETTE, class_bounds, demand_rows, figures_dict
from .mapview import class_labels
from .texts import distance, percent

MAX_TABLE_ROWS = 200


def legend(coverage: Coverage, lang: str, t: dict[str, str]) -> list[dict]:
    """Legend entries: class index, label, whether the class is within the reach."""
    labels = class_labels(coverage.reach_m, lang, t)
    entries = []
    for k, (low, high) in enumerate(class_bounds(coverage.reach_m)):
        within = high is not None and high <= coverage.reach_m
        entries.append({"cls": k, "label": labels[k], "within": within,
                        "no_offer": low is None})
    return entries


def _pp(value: float | None, lang: str, t: dict[str, str]) -> str:
    if value is None:
        return t["none"]
    text = f"{value:+.1f}".replace(".", ",") if lang == "de" else f"{value:+.1f}"
    return f"{text} {t['unit_pp']}"


def area_table(coverage: Coverage, lang: str, t: dict[str, str]) -> list[dict]:
    city = coverage.city
    rows = []
    for f in [city, *coverage.regions]:
        d = figures_dict(f, lang, None if f is city else city)
        vs = d.get("vs_city") or {}
        rows.append({
            "id": d["id"], "name": d["name"], "kind": d["kind"],
            "approximate": d["approximate"],
            "offers_inside": d["offers_inside"], "offers_within_reach": d["offers_within_reach"],
            "demand_points": d["demand_points"], "underserved": d["underserved"],
            "share_underserved": percent(d["share_underserved"], lang),
            "vs_city": _pp(vs.get("share_underserved_pp"), lang, t) if vs else "",
            "median_distance": (distance(d["median_distance_m"], lang) if d["demand_points"]
                                and d["median_distance_m"] is not None
                                else t["no_offer"] if d["demand_points"] else t["none"]),
            "cells_beyond": percent(d["share_cells_beyond_reach"], lang),
        })
    return rows


def underserved_table(coverage: Coverage, lang: str, t: dict[str, str],
                      group_labels: dict[str, str], limit: int = MAX_TABLE_ROWS) -> list[dict]:
    region_names = {f.region.id: f.region.name.get(lang) or f.region.id
                    for f in coverage.regions}
    rows = []
    for r in demand_rows(coverage, only_underserved=True)[:limit]:
        rows.append({
            "id": r["id"], "name": r["name"],
            "kind": t.get(f"kind_{r['kind']}", r["kind"]),
            "stages": ", ".join(group_labels.get(g, g) for g in r["groups"]),
            "distance": distance(r["distance_m"], lang) if r["distance_m"] is not None
            else t["no_offer"],
            "nearest": r["nearest_offer_name"] or t["none"],
            "areas": ", ".join(region_names.get(a, a) for a in r["areas"]),
            "lat": r["lat"], "lon": r["lon"],
        })
    return rows


def legend_html(coverage: Coverage, lang: str, t: dict[str, str], caption: str) -> str:
    """The legend for the standalone map (inline styles are fine in a downloaded file)."""
    items = "".join(
        f'<li><span style="display:inline-block;width:1em;height:1em;margin-right:.4em;'
        f'vertical-align:middle;background:{PALETTE[e["cls"]]}"></span>'
        f'{html.escape(e["label"])}</li>'
        for e in legend(coverage, lang, t))
    return (
        '<div style="position:absolute;z-index:1000;left:10px;bottom:24px;background:#fff;'
        'padding:6px 10px;border:1px solid #999;border-radius:4px;font:13px sans-serif;'
        f'max-width:22em"><strong>{html.escape(t["legend"])}</strong>'
        f'<ul style="list-style:none;margin:4px 0;padding:0">{items}</ul>'
        f'<div>{html.escape(caption)}</div></div>')
