"""Per-client rate limiting for expensive endpoints (e.g. the coverage analysis).

A sliding one-minute window per client address, in memory: enough for one process;
behind several processes put the limit in the reverse proxy instead.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

from flask import current_app, request

from .http import json_error

WINDOW_SECONDS = 60.0


class SlidingWindow:
    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str, limit: int, now: float | None = None) -> float:
        """0 when allowed (and counted); else seconds until the next request may pass."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - WINDOW_SECONDS:
                hits.popleft()
            if len(hits) >= limit:
                return hits[0] + WINDOW_SECONDS - now
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle clients; bounded memory
                for idle in [k for k, v in self._hits.items() if not v]:
                    del self._hits[idle]
            return 0.0


def limited(setting: str) -> Callable:
    """Decorate a view: more than app.config[setting] calls per minute and client -> 429."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            limit = current_app.config[setting]
            if limit > 0:
                window = current_app.extensions.setdefault(f"ratelimit:{setting}",
                                                           SlidingWindow())
                wait = window.allow(request.remote_addr or "-", limit)
                if wait:
                    response = json_error(429, f"too many requests: at most {limit} per "
                                               f"minute; retry in {wait:.0f} s")
                    response.headers["Retry-After"] = str(max(1, round(wait)))
                    return response
            return view(*args, **kwargs)

        return wrapper

    return decorate
