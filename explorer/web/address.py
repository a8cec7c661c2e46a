"""Street addresses for the "where" box, asked server-side from the configured geocoder.

Off unless EXPLORER_ADDRESS_LOOKUP is set, so a fresh install never sends what a visitor
typed to a third party; the browser never does either (its CSP allows ``connect-src
'self'``). When on, ``GET /api/where/address`` asks GEOCODER_URL (Nominatim's /search API,
through the pieces ``explorer geocode`` uses) for a free-text address inside Bochum:

- cached: the same query (case and spacing ignored) is asked once per CACHE_TTL; an LRU of
  CACHE_SIZE answers in memory only (visitors' addresses are not written to disk, unlike
  the CLI's cache of curated places);
- one upstream request at a time across all threads, GEOCODER_MIN_INTERVAL apart (counted
  from the end of the previous one, as in the CLI) and nothing for GEOCODER_BACKOFF after
  a failure (or as long as the geocoder's Retry-After asks); a request that would wait
  longer than MAX_WAIT answers 503 with Retry-After instead of holding a server thread;
- per client, ADDRESS_RATE_LIMIT lookups a minute that need the geocoder (429 above it);
- every upstream request is over within GEOCODER_TIMEOUT in total;
- only real answers are cached: hits, or an honest "nothing found". A failure (timeout,
  HTTP error, bad JSON) answers 503 and is asked again next time.

The limits hold per process, like the coverage limit: several processes ask that much
more often, so give each its own contact or put one process in front of the geocoder.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests

from ..config import SettingError
from ..pipeline.geocode import (
    MAX_RETRY_AFTER,
    PUBLIC_MIN_INTERVAL,
    PUBLIC_NOMINATIM,
    GeocodeFailure,
    RateLimiter,
    contact_problem,
    fetch,
    json_list,
    normalise,
    point,
    public_nominatim,
    retry_after_seconds,
)
from ..query import ParamError
from ..schema import BOCHUM_BBOX, in_bochum, is_http_url

SEARCH_LIMIT = 5  # results asked for and answered
CACHE_SIZE = 2000  # answers kept
CACHE_TTL = 24 * 3600.0  # seconds an answer is kept
MAX_WAIT = 2.0  # seconds a request may wait for its turn at the geocoder
Q_MAX = 120  # characters of q, as sent
Q_PATTERN = r"\S\s*\S\s*\S"  # at least three characters besides spaces (OpenAPI: the same)
OFF = "address lookup is off (EXPLORER_ADDRESS_LOOKUP)"
STREET_KEYS = ("road", "pedestrian", "footway", "path", "square", "place")
AREA_KEYS = ("suburb", "city_district", "city", "town", "village")  # Stadtteil, else city
log = logging.getLogger(__name__)


def query_text(raw: str | None) -> str:
    """The query as asked: spacing normalised; ParamError naming ``q`` otherwise."""
    if raw is None:
        raise ParamError("q", "missing: the address to look up")
    if len(raw) > Q_MAX:
        raise ParamError("q", f"longer than {Q_MAX} characters")
    if not re.search(Q_PATTERN, raw):
        raise ParamError("q", "shorter than 3 characters (spaces not counted)")
    return normalise(raw)


def cache_key(text: str) -> str:
    return normalise(text).casefold()


class TTLCache:
    """A thread-safe LRU whose entries expire ``ttl`` seconds after they were stored."""

    def __init__(self, size: int, ttl: float, clock: Callable[[], float] = time.monotonic):
        self.size, self.ttl, self.clock = size, ttl, clock
        self._data: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return None
            if self.clock() - entry[0] >= self.ttl:
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return entry[1]

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._data.pop(key, None)
            self._data[key] = (self.clock(), value)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


class Busy(Exception):
    """The geocoder is not ours to ask for longer than MAX_WAIT."""

    def __init__(self, retry_after: float):
        super().__init__(f"the geocoder is busy for {retry_after:.1f} s")
        self.retry_after = retry_after


class UpstreamGate:
    """One request at a time towards the geocoder, spaced by a :class:`RateLimiter`, for
    every thread of the process; a turn that is more than ``max_wait`` away is refused."""

    def __init__(self, interval: float, max_wait: float = MAX_WAIT,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.limiter = RateLimiter(interval, clock, sleep)
        self.max_wait, self.clock = max_wait, clock
        self._turn = threading.Lock()

    @contextmanager
    def turn(self) -> Iterator[None]:
        start = self.clock()
        if not self._turn.acquire(timeout=self.max_wait):
            raise Busy(self.max_wait + self.limiter.interval)
        try:
            delay = self.limiter.delay()
            if self.clock() - start + delay > self.max_wait:
                raise Busy(delay)
            self.limiter.wait()
            try:
                yield
            finally:
                self.limiter.done()
        finally:
            self._turn.release()


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _first(address: Mapping[str, Any], keys: tuple[str, ...]) -> str:
    return next((_text(address[k]) for k in keys if _text(address.get(k))), "")


def short_name(result: Mapping[str, Any]) -> str:
    """"Street No, Postcode Stadtteil" (the city where no Stadtteil is known), from
    Nominatim's addressdetails; without them the first two parts of display_name."""
    address = result.get("address")
    address = address if isinstance(address, Mapping) else {}
    street = " ".join(p for p in (_first(address, STREET_KEYS),
                                  _text(address.get("house_number"))) if p)
    if not _first(address, STREET_KEYS):  # a named feature without a street
        street = _text(result.get("name"))
    town = " ".join(p for p in (_text(address.get("postcode")), _first(address, AREA_KEYS))
                    if p)
    name = ", ".join(p for p in (street, town) if p)
    if not street or not town:
        parts = [p.strip() for p in _text(result.get("display_name")).split(",")]
        name = ", ".join(p for p in parts[:2] if p) or name
    return name


