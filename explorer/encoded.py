"""Pre-encoded JSON of the served features, per answer kind, view and language."""

from __future__ import annotations

import json
import threading

from . import geojson


class Encoded:
    """Pre-encoded place and offer features per (kind, view, lang), built on first use.

    Features are stored *open* (without their two closing braces, see :mod:`.geojson`), so
    an answer appends its members and closes them in one join. Lazily, so a language nobody
    asks for costs no memory; a lock makes the first build happen once under concurrent
    requests. A feature that is the very same object as in the previous snapshot keeps its
    encoded bytes: a publish re-serialises only the places it changed."""

    def __init__(self, served: list[dict], taxonomy: dict, previous: Encoded | None = None):
        self._served, self._taxonomy = served, taxonomy
        self._lock = threading.Lock()
        self._parts: dict[tuple[str, str, str], list[bytes]] = {}
        self._per: dict[str, dict[int, tuple[dict, tuple]]] = {}
        self._previous = dict(previous._per) if previous is not None else {}

    def _encode(self, feature: dict, lang: str) -> tuple:
        full = geojson.localise(feature, self._taxonomy, lang)
        offers = full["properties"]["offers"]
        views = tuple([geojson.open_feature(geojson.offer_feature(o, full, view))
                       for o in offers] for view in geojson.VIEWS)
        briefs = [json.dumps({"id": o["id"], "title": o["title"]}, ensure_ascii=False,
                             separators=(",", ":"))[:-1].encode() for o in offers]
        return (geojson.open_feature(full), geojson.open_feature(geojson.map_view(full)),
                views, briefs)

    def _build(self, lang: str) -> None:
        before = self._previous.pop(lang, {})
        per: dict[int, tuple[dict, tuple]] = {}
        for f in self._served:
            hit = before.get(id(f))
            parts = hit[1] if hit is not None and hit[0] is f else self._encode(f, lang)
            per[id(f)] = (f, parts)
        encoded = [per[id(f)][1] for f in self._served]
        self._per[lang] = per
        store = self._parts
        store[("place", "full", lang)] = [e[0] for e in encoded]
        store[("place", "map", lang)] = [e[1] for e in encoded]
        for v, view in enumerate(geojson.VIEWS):
            store[("offer", view, lang)] = [b for e in encoded for b in e[2][v]]
        store[("brief", "-", lang)] = [b for e in encoded for b in e[3]]

    def get(self, kind: str, view: str, lang: str) -> list[bytes]:
        key = (kind, view, lang)
        found = self._parts.get(key)
        if found is None:
            with self._lock:
                if key not in self._parts:
                    self._build(lang)
            found = self._parts[key]
        return found

    def cached(self, name: str, build):
        """Any other value derived from the snapshot, built once."""
        key = (name, "-", "-")
        if key not in self._parts:
            with self._lock:
                if key not in self._parts:
                    self._parts[key] = build()
        return self._parts[key]
