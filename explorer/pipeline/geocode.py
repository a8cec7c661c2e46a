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

import contextlib
import datetime as dt
import email.utils
import json
import math
import re
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters
import urllib3
import urllib3.connection

from ..schema import in_bochum
from .atomic import atomic_write_text

CACHE_FILE = "geocode-cache.json"
CACHE_VERSION = 1
MAX_RETRY_AFTER = 300.0  # seconds; a longer Retry-After is capped rather than obeyed blindly
STRUCTURED, FREE_TEXT = "structured", "free-text"
PUBLIC_NOMINATIM = "nominatim.openstreetmap.org"
PUBLIC_MIN_INTERVAL = 1.0  # the public Nominatim's usage policy: one request per second
MAX_BODY = 1024 * 1024  # an answer is a few KB; a larger body is not a geocoder's answer
NO_MATCH = {f"{kind} query: no match" for kind in (STRUCTURED, FREE_TEXT)}


class GeocodeFailure(Exception):
    """The geocoder could not answer (network, HTTP error, bad JSON): not cacheable.

    ``retry_after``: seconds the geocoder asked us to wait (its Retry-After), if any."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Unreachable(GeocodeFailure):
    """No answer at all (timeout, connection error, broken body): worth a retry."""


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


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, its body read in full."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class _Deadline:
    """Ends one request at its deadline by shutting its socket, in whichever phase it is:
    the connection's while the headers are awaited, the response's while the body is
    read. :func:`fetch` tells it both (the connection through :class:`DeadlineAdapter`)."""

    def __init__(self, seconds: float):
        self.expired = False
        self._lock = threading.Lock()
        self._over = False
        self._connection: Any = None
        self._response: Any = None
        self._timer = threading.Timer(max(0.0, seconds), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, connection: Any = None, response: Any = None) -> None:
        with self._lock:
            if connection is not None:
                self._connection = connection
            if response is not None:
                self._response = response
            if self.expired:
                self._shut()

    def finish(self) -> None:
        """The request is over (done or failed): nothing is shut from now on."""
        with self._lock:
            self._over = True
        self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            if not self._over:
                self.expired = True
                self._shut()

    def _shut(self) -> None:
        sock = getattr(self._connection, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._response is not None:  # its socket, even once the connection let go of it
            with contextlib.suppress(OSError, ValueError, RuntimeError):  # closed, released
                self._response.raw.shutdown()


_in_flight = threading.local()  # .deadline: the _Deadline of the request this thread sends


class _Watched:
    """Shows the connection to the request's deadline before the headers are awaited."""

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        deadline = getattr(_in_flight, "deadline", None)
        if deadline is not None:
            deadline.watch(connection=self)
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_Watched, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_Watched, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class DeadlineAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter, with connections that :func:`fetch` can end while it waits for
    the headers (requests' timeout alone lets a server trickle them forever)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


_mounting = threading.Lock()


def _mount_deadline_adapters(session: requests.Session) -> None:
    """Replace the session's stock adapters (not ones a caller mounted) once."""
    with _mounting:
        for prefix in ("http://", "https://"):
            stock = session.adapters.get(prefix)
            if type(stock) is requests.adapters.HTTPAdapter:
                session.mount(prefix, DeadlineAdapter(max_retries=stock.max_retries))
                stock.close()


def fetch(session: requests.Session, url: str, params: dict[str, str], timeout: float,
          max_bytes: int = MAX_BODY) -> Answer:
    """One GET that is over within ``timeout`` seconds in total, or :class:`Unreachable`.

    requests' own timeout counts per socket read, so a server sending a byte a second, of
    its headers or of its body, would hold a request (and a server thread) for as long as
    it likes. A timer therefore shuts the request's socket at the deadline, which ends a
    read blocked in the middle (see :class:`_Deadline`; the session's stock adapters are
    replaced by :class:`DeadlineAdapter` for that). Only connecting is bounded by
    requests' timeout alone (per address tried); a request still connecting at the
    deadline fails as soon as it is connected. A body read to its end leaves the
    connection for reuse."""
    _mount_deadline_adapters(session)
    timed_out = f"timed out after {timeout:g} s (the deadline for the whole request)"
    deadline = _Deadline(timeout)
    _in_flight.deadline = deadline
    response = None
    chunks: list[bytes] = []
    size = 0
    try:
        response = session.get(url, params=params, timeout=timeout, stream=True)
        _in_flight.deadline = None
        deadline.watch(response=response)
        while chunk := response.raw.read1(64 * 1024, decode_content=True):
            size += len(chunk)
            if size > max_bytes:
                raise Unreachable(f"answer larger than {max_bytes} bytes")
            chunks.append(chunk)
    except requests.Timeout:
        raise Unreachable(timed_out) from None
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        # connection refused or reset, bad URL, broken chunks, or the socket shut above
        raise Unreachable(timed_out if deadline.expired else f"network error: {exc}") from None
    finally:
        _in_flight.deadline = None
        deadline.finish()
        if response is not None:
            response.close()
    if deadline.expired:
        raise Unreachable(timed_out)  # a shut socket may look like a short, complete body
    return Answer(response.status_code, response.headers, b"".join(chunks))


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
