"""The planner's gate: refusals that cost microseconds, before Flask sees the request.

Admission control in Flask (cell budget, cost limits, the pool) decides correctly but each
refusal still costs a whole request through the app, about a millisecond of the one
interpreter lock: 40 addresses asking without pause took 80 % of the server's capacity from
the map's visitors by being refused. So, in front of the app, for the planner's paths only:

- a client refused with 429 or 503 (its limit, the total budget, a full pool) is *boxed*
  until the Retry-After it was given has passed, and its planner requests are answered
  here, with the same status (others' cached answers still flow);
- a request limit per client (``PLANNER_REQUEST_LIMIT`` a minute, in the shared limits
  storage) bounds how often a client gets into the app at all, whatever it asks.

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
from urllib.parse import parse_qs

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
                 per_minute: int) -> None:
        self.app, self.limits, self.networks, self.per_minute = app, limits, networks, per_minute
        self.box = Box()
        self._replays: dict[tuple, Replay] = {}

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PLANNER_PATHS):
            return self.app(environ, start_response)
        client = client_address(environ.get("REMOTE_ADDR"),
                                environ.get("HTTP_X_FORWARDED_FOR"), self.networks)
        boxed = self.box.get(client)
        if boxed is None:
            wait = self.limits.allow("planner-requests", client, self.per_minute)
            if wait:
                self.box.put(client, wait, 429)
                boxed = (wait, 429)
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

    def refuse(self, environ: dict, start_response: Callable, left: float,
               status: int) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        lang = parse_qs(environ.get("QUERY_STRING", "")).get("lang", ["de"])[0]
        page = path if path in ("/planner", "/planner/map.js") else "page"  # bounded keys
        kind = ("json" if path.startswith(("/api/", "/planner/export/")) else page,
                "en" if lang == "en" else "de", status)
        replay = self._replays.get(kind) or self._made_by_app(environ, kind, status)
        line, headers, body = replay
        start_response(line, [*headers, ("Retry-After", str(max(1, math.ceil(left))))])
        return [body]

    def _made_by_app(self, environ: dict, kind: tuple, status: int) -> Replay:
        probe = {k: v for k, v in environ.items() if k != "HTTP_ACCEPT_ENCODING"}
        probe.pop("HTTP_IF_NONE_MATCH", None)
        probe[REFUSE] = status
        got: list = []

        def capture(line: str, headers: list, exc_info=None):
            got[:] = [line, [(k, v) for k, v in headers if k.lower() != "retry-after"]]
        chunks = self.app(probe, capture)
        try:
            body = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        replay: Replay = (got[0], got[1], body)
        self._replays[kind] = replay
        return replay


REFUSALS = {
    429: "too many planner requests from this client; retry after the time in Retry-After",
    503: "the planner's work is used up for now; retry after the time in Retry-After",
}
