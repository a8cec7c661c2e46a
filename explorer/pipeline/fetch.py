"""One upstream request within a deadline for the whole request, not per read.

requests' timeout bounds each socket read, so an upstream that sends a byte a second never
times out; here one timer shuts the socket at the deadline, whether the headers or the body
are still arriving. The geocoder, the server's address lookup and ``explorer import`` ask
every upstream through :func:`fetch`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
import requests.adapters
import urllib3
import urllib3.connection

MAX_BODY = 1024 * 1024  # an answer is a few KB; a larger body is not a geocoder's answer


class GeocodeFailure(Exception):
    """The geocoder could not answer (network, HTTP error, bad JSON): not cacheable.

    ``retry_after``: seconds the geocoder asked us to wait (its Retry-After), if any."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Unreachable(GeocodeFailure):
    """No answer at all (timeout, connection error, broken body): worth a retry."""


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
