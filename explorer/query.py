"""Parse and apply the place filters shared by the API, the map, the embed and the planner.

:meth:`PlaceQuery.from_args` turns URL parameters into a typed query or raises
:class:`ParamError` naming the parameter; :func:`apply` filters a snapshot with numpy
masks (no per-request GeoDataFrame work, see ../shared/PERFORMANCE.md).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .offerindex import STATUS_CODES
from .store import Snapshot
from .text import fold

MAX_Q_LENGTH = 200
MAX_RADIUS_KM = 100.0
LIST_PARAMS = ("topic", "group", "kind")
OFFER_PARAMS = frozenset({"age", "grade", "from", "to", "cost", "format", "bookable",
                          "status"})
PLACE_PARAMS = frozenset({*LIST_PARAMS, *OFFER_PARAMS, "q", "area", "near", "radius_km",
                          "bbox", "lang"})
API_PARAMS = PLACE_PARAMS | {"view", "sort"}
SORTS = ("distance", "relevance", "name", "date")
TRUE, FALSE = frozenset({"1", "true", "yes"}), frozenset({"0", "false", "no"})


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


# Degrees as the API document's patterns write them (its schema and this parser agree, so
# a value the document allows is answered and one it does not is refused).
LAT = r"-?(90(\.0+)?|[1-8]?\d(\.\d+)?)"
LON = r"-?(180(\.0+)?|(1[0-7]\d|[1-9]?\d)(\.\d+)?)"
NEAR_PATTERN = rf"^{LAT},{LON}$"
BBOX_PATTERN = rf"^{LON},{LAT},{LON},{LAT}$"


def parse_near(text: str) -> tuple[float, float]:
    if not re.fullmatch(NEAR_PATTERN, text):
        raise ParamError("near", f"{text[:40]!r} is not LAT,LON in degrees (latitude "
                         "-90..90, longitude -180..180), e.g. 51.48,7.22")
    lat, lon = text.split(",")
    return float(lat), float(lon)


def parse_bbox(text: str, strict: bool = True) -> tuple[float, float, float, float]:
    """W,S,E,N in degrees. ``strict``: written as the API document says; OGC API clients
    (GDAL) may write numbers in any notation, so its bbox is not strict."""
    parts = text.split(",")
    if len(parts) != 4 or (strict and not re.fullmatch(BBOX_PATTERN, text)):
        raise ParamError("bbox", "must be W,S,E,N in degrees (longitude -180..180, latitude "
                         "-90..90), e.g. 7.1,51.4,7.35,51.54")
    w, e = (parse_float("bbox", parts[i], -180, 180) for i in (0, 2))
    s, n = (parse_float("bbox", parts[i], -90, 90) for i in (1, 3))
    if s > n:  # a box may be a line or a point (OGC API); W > E crosses the antimeridian
        raise ParamError("bbox", "needs S <= N")
    return (w, s, e, n)


def parse_int(parameter: str, text: str, low: int, high: int) -> int:
    if not text.strip().isascii() or not text.strip().isdigit():
        raise ParamError(parameter, f"{text!r} is not a whole number")
    if len(text.strip().lstrip("0")) > len(str(high)):  # int() refuses > 4300 digits
        raise ParamError(parameter, f"{text[:20]!r}... is outside {low}..{high}")
    value = int(text)
    if not low <= value <= high:
        raise ParamError(parameter, f"{text!r} is outside {low}..{high}")
    return value


def parse_date(parameter: str, text: str, snapshot: Snapshot) -> dt.date:
    try:
        value = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ParamError(parameter, f"{text!r} is not a date (YYYY-MM-DD)") from None
    cal = snapshot.offers.calendar
    last = cal.date(cal.n_days - 1)
    if not cal.first <= value <= last:
        raise ParamError(parameter, f"{value} is outside the calendar "
                         f"{cal.first}..{last}")
    return value


COST_PATTERN = r"^(free|10000(\.0+)?|\d{1,4}(\.\d+)?)$"  # the OpenAPI document's, too


def parse_cost(text: str) -> str | float:
    """'free' or a maximum price 0..10000 EUR, exactly as the API document's pattern says."""
    if text == "free":
        return "free"
    if not re.fullmatch(COST_PATTERN, text):
        raise ParamError("cost", f"{text!r} is neither 'free' nor a maximum price in EUR "
                         "from 0 to 10000 (digits, a decimal point)")
    return float(text)


