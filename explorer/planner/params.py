"""The planner's parameters: the explorer's place filters plus reach and cell size.

Parsing reuses :meth:`explorer.query.PlaceQuery.from_args`, so a topic, group or kind the
explorer rejects is rejected here with the same message, and an unknown parameter is a 400
naming it rather than being silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from ..query import OFFER_PARAMS, MultiArgs, PlaceQuery, parse_float
from ..store import Snapshot

DEFAULT_REACH_KM = 2.0
DEFAULT_CELL_M = 250.0
REACH_KM_RANGE = (0.1, 20.0)
CELL_M_RANGE = (100.0, 2000.0)
PLANNER_PARAMS = frozenset({"topic", "group", "kind", "reach_km", "cell_m", "lang",
                            *OFFER_PARAMS})


@dataclass(frozen=True)
class CoverageParams:
    """One planner view; ``key`` identifies an analysis (language only changes labels)."""

    topics: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    reach_km: float = DEFAULT_REACH_KM
    cell_m: float = DEFAULT_CELL_M
    lang: str = "de"
    # Offer-level filters (age, from/to, cost, ...) as given, for keys and links;
    # ``query`` holds them parsed.
    offer_args: tuple[tuple[str, str], ...] = ()
    query: PlaceQuery | None = field(default=None, compare=False)

    @property
    def reach_m(self) -> float:
        return self.reach_km * 1000.0

    @property
    def key(self) -> tuple:
        return (tuple(sorted(self.topics)), tuple(sorted(self.groups)),
                tuple(sorted(self.kinds)), round(self.reach_km, 4), round(self.cell_m, 3),
                self.offer_args)

    def place_query(self) -> PlaceQuery:
        if self.query is not None:
            return replace(self.query, q="", near=None, radius_km=None, bbox=None, sort="")
        return PlaceQuery(topics=self.topics, groups=self.groups, kinds=self.kinds,
                          lang=self.lang)

    def as_dict(self) -> dict:
        """The parameters as the API reports them (and as they go back into URLs)."""
        return {"topic": list(self.topics), "group": list(self.groups),
                "kind": list(self.kinds), "reach_km": self.reach_km, "cell_m": self.cell_m,
                "lang": self.lang, **dict(self.offer_args)}

    def query_string(self, lang: str | None = None, **extra: str) -> str:
        """Canonical URL query: comma lists, defaults kept explicit so links are stable."""
        pairs = [(name, ",".join(values)) for name, values in
                 (("topic", self.topics), ("group", self.groups), ("kind", self.kinds))
                 if values]
        pairs += [("reach_km", f"{self.reach_km:g}"), ("cell_m", f"{self.cell_m:g}"),
                  ("lang", lang or self.lang)]
        pairs += list(self.offer_args)
        pairs += sorted(extra.items())
        return urlencode(pairs, safe=",")


def parse_params(args, snapshot: Snapshot, default_lang: str = "de",
                 allowed: frozenset[str] = PLANNER_PARAMS) -> CoverageParams:
    """URL arguments to :class:`CoverageParams`; raises :class:`ParamError` naming the bad one."""
    query = PlaceQuery.from_args(args, snapshot, default_lang, allowed=allowed)
    multi = MultiArgs(args)
    reach_km, cell_m = DEFAULT_REACH_KM, DEFAULT_CELL_M
    if multi.get("reach_km"):
        reach_km = parse_float("reach_km", multi["reach_km"], *REACH_KM_RANGE)
    if multi.get("cell_m"):  # below 100 m the grid stops being interactive: reject it
        cell_m = parse_float("cell_m", multi["cell_m"], *CELL_M_RANGE)
    offer_args = tuple(sorted((name, ",".join(multi.getlist(name))) for name in OFFER_PARAMS
                              if multi.get(name)))
    return CoverageParams(topics=query.topics, groups=query.groups, kinds=query.kinds,
                          reach_km=reach_km, cell_m=cell_m, lang=query.lang,
                          offer_args=offer_args, query=query)
