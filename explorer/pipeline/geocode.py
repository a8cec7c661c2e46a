"""A polite Nominatim client: rate-limited, cached, retried, restricted to Bochum.

The public Nominatim usage policy asks for at most one request per second, a descriptive
User-Agent and no repeated queries; this module enforces all three so a maintainer cannot
get the project's address blocked by re-running ``explorer geocode``. The server's address
lookup (:mod:`explorer.web.address`) asks through the same pieces: :func:`fetch`,
:func:`json_list`, :func:`point`, :class:`RateLimiter` and :func:`contact_problem`;
``explorer import`` downloads its files through :func:`fetch` too, so every upstream
request of the project is over within its timeout in total.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters

from ..schema import in_bochum
from .atomic import atomic_write_text
from .fetch import (  # noqa: F401  (re-exported: the geocoder's failures and fetch)
    MAX_BODY,
    Answer,
    GeocodeFailure,
    Unreachable,
    fetch,
    retry_after_seconds,
)

CACHE_FILE = "geocode-cache.json"
CACHE_VERSION = 1
MAX_RETRY_AFTER = 300.0  # seconds; a longer Retry-After is capped rather than obeyed blindly
STRUCTURED, FREE_TEXT = "structured", "free-text"
PUBLIC_NOMINATIM = "nominatim.openstreetmap.org"
PUBLIC_MIN_INTERVAL = 1.0  # the public Nominatim's usage policy: one request per second
NO_MATCH = {f"{kind} query: no match" for kind in (STRUCTURED, FREE_TEXT)}


class CacheError(Exception):
    """The cache file exists but cannot be used; we refuse rather than re-ask everything."""


def normalise(text: str) -> str:
    """Runs of whitespace as one space, none at the ends."""
    return re.sub(r"\s+", " ", text).strip()


def public_nominatim(url: str) -> bool:
    return urlsplit(url).hostname == PUBLIC_NOMINATIM


def contact_problem(url: str, email: str) -> str:
    """Why ``url`` must not be asked without a contact, or "" (the usage policy asks for
    an identifiable client)."""
    if public_nominatim(url) and not email.strip():
        return (f"{PUBLIC_NOMINATIM} needs a contact: set EXPLORER_GEOCODER_EMAIL (and "
                "ideally a User-Agent naming your deployment)")
    return ""


@dataclass(frozen=True)
class Address:
    street: str
    postcode: str
    city: str

    def key(self) -> str:
        """Case- and space-insensitive, so 'Bleichstr.  15' is not asked twice."""
        parts = (self.street, self.postcode, self.city)
        return "|".join(normalise(p).casefold() for p in parts)

    def free_text(self) -> str:
        town = f"{self.postcode} {self.city}".strip()
        return f"{self.street}, {town}, Deutschland"


@dataclass
class Result:
    status: str  # "found" | "not_found" | "failed"
    lat: float | None = None
    lon: float | None = None
    query: str = ""  # STRUCTURED or FREE_TEXT for a hit
    url: str = ""  # endpoint that answered
    obtained: str = ""  # ISO timestamp (UTC) of the answer
    reason: str = ""
    licence: str = ""
    cached: bool = False

    def source_text(self) -> str:
        text = f"Nominatim-compatible geocoder, {self.query} query"
        return f"{text}; {self.licence}" if self.licence else text

    def to_cache(self) -> dict[str, Any]:
        keep = ("status", "lat", "lon", "query", "url", "obtained", "reason", "licence")
        return {k: getattr(self, k) for k in keep}

    @classmethod
    def from_cache(cls, entry: dict[str, Any]) -> Result:
        known = {k: v for k, v in entry.items() if k in cls.__dataclass_fields__}
        return cls(**known, cached=True)


class RateLimiter:
    """At most one request per ``interval``, counted from the end of the previous one.

    Counting from the end (not the start) keeps the spacing the server sees at least
    ``interval`` even when a response is slow; retries go through the same limiter.
    """

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.interval, self.clock, self.sleep = interval, clock, sleep
        self._next = float("-inf")

    def delay(self) -> float:
        """Seconds until the next request may start."""
        return max(0.0, self._next - self.clock())

    def wait(self) -> None:
        delay = self.delay()
        if delay > 0:
            self.sleep(delay)

    def done(self) -> None:
        self._next = max(self._next, self.clock() + self.interval)  # keeps a longer hold

    def hold(self, seconds: float) -> None:
        """No request for ``seconds`` from now (after a failure, or as the server asked)."""
        self._next = max(self._next, self.clock() + seconds)


def honest_miss(reason: str) -> bool:
    """Whether a "not found" came from empty result lists only (every part of its reason
    is "... query: no match"), not from results outside Bochum or broken ones."""
    return all(part in NO_MATCH for part in reason.split("; "))


def real_answer(entry: Any) -> bool:
    """A cache entry worth keeping: a finite hit inside Bochum, or an honest miss.

    Older versions also cached results outside Bochum, NaN and Infinity as "not_found"
    (their reason says "result outside Bochum"); such entries are asked again."""
    if not isinstance(entry, dict):
        return False
    if entry.get("status") == "not_found":
        return isinstance(entry.get("reason"), str) and honest_miss(entry["reason"])
    try:
        lat, lon = point(entry)
    except ValueError:
        return False
    return entry.get("status") == "found" and in_bochum(lon, lat)


class GeocodeCache:
    """Real answers (hits and honest misses) by endpoint and address, in STATE_DIR."""

    def __init__(self, path: Path):
        self.path = path
        self.entries: dict[str, dict[str, Any]] = {}
        self.save_error = ""  # set when saving failed; the run goes on, the CLI warns
        self.dropped = 0  # entries that were not real answers (older versions), asked again
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                entries = dict(data["entries"])
            except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
                raise CacheError(f"{path}: unusable geocoding cache ({exc}); fix or delete "
                                 "it (deleting means every address is asked again)") from None
            self.entries = {k: v for k, v in entries.items() if real_answer(v)}
            self.dropped = len(entries) - len(self.entries)

    @staticmethod
    def key(endpoint: str, address: Address) -> str:
        return f"{endpoint} {address.key()}"

    def get(self, endpoint: str, address: Address) -> Result | None:
        entry = self.entries.get(self.key(endpoint, address))
        return Result.from_cache(entry) if entry else None

    def put(self, endpoint: str, address: Address, result: Result) -> None:
        self.entries[self.key(endpoint, address)] = result.to_cache()
        try:
            self.save()
        except OSError as exc:
            self.save_error = f"{self.path}: cannot save the geocoding cache: {exc}"

    def save(self) -> None:
        """Saved after every answer: an interrupted run still never repeats a question."""
        body = {"version": CACHE_VERSION, "entries": dict(sorted(self.entries.items()))}
        atomic_write_text(self.path, json.dumps(body, indent=1, ensure_ascii=False) + "\n")


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def json_list(text: str, source: str) -> list:
    """The answer as a JSON list, or GeocodeFailure. Strict: NaN and Infinity, which
    Python's json module would accept, are not JSON."""
    try:
        data = json.loads(text, parse_constant=_not_json)
    except ValueError:
        snippet = text[:80].replace("\n", " ")
        raise GeocodeFailure(f"malformed JSON from {source}: {snippet!r}") from None
    if not isinstance(data, list):
        raise GeocodeFailure(f"unexpected answer from {source}: expected a JSON list")
    return data