def parse_offer_args(args: MultiArgs, snapshot: Snapshot) -> dict:
    """The offer-level filters (age, grade, dates, cost, format, bookable, status)."""
    out: dict = {}
    if args.get("age"):
        out["age"] = parse_int("age", args["age"], 0, 120)
    if args.get("grade"):
        out["grade"] = parse_int("grade", args["grade"], 0, 13)
    if args.get("from"):
        out["date_from"] = parse_date("from", args["from"], snapshot)
    if args.get("to"):
        out["date_to"] = parse_date("to", args["to"], snapshot)
    if out.get("date_from") and out.get("date_to") and out["date_to"] < out["date_from"]:
        raise ParamError("to", f"{out['date_to']} is before from={out['date_from']}")
    cal = snapshot.offers.calendar
    today = cal.date(cal.today)
    if out.get("date_to") and not out.get("date_from") and out["date_to"] < today:
        raise ParamError("to", f"{out['date_to']} is in the past: without from= the span "
                         f"starts today ({today}); give from= as well")
    if args.get("cost"):
        out["cost"] = parse_cost(args["cost"])
    formats = split_list(args.getlist("format"))
    for value in formats:
        if value not in snapshot.taxonomy["formats"]:
            raise ParamError("format", f"unknown value {value!r} (known: "
                             + ", ".join(snapshot.taxonomy["formats"]) + ")")
    out["formats"] = tuple(formats)
    if args.get("bookable"):
        flag = args["bookable"].strip().lower()
        if flag not in TRUE | FALSE:
            raise ParamError("bookable", f"{args['bookable']!r} is not 1/true or 0/false")
        out["bookable"] = flag in TRUE
    statuses = split_list(args.getlist("status"))
    if statuses == ["all"]:
        statuses = list(STATUS_CODES)
    for value in statuses:
        if value not in STATUS_CODES:
            raise ParamError("status", f"unknown value {value!r} (known: "
                             + ", ".join(STATUS_CODES) + ", all)")
    if statuses:
        out["statuses"] = tuple(statuses)
    return out


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
    age: int | None = None
    grade: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    cost: str | float | None = None
    formats: tuple[str, ...] = ()
    bookable: bool | None = None
    statuses: tuple[str, ...] = ("active",)
    sort: str = ""

    @property
    def effective_sort(self) -> str:
        """Explicit sort, else by distance with near, by relevance with q, else by name."""
        if self.sort:
            return self.sort
        return "distance" if self.near else "relevance" if self.q else "name"

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
        sort = args.get("sort") or ""
        if sort and sort not in SORTS:
            raise ParamError("sort", f"{sort!r} is not one of {', '.join(SORTS)}")
        if sort == "distance" and near is None:
            raise ParamError("sort", "sort=distance needs near=LAT,LON")
        if sort == "relevance" and not q:
            raise ParamError("sort", "sort=relevance needs q")
        return cls(topics=lists["topics"], groups=lists["groups"], kinds=lists["kinds"],
                   q=q, area=area, near=near, radius_km=radius, bbox=bbox, lang=lang,
                   view=view, sort=sort, **parse_offer_args(args, snapshot))

    def canonical(self) -> str:
        """A stable key for caching and ETags (same filters, same key)."""
        return repr((self.topics, self.groups, self.kinds, fold(self.q), self.area,
                     self.near, self.radius_km, self.bbox, self.lang, self.view, self.age,
                     self.grade, self.date_from, self.date_to, self.cost, self.formats,
                     self.bookable, self.statuses, self.sort))

