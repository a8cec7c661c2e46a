"""Parse and apply the place filters shared by the API, the map, the embed and the planner.

:meth:`PlaceQuery.from_args` turns URL parameters into a typed query or raises
:class:`ParamError` naming the parameter; :func:`apply` filters a snapshot with numpy
masks (no per-request GeoDataFrame work, see ../shared/PERFORMANCE.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from .store import Snapshot, mask_of
from .text import fold

EARTH_RADIUS_M = 6_371_008.8
MAX_Q_LENGTH = 200
MAX_RADIUS_KM = 100.0
LIST_PARAMS = ("topic", "group", "kind")
PLACE_PARAMS = frozenset({*LIST_PARAMS, "q", "area", "near", "radius_km", "bbox", "lang"})
API_PARAMS = PLACE_PARAMS | {"view"}


class ParamError(ValueError):
    """A bad URL parameter; rendered as 400 with ``{"error", "parameter"}``."""

    def __init__(self, parameter: str, message: str):
        self.parameter, self.message = parameter, message
        super().__init__(f"{parameter}: {message}")

    def as_json(self) -> dict[str, str]:
        return {"error": self.message, "parameter": self.parameter}


class MultiArgs(Mapping):
    """Adapter so plain dicts and werkzeug MultiDicts both offer ``getlist``."""

    def __init__(self, args):
        self._args = args

    def getlist(self, key: str) -> list[str]:
        if hasattr(self._args, "getlist"):
            return list(self._args.getlist(key))
        value = self._args.get(key)
        if value is None:
            return []
        return list(value) if isinstance(value, list | tuple) else [value]

    def __getitem__(self, key):
        values = self.getlist(key)
        if not values:
            raise KeyError(key)
        return values[-1]

    def __iter__(self):
        return iter(self._args)

    def __len__(self):
        return len(self._args)


def split_list(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        out += [v.strip() for v in value.split(",") if v.strip()]
    return list(dict.fromkeys(out))


def parse_float(parameter: str, text: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ParamError(parameter, f"{text!r} is not a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ParamError(parameter, f"{text!r} is outside {low}..{high}")
    return value


def parse_near(text: str) -> tuple[float, float]:
    parts = text.split(",")
    if len(parts) != 2:
        raise ParamError("near", "must be LAT,LON, e.g. 51.48,7.22")
    return (parse_float("near", parts[0], -90, 90), parse_float("near", parts[1], -180, 180))


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    parts = text.split(",")
    if len(parts) != 4:
        raise ParamError("bbox", "must be W,S,E,N, e.g. 7.1,51.4,7.35,51.54")
    w, e = (parse_float("bbox", parts[i], -180, 180) for i in (0, 2))
    s, n = (parse_float("bbox", parts[i], -90, 90) for i in (1, 3))
    if w >= e or s >= n:
        raise ParamError("bbox", "needs W < E and S < N")
    return (w, s, e, n)


@dataclass(frozen=True)
class PlaceQuery:
    topics: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    q: str = ""
    area: str | None = None
    near: tuple[float, float] | None = None  # (lat, lon)
    radius_km: float | None = None
    bbox: tuple[float, float, float, float] | None = None
    lang: str = "de"
    view: str = "full"

    @classmethod
    def from_args(cls, args, snapshot: Snapshot, default_lang: str = "de",
                  allowed: frozenset[str] = PLACE_PARAMS) -> PlaceQuery:
        args = MultiArgs(args)
        unknown = sorted(set(args) - allowed)
        if unknown:
            raise ParamError(unknown[0], f"unknown parameter {unknown[0]!r} (allowed: "
                             + ", ".join(sorted(allowed)) + ")")
        vocab = snapshot.vocab
        lists = {}
        for param, section in zip(LIST_PARAMS, ("topics", "groups", "kinds"), strict=True):
            values = split_list(args.getlist(param))
            for value in values:
                if value not in vocab[section]:
                    raise ParamError(param, f"unknown value {value!r} (known: "
                                     + ", ".join(vocab[section]) + ")")
            lists[section] = tuple(values)
        q = args.get("q", "").strip()
        if len(q) > MAX_Q_LENGTH:
            raise ParamError("q", f"longer than {MAX_Q_LENGTH} characters")
        area = args.get("area") or None
        if area is not None and area not in snapshot.area_masks:
            raise ParamError("area", f"unknown area {area!r} (known: "
                             + ", ".join(snapshot.area_masks) + ")")
        near = parse_near(args["near"]) if args.get("near") else None
        radius = None
        if args.get("radius_km"):
            radius = parse_float("radius_km", args["radius_km"], 0.001, MAX_RADIUS_KM)
            if near is None:
                raise ParamError("radius_km", "needs near=LAT,LON")
        bbox = parse_bbox(args["bbox"]) if args.get("bbox") else None
        lang = args.get("lang") or default_lang
        if lang not in ("de", "en"):
            raise ParamError("lang", f"{lang!r} is not 'de' or 'en'")
        view = args.get("view") or "full"
        if view not in ("full", "map"):
            raise ParamError("view", f"{view!r} is not 'full' or 'map'")
        return cls(topics=lists["topics"], groups=lists["groups"], kinds=lists["kinds"],
                   q=q, area=area, near=near, radius_km=radius, bbox=bbox, lang=lang,
                   view=view)

    def canonical(self) -> str:
        """A stable key for caching and ETags (same filters, same key)."""
        return repr((self.topics, self.groups, self.kinds, fold(self.q), self.area,
                     self.near, self.radius_km, self.bbox, self.lang, self.view))


def haversine_m(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    p1, p2 = math.radians(lat), np.radians(lats)
    dphi = p2 - p1
    dlmb = np.radians(lons) - math.radians(lon)
    a = np.sin(dphi / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def apply(snapshot: Snapshot, query: PlaceQuery) -> tuple[np.ndarray, np.ndarray | None]:
    """Indices of matching places (sorted by distance with ``near``) and their distances."""
    mask = np.ones(len(snapshot.ids), dtype=bool)
    vocab = snapshot.vocab
    if query.topics:
        mask &= (snapshot.topic_bits & mask_of(list(query.topics), vocab["topics"])) != 0
    if query.groups:
        mask &= (snapshot.group_bits & mask_of(list(query.groups), vocab["groups"])) != 0
    if query.kinds:
        codes = [vocab["kinds"].index(k) for k in query.kinds]
        mask &= np.isin(snapshot.kind_codes, codes)
    if query.area:
        mask &= snapshot.area_masks[query.area]
    if query.bbox:
        w, s, e, n = query.bbox
        mask &= (snapshot.lon >= w) & (snapshot.lon <= e)
        mask &= (snapshot.lat >= s) & (snapshot.lat <= n)
    if query.q:
        needle = fold(query.q)
        candidates = np.flatnonzero(mask)
        hits = [i for i in candidates if needle in snapshot.search[i]]
        mask[:] = False
        mask[hits] = True
    indices = np.flatnonzero(mask)
    if query.near is None:
        return indices, None
    distances = haversine_m(query.near[0], query.near[1], snapshot.lat[indices],
                            snapshot.lon[indices])
    if query.radius_km is not None:
        keep = distances <= query.radius_km * 1000
        indices, distances = indices[keep], distances[keep]
    order = np.argsort(distances, kind="stable")
    return indices[order], distances[order]
