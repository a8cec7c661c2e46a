"""The entries of the "where" box: every name a visitor may type to say where they are.

Postcodes, Stadtteile and quarters (gazetteer), every curated place on the map, and every
imported school and day-care centre (the open-data layers), each with its point. The list
is built once per snapshot and sent to the browser, which suggests and resolves names
offline: no third party learns what a visitor typed.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from threading import Lock

from .store import Snapshot

# gazetteer kind or layer name -> the kind the box shows
LAYER_KINDS = {"schools": "school", "daycare": "kita"}
_CACHE: OrderedDict[str, str] = OrderedDict()
_LOCK = Lock()


def _active(feature: dict) -> bool:
    return any(o.get("status", "active") == "active"
               for o in feature["properties"].get("offers") or [])


def entries(snap: Snapshot) -> list[dict]:
    """[{"name", "kind", "lat", "lon", "detail"}], gazetteer first, then places, layers."""
    out = [{"name": e["name"], "kind": e.get("kind", "stadtteil"), "lat": e["lat"],
            "lon": e["lon"], "detail": e.get("stadtbezirk") or ""}
           for e in snap.dataset.gazetteer]
    for f in snap.served:
        if not _active(f):
            continue
        lon, lat = f["geometry"]["coordinates"]
        p = f["properties"]
        out.append({"name": p["name"], "kind": "place", "lat": lat, "lon": lon,
                    "detail": p.get("stadtteil") or p["address"].get("street") or ""})
    for layer_name, kind in LAYER_KINDS.items():
        layer = snap.layers.get(layer_name)
        if layer is None:
            continue
        frame = layer.frame
        if layer_name == "schools":  # universities etc. are not where a family is
            frame = frame[frame["kind"] == "school"]
        for name, street, geom in zip(frame["name"], frame["street"], frame.geometry,
                                      strict=True):
            if isinstance(name, str) and name and geom is not None:
                out.append({"name": name, "kind": kind, "lat": round(geom.y, 6),
                            "lon": round(geom.x, 6),
                            "detail": street if isinstance(street, str) else ""})
    return out


def entries_json(snap: Snapshot) -> str:
    """The JSON answer, built once per snapshot version (two kept)."""
    key = snap.version
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    body = json.dumps(entries(snap), ensure_ascii=False, separators=(",", ":"))
    with _LOCK:
        _CACHE[key] = body
        while len(_CACHE) > 2:
            _CACHE.popitem(last=False)
    return body