def detail(result: Mapping[str, Any], name: str) -> str:
    """What was found there when it has a name of its own (a museum), else the
    Stadtbezirk, as the offline entries give it."""
    own = _text(result.get("name"))
    if own and own not in name:
        return own
    address = result.get("address")
    return _text(address.get("city_district")) if isinstance(address, Mapping) else ""


def read_hits(results: list) -> tuple[list[dict], int]:
    """The entries inside Bochum, one per name, and the count of results without finite
    coordinates (an answer with such results is not to be trusted as a whole)."""
    hits: list[dict] = []
    names: set[str] = set()
    broken = 0
    for result in results:
        try:
            lat, lon = point(result)
        except ValueError:
            broken += 1
            continue
        if not in_bochum(lon, lat):
            continue
        name = short_name(result) or f"{lat:.5f}, {lon:.5f}"
        if name in names:
            continue
        names.add(name)
        hits.append({"name": name, "kind": "address", "lat": round(lat, 6),
                     "lon": round(lon, 6), "detail": detail(result, name)})
    return hits[:SEARCH_LIMIT], broken


@dataclass
class AddressLookup:
    """Per app: the geocoder's settings, the answer cache, the gate, the client limit."""

    url: str
    user_agent: str
    email: str = ""
    min_interval: float = 1.0
    timeout: float = 10.0
    pause: float = 2.0  # after a failure
    session: requests.Session = field(default_factory=requests.Session)
    cache: TTLCache = field(default_factory=lambda: TTLCache(CACHE_SIZE, CACHE_TTL))

    def __post_init__(self) -> None:
        self.gate = UpstreamGate(self.min_interval)
        self.session.headers["User-Agent"] = self.user_agent
        self.requests_sent = 0

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> AddressLookup | None:
        """None when off; SettingError for settings the geocoder must not be asked with."""
        if not cfg["ADDRESS_LOOKUP"]:
            return None
        url = cfg["GEOCODER_URL"]
        if not is_http_url(url):
            raise SettingError(f"EXPLORER_ADDRESS_LOOKUP is on, but EXPLORER_GEOCODER_URL="
                               f"{url!r} is not an http(s) URL")
        problem = contact_problem(url, cfg["GEOCODER_EMAIL"])
        if problem:
            raise SettingError(f"EXPLORER_ADDRESS_LOOKUP is on, but {problem}")
        timeout = cfg["GEOCODER_TIMEOUT"]
        if not timeout > 0:
            raise SettingError("EXPLORER_ADDRESS_LOOKUP is on, but EXPLORER_GEOCODER_TIMEOUT"
                               f"={timeout!r} is not a positive number of seconds")
        interval = max(0.0, cfg["GEOCODER_MIN_INTERVAL"])
        if public_nominatim(url) and interval < PUBLIC_MIN_INTERVAL:
            log.warning("%s allows one request per second; using %s s", PUBLIC_NOMINATIM,
                        PUBLIC_MIN_INTERVAL)
            interval = PUBLIC_MIN_INTERVAL
        return cls(url=url, user_agent=cfg["GEOCODER_USER_AGENT"],
                   email=cfg["GEOCODER_EMAIL"].strip(), min_interval=interval,
                   timeout=timeout, pause=max(0.0, cfg["GEOCODER_BACKOFF"]))

    def params(self, text: str) -> dict[str, str]:
        w, s, e, n = BOCHUM_BBOX
        params = {"q": text, "format": "jsonv2", "addressdetails": "1",
                  "limit": str(SEARCH_LIMIT), "countrycodes": "de",
                  "viewbox": f"{w},{n},{e},{s}", "bounded": "1", "accept-language": "de"}
        if self.email:
            params["email"] = self.email
        return params

    def cached(self, text: str) -> list[dict] | None:
        return self.cache.get(cache_key(text))

    def search(self, text: str) -> tuple[list[dict], bool]:
        """``(hits, cacheable)`` from the geocoder; Busy or GeocodeFailure otherwise.

        An answer with results lacking finite coordinates is served for its good hits but
        not cached; with none at all it is a failure."""
        key = cache_key(text)
        with self.gate.turn():
            hits = self.cache.get(key)
            if hits is not None:  # asked by another thread while this one waited
                return hits, True
            try:
                self.requests_sent += 1
                answer = fetch(self.session, self.url, self.params(text), self.timeout)
                if answer.status != 200:
                    raise GeocodeFailure(f"HTTP {answer.status} from {self.url}",
                                         retry_after_seconds(answer.headers.get("Retry-After")))
                hits, broken = read_hits(json_list(answer.text, self.url))
                if broken and not hits:
                    raise GeocodeFailure(f"{broken} result(s) from {self.url} without finite "
                                         "coordinates")
            except GeocodeFailure as exc:
                self.gate.limiter.hold(min(max(self.pause, exc.retry_after or 0.0),
                                           MAX_RETRY_AFTER))
                raise
        if not broken:
            self.cache.put(key, hits)
        return hits, not broken

    def retry_after(self) -> int:
        """Whole seconds until the geocoder may be asked again (at least 1)."""
        return max(1, math.ceil(self.gate.limiter.delay()))