def point(result: Any) -> tuple[float, float]:
    """``(lat, lon)`` of one result as finite numbers, else ValueError (Nominatim sends
    them as strings; "nan" or "1e999" would parse as floats that are not coordinates)."""
    try:
        lat, lon = float(result["lat"]), float(result["lon"])
    except (KeyError, TypeError, ValueError):
        raise ValueError("no numeric lat/lon") from None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValueError(f"lat/lon not finite ({lat}, {lon})")
    return lat, lon


@dataclass
class Geocoder:
    url: str
    user_agent: str
    cache: GeocodeCache
    email: str = ""
    min_interval: float = 1.0
    timeout: float = 10.0
    retries: int = 3
    backoff: float = 2.0  # first retry delay; doubles on each further retry
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(self.min_interval, sleep=self.sleep)
        self.session.headers["User-Agent"] = self.user_agent
        self.requests_sent = 0

    def lookup(self, address: Address) -> Result:
        """Cache first; then structured query, then free text.

        Only real answers are cached: a hit inside Bochum, or empty result lists to both
        queries. A failure, a broken result or results outside Bochum only are "failed",
        not cached, and asked again by the next run."""
        cached = self.cache.get(self.url, address)
        if cached is not None:
            return cached
        reasons = []
        try:
            for kind, params in self._queries(address):
                result, reason = self._ask(kind, params)
                if result is not None:
                    break
                reasons.append(reason)
            else:
                reason = "; ".join(reasons)
                if not honest_miss(reason):
                    raise GeocodeFailure(f"{reason} (from {self.url})")
                result = Result("not_found", url=self.url, obtained=_now(), reason=reason)
        except GeocodeFailure as exc:
            return Result("failed", url=self.url,
                          reason=f"{exc}; not cached, asked again next run")
        self.cache.put(self.url, address, result)
        return result

    def _queries(self, address: Address) -> list[tuple[str, dict[str, str]]]:
        base = {"format": "jsonv2", "countrycodes": "de", "limit": "1"}
        if self.email:
            base["email"] = self.email
        structured = {**base, "street": address.street, "postalcode": address.postcode,
                      "city": address.city, "country": "Deutschland"}
        structured = {k: v for k, v in structured.items() if v}  # no empty postalcode=
        return [(STRUCTURED, structured), (FREE_TEXT, {**base, "q": address.free_text()})]

    def _ask(self, kind: str, params: dict[str, str]) -> tuple[Result | None, str]:
        data = json_list(self._get(params).text, f"{self.url} ({kind} query)")
        if not data:
            return None, f"{kind} query: no match"
        first = data[0]
        try:
            lat, lon = point(first)
        except ValueError as exc:
            raise GeocodeFailure(f"malformed result from {self.url} ({kind} query): "
                                 f"{exc}") from None
        if not in_bochum(lon, lat):
            where = first.get("display_name") or f"{lat:.5f}, {lon:.5f}"
            return None, f"{kind} query: result outside Bochum ({where})"
        licence = first.get("licence") if isinstance(first.get("licence"), str) else ""
        return Result("found", lat=lat, lon=lon, query=kind, url=self.url,
                      obtained=_now(), licence=licence), ""

    def _get(self, params: dict[str, str]) -> Answer:
        """One answer with status 200, or GeocodeFailure after the retries are used up."""
        for attempt in range(self.retries + 1):
            self.limiter.wait()
            retry_after = None
            try:
                self.requests_sent += 1
                response = fetch(self.session, self.url, params, self.timeout)
            except Unreachable as exc:  # timeout, connection reset, broken chunks, ...
                problem = str(exc)
            else:
                if response.status == 200:
                    self.limiter.done()
                    return response
                problem = f"HTTP {response.status}"
                if response.status != 429 and response.status < 500:
                    self.limiter.done()
                    raise GeocodeFailure(f"{problem} from {self.url}: "
                                         f"{response.text[:120]!r}")
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            self.limiter.done()
            if attempt == self.retries:
                raise GeocodeFailure(f"{problem} from {self.url} "
                                     f"(gave up after {attempt + 1} attempts)")
            delay = self.backoff * 2 ** attempt
            if retry_after is not None:
                delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
            self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
