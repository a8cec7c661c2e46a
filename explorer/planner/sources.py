"""From a store snapshot to the analysis inputs: offers, demand points and regions.

Kept apart from :mod:`.analysis` so the arithmetic can be tested on hand-made layouts,
and so the per-version work (projecting every place and school once) is cached here.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

from ..geojson import pick
from ..matching import match
from ..store import Snapshot
from .analysis import DEMAND_GROUPS, Coverage, Points, analyse, encode_groups
from .geometry import Region, StudyArea, geometry_to_metric, to_metric
from .params import CoverageParams

DEMAND_KINDS = ("school", "daycare")
LAYER_KIND = {"schools": "school", "daycare": "daycare"}


def as_list(value: Any) -> list[str]:
    """Layer groups may arrive as a list, an array, a JSON string or a comma list."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                return [str(v) for v in json.loads(text)]
            except ValueError:
                pass
        return [v.strip() for v in text.split(",") if v.strip()]
    try:
        return [str(v) for v in value]
    except TypeError:
        return []


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def offers_from(snapshot: Snapshot, params: CoverageParams,
                metric: tuple[np.ndarray, np.ndarray]) -> Points:
    """Places matching the explorer's filters, with their stages as demand-group bits."""
    found = match(snapshot, params.place_query())
    indices = found.places
    vocab = snapshot.vocab["groups"]
    # the groups of the *matching* offers: a place serves those, not all of its groups
    owners = snapshot.offers.place[found.offers]
    per_place = np.zeros(len(snapshot.ids), np.uint64)
    np.bitwise_or.at(per_place, owners, snapshot.offers.group_bits[found.offers])
    source_bits = per_place[indices]
    bits = np.zeros(len(indices), np.uint8)
    for j, group in enumerate(DEMAND_GROUPS):
        if group in vocab:
            has = (source_bits >> np.uint64(vocab.index(group))) & np.uint64(1)
            bits |= (has.astype(np.uint8) << np.uint8(j))
    names = snapshot.places["name"].to_numpy()
    kinds = snapshot.places["kind"].to_numpy()
    return Points([snapshot.ids[i] for i in indices], names[indices].tolist(),
                  metric[0][indices], metric[1][indices], bits, kinds[indices].tolist())


def demand_from(snapshot: Snapshot) -> tuple[Points, str, int]:
    """Schools and day-care centres: the imported layers, else curated ``school`` places.

    Returns the points, where they came from ("layers" or "places") and how many records
    were skipped (universities, music schools, no school stage known). Duplicate
    ``poi_id``s (the city lists a school once per category) count once, stages merged.
    """
    rows: dict[tuple[str, str], dict] = {}
    skipped = 0
    layers = [name for name in LAYER_KIND if name in snapshot.layers]
    if layers:
        for name in layers:
            frame = snapshot.layers[name].frame
            for i, rec in enumerate(frame.drop(columns="geometry").to_dict("records")):
                kind = _text(rec.get("kind")) or LAYER_KIND[name]
                groups = [g for g in as_list(rec.get("groups")) if g in DEMAND_GROUPS]
                if not groups and kind == "daycare":
                    groups = ["kita"]
                geom = frame.geometry.iloc[i]
                if kind not in DEMAND_KINDS or not groups or geom is None or geom.is_empty:
                    skipped += 1
                    continue
                pid = _text(rec.get("poi_id")) or f"#{i}"
                address = " ".join(p for p in (_text(rec.get("street")),
                                               _text(rec.get("postcode"))) if p)
                key = (name, pid)
                if key in rows:
                    rows[key]["groups"] |= set(groups)
                    continue
                rows[key] = {"id": f"{name}:{pid}", "name": _text(rec.get("name")),
                             "kind": kind, "source": name, "address": address,
                             "groups": set(groups), "lon": geom.x, "lat": geom.y}
        origin = "layers"
    else:
        for i, row in enumerate(snapshot.places.itertuples(index=False)):
            groups = [g for g in row.groups if g in DEMAND_GROUPS]
            if row.kind != "school" or not groups:
                skipped += row.kind == "school"
                continue
            rows[("places", row.id)] = {"id": row.id, "name": row.name, "kind": row.kind,
                                        "source": "places", "address": "",
                                        "groups": set(groups), "lon": snapshot.lon[i],
                                        "lat": snapshot.lat[i]}
        origin = "places"
    records = list(rows.values())
    x, y = to_metric(np.array([r["lon"] for r in records], float),
                     np.array([r["lat"] for r in records], float))
    points = Points([r["id"] for r in records], [r["name"] for r in records], x, y,
                    encode_groups(r["groups"] for r in records),
                    [r["kind"] for r in records], [r["source"] for r in records],
                    [r["address"] for r in records])
    return points, origin, skipped


