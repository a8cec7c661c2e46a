"""The planner's gate: refusals that cost microseconds, before Flask sees the request.

Admission control in Flask (cell budget, cost limits, the pool) decides correctly but each
refusal still costs a whole request through the app, about a millisecond of the one
interpreter lock: 40 addresses asking without pause took 80 % of the server's capacity from
the map's visitors by being refused. So, in front of the app, for the planner's paths only:

- a client refused with 429 or 503 (its limit, the total budget, a full pool) is *boxed*
  until the Retry-After it was given has passed, and its planner requests are answered
  here, with the same status (others' cached answers still flow);
- a request limit per client (``PLANNER_REQUEST_LIMIT`` a minute, and a twentieth of it in
  any second, in the shared limits storage) bounds how often a client gets into the app at
  all, whatever it asks;
- ``PLANNER_REQUESTS_PER_SECOND`` bounds what this process lets in for all clients together
  (503 beyond it), which per-client limits cannot when many addresses ask.

Under ``explorer serve`` a boxed client's request does not even reach a worker thread: the
server's main loop asks :meth:`PlannerGate.early_refusal` and holds the answer (see
:mod:`explorer.server`), and :meth:`PlannerGate.own_lane` gives the planner workers of its own.

The answer given here is the app's own refusal: the first one of each kind (status, JSON or
page, language) is made by the app through its error handlers and headers, remembered, and
replayed with the client's Retry-After.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from limits import RateLimitItemPerMinute, RateLimitItemPerSecond

from .ratelimit import ClientLimits, Network, client_address

PLANNER_PATHS = ("/api/coverage", "/planner")
REFUSE = "explorer.gate_refuse"  # environ key: the status the app should refuse with
Replay = tuple[str, list[tuple[str, str]], bytes]


class Box:
    """Until when each boxed client is refused, and with which status; bounded."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._until: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: str, seconds: float, status: int) -> None:
        with self._lock:
            self._until[key] = (time.monotonic() + seconds, status)
            self._until.move_to_end(key)
            while len(self._until) > self.size:
                self._until.popitem(last=False)

    def get(self, key: str) -> tuple[float, int] | None:
        """(seconds left, status) while boxed."""
        with self._lock:
            entry = self._until.get(key)
            if entry is None:
                return None
            left = entry[0] - time.monotonic()
            if left <= 0:
                del self._until[key]
                return None
            return left, entry[1]


class PlannerGate:
    """WSGI middleware around the whole app (see the module's docstring)."""

    def __init__(self, app: Callable, limits: ClientLimits, networks: tuple[Network, ...],
                 per_minute: int, hold_s: float = 0.0, per_second_total: int = 0) -> None:
        self.app, self.limits, self.networks = app, limits, networks
        self.hold_s = hold_s
        # a client's minute may not be spent in one second: 40 addresses x 60 requests
        # at once were 4 s of the interpreter lock, all visitors waiting
        self.client_items = [RateLimitItemPerMinute(per_minute),
                             RateLimitItemPerSecond(max(3, math.ceil(per_minute / 20)))
                             ] if per_minute > 0 else []
        # and the requests this process lets in, all clients together: per-client limits
        # cannot bound what many addresses send
        self.total_item = RateLimitItemPerSecond(per_second_total) if per_second_total > 0 \
            else None
        self.local = ClientLimits("memory://")
        self.box = Box()
        self._replays: dict[tuple, Replay] = {}

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PLANNER_PATHS):
            return self.app(environ, start_response)
        client = client_address(environ.get("REMOTE_ADDR"),
                                environ.get("HTTP_X_FORWARDED_FOR"), self.networks)
        boxed = self.box.get(client) or self.admit(client)
        if boxed is not None:
            return self.refuse(environ, start_response, *boxed)

        def watch(status: str, headers: list, exc_info=None):
            code = status[:3]
            if code in ("429", "503"):
                retry = next((v for k, v in headers if k.lower() == "retry-after"), "")
                if retry.isdigit():
                    self.box.put(client, float(retry), int(code))
            return start_response(status, headers, exc_info)
        return self.app(environ, watch)

    def admit(self, client: str) -> tuple[float, int] | None:
        """None lets the request in; else (seconds, status) it is now boxed for."""
        for item in self.client_items:
            wait = self.limits.allow_item(f"planner-requests-{item.GRANULARITY.name}",
                                          client, item)
            if wait:
                self.box.put(client, wait, 429)
                return wait, 429
        if self.total_item is not None:
            wait = self.local.allow_item("planner-total", "all", self.total_item)
            if wait:
                self.box.put(client, wait, 503)
                return wait, 503
        return None

    def own_lane(self, request: Any) -> bool:
        """For the production server: planner requests get worker threads of their own."""
        return (request.path or "").startswith(PLANNER_PATHS)

    def early_refusal(self, remote: str, request: Any) -> tuple[str, list, bytes, float] | None:
        """For the production server's main loop (:mod:`explorer.server`): the refusal of a
        boxed client's planner GET or HEAD, and how long to hold it; None lets the request
        in (not boxed, or this kind of refusal not yet made by the app)."""
        path = request.path or ""
        if (request.error or request.command not in ("GET", "HEAD")
                or not path.startswith(PLANNER_PATHS)):
            return None  # a request waitress could not parse gets its own 400
        client = client_address(remote, request.headers.get("X_FORWARDED_FOR"),
                                self.networks)
        boxed = self.box.get(client)
        replay = boxed and self._replays.get(refusal_kind(path, request.query, boxed[1]))
        if not replay:
            return None
        hold = min(boxed[0], self.hold_s)
        line, headers, body = replay
        return line, [*headers, retry_after(boxed[0] - hold)], body, hold

    def refuse(self, environ: dict, start_response: Callable, left: float,
               status: int) -> Iterable[bytes]:
        kind = refusal_kind(environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
                            status)
        replay = self._replays.get(kind) or self._made_by_app(environ, kind, status)
        line, headers, body = replay
        start_response(line, [*headers, retry_after(left)])
        return [body]

    def _made_by_app(self, environ: dict, kind: tuple, status: int) -> Replay:
        probe = {k: v for k, v in environ.items() if k != "HTTP_ACCEPT_ENCODING"}
        probe.pop("HTTP_IF_NONE_MATCH", None)
        probe[REFUSE] = status
        got: list = []

        def capture(line: str, headers: list, exc_info=None):
            # never a client's own header (a cookie) in an answer replayed to everyone
            got[:] = [line, [(k, v) for k, v in headers
                             if k.lower() not in ("retry-after", "set-cookie")]]
        chunks = self.app(probe, capture)
        try:
            body = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        replay: Replay = (got[0], got[1], body)
        if got[0].startswith(str(status)):  # not, e.g., the 400 of a refused Host header
            self._replays[kind] = replay
        return replay


def refusal_kind(path: str, query: str, status: int) -> tuple[str, str, int]:
    """What a refusal looks like for this request: JSON or which page, language, status
    (a bounded set, so made-up paths cannot grow the replays)."""
    lang = parse_qs(query).get("lang", ["de"])[0]
    page = path if path in ("/planner", "/planner/map.js") else "page"
    return ("json" if path.startswith(("/api/", "/planner/export/")) else page,
            "en" if lang == "en" else "de", status)


def retry_after(seconds: float) -> tuple[str, str]:
    return "Retry-After", str(max(1, math.ceil(seconds)))


REFUSALS = {
    429: "too many planner requests from this client; retry after the time in Retry-After",
    503: "the planner's work is used up for now; retry after the time in Retry-After",
}
