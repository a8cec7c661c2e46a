"""Pre-encoded JSON of the served features, per answer kind, view and language."""

from __future__ import annotations

import json
import threading

import numpy as np

from . import geojson


class Encoded:
    """Pre-encoded place and offer features per (kind, view, lang), built on first use.

    Features are stored *open* (without their two closing braces, see :mod:`.geojson`), so
    an answer appends its members and closes them in one join. Lazily, so a language nobody
    asks for costs no memory; a lock makes the first build happen once under concurrent
    requests. A feature that is the very same object as in the previous snapshot keeps its
    encoded bytes: a publish re-serialises only the places it changed."""

    def __init__(self, served: list[dict], taxonomy: dict, offer_reused: np.ndarray,
                 previous: Encoded | None = None):
        """``offer_reused``: per offer, its row in the previous snapshot or -1."""
        self._served, self._taxonomy = served, taxonomy
        self._lock = threading.Lock()
        self._parts: dict[tuple[str, str, str], list[bytes]] = {}
        self._per: dict[str, dict[int, tuple[dict, tuple]]] = {}
        self._previous = dict(previous._per) if previous is not None else {}
        self._offer_reused = offer_reused
        self._previous_rows = {k: v for k, v in previous._parts.items() if k[1] == "rows"} \
            if previous is not None else {}

    def _encode(self, feature: dict, lang: str) -> tuple:
        full = geojson.localise(feature, self._taxonomy, lang)
        offers = full["properties"]["offers"]
        views = tuple([geojson.open_feature(geojson.offer_feature(o, full, view))
                       for o in offers] for view in geojson.VIEWS)
        briefs = [json.dumps({"id": o["id"], "title": o["title"]}, ensure_ascii=False,
                             separators=(",", ":"))[:-1].encode() for o in offers]
        return (geojson.open_feature(full), geojson.open_feature(geojson.map_view(full)),
                views, briefs)

    def _encoded(self, lang: str) -> list[tuple]:
        """Every served feature's encoded parts in this language, in ``served`` order."""
        if lang not in self._per:
            before = self._previous.pop(lang, {})
            per: dict[int, tuple[dict, tuple]] = {}
            for f in self._served:
                hit = before.get(id(f))
                parts = hit[1] if hit is not None and hit[0] is f else self._encode(f, lang)
                per[id(f)] = (f, parts)
            self._per[lang] = per
        per = self._per[lang]
        return [per[id(f)][1] for f in self._served]

    def _assemble(self, kind: str, view: str, lang: str) -> list[bytes]:
        encoded = self._encoded(lang)
        if kind == "place":
            return [e[0 if view == "full" else 1] for e in encoded]
        if kind == "offer":
            v = geojson.VIEWS.index(view)
            return [b for e in encoded for b in e[2][v]]
        return [b for e in encoded for b in e[3]]  # briefs

    def get(self, kind: str, view: str, lang: str) -> list[bytes]:
        """One answer kind's list, assembled on first use (a map request needs only the
        map view and the briefs, not every offer view)."""
        key = (kind, view, lang)
        found = self._parts.get(key)
        if found is None:
            with self._lock:
                if key not in self._parts:
                    self._parts[key] = self._assemble(kind, view, lang)
            found = self._parts[key]
        return found

    def per_offer(self, name: str, derive) -> list[bytes]:
        """A list with one value per offer, ``derive(j)`` for offer j, built once; rows of
        offers unchanged since the previous snapshot are copied from its list."""
        key = (name, "rows", "-")
        if key not in self._parts:
            with self._lock:
                if key not in self._parts:
                    old = self._previous_rows.pop(key, None)
                    rows = self._offer_reused.tolist()
                    values = [old[r] if old is not None and r >= 0 else derive(j)
                              for j, r in enumerate(rows)]
                    self._parts[key] = values
        return self._parts[key]

    def cached(self, name: str, build):
        """Any other value derived from the snapshot, built once."""
        key = (name, "-", "-")
        if key not in self._parts:
            with self._lock:
                if key not in self._parts:
                    self._parts[key] = build()
        return self._parts[key]