def focus_regions(snapshot: Snapshot) -> list[Region]:
    areas = snapshot.dataset.areas
    regions = []
    for aid, props, geom in zip(areas.index, areas["properties"], areas.geometry, strict=True):
        name = props.get("name") or {}
        regions.append(Region(str(aid), {lang: str(pick(name, lang) or aid)
                                         for lang in ("de", "en")},
                              "focus", geometry_to_metric(geom),
                              bool(props.get("approximate", False))))
    return regions


class LRU:
    """A small thread-safe least-recently-used cache (analyses are 10 ms to 1 s each),
    bounded by entries, and with ``weigh`` also by the entries' total weight (bytes)."""

    def __init__(self, size: int, weigh: Callable[[Any], int] | None = None,
                 max_weight: int = 0):
        self.size, self.weigh, self.max_weight = size, weigh, max_weight
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._data

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
        value = build()  # outside the lock: two misses may both build, neither blocks
        with self._lock:
            self.misses += 1
            self._put(key, value)
        return value

    def _put(self, key: Hashable, value: Any) -> None:
        weight = self.weigh(value) if self.weigh else 0
        if self.weigh and weight > self.max_weight // 2:
            return  # one huge value must not flush everything else
        old = self._data.pop(key, None)
        if old is not None and self.weigh:
            self._weight -= self.weigh(old)
        self._data[key] = value
        self._weight += weight
        while len(self._data) > self.size or (self.weigh and self._weight > self.max_weight):
            _key, dropped = self._data.popitem(last=False)
            self._weight -= self.weigh(dropped) if self.weigh else 0

    @property
    def weight(self) -> int:
        return self._weight


class Planner:
    """Analyses for one app: per-version inputs and an LRU of results."""

    def __init__(self, size: int = 16):
        self.results = LRU(size)
        self.inputs = LRU(2)  # per data version and study area
        self.study_cache: dict = {}

    def key(self, snapshot: Snapshot, params: CoverageParams, study: StudyArea) -> tuple:
        return (snapshot.version, study.source, study.signature, params.key)

    def _inputs(self, snapshot: Snapshot, study: StudyArea) -> dict:
        def build() -> dict:
            demand, origin, skipped = demand_from(snapshot)
            return {"metric": to_metric(snapshot.lon, snapshot.lat), "demand": demand,
                    "origin": origin, "skipped": skipped,
                    "regions": focus_regions(snapshot) + list(study.districts)}
        return self.inputs.get((snapshot.version, study.signature), build)

    def coverage(self, snapshot: Snapshot, params: CoverageParams,
                 study: StudyArea) -> tuple[Coverage, dict]:
        """The analysis and its inputs' facts (demand origin, skipped records), cached."""
        def build() -> tuple[Coverage, dict]:
            inputs = self._inputs(snapshot, study)
            offers = offers_from(snapshot, params, inputs["metric"])
            result = analyse(offers, inputs["demand"], study, inputs["regions"],
                             params.reach_m, params.cell_m, params.groups)
            return result, {"demand_source": inputs["origin"],
                            "demand_skipped": inputs["skipped"]}
        return self.results.get(self.key(snapshot, params, study), build)
