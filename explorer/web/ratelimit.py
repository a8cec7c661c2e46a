"""Per-client rate limiting for expensive work (the planner's coverage analyses).

A sliding one-minute window per client address, in memory: enough for one process;
behind several processes put the limit in the reverse proxy instead.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

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
