"""Admission control for expensive work: per-client limits and a bounded pool.

Per-client limits use the ``limits`` library (the engine of Flask-Limiter, which limits the
editorial forms with the same storage) with a moving one-minute window in a storage that
several server processes can share (``LIMITER_STORAGE_URI``: ``memory://`` by default,
``redis://host:port`` for several processes): the planner counts work by its estimated
size, not requests, which a route decorator cannot. Its keys expire, so memory stays bounded
however many addresses come. The client is the connecting address, or, when that is a
configured trusted proxy (``TRUSTED_PROXIES``), the nearest untrusted address in
``X-Forwarded-For``: behind a proxy one abuser's 429s then hit that abuser only.

The pool bounds how many analyses and exports are computed at once, whoever asks: at most
``workers`` run (on the pool's own threads), ``queue`` more wait up to ``wait_s`` seconds,
and beyond that the answer is 503 with Retry-After, so many addresses together cannot
starve everyone else.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from flask import current_app, request
from limits import RateLimitItem, RateLimitItemPerMinute, storage, strategies
from werkzeug.exceptions import ServiceUnavailable

from .. import malloc

log = logging.getLogger(__name__)
T = TypeVar("T")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """'10.0.0.1, 192.168.0.0/16' -> networks; ValueError names the bad entry."""
    out = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            try:
                out.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"{part!r} is not an IP address or network") from None
    return tuple(out)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(remote: str | None, forwarded_for: str | None,
                   networks: tuple[Network, ...]) -> str:
    """The connecting address, or behind trusted proxies the first untrusted hop from the
    right of X-Forwarded-For (what a client writes on the left cannot be trusted)."""
    address = remote or "-"
    if not networks or not forwarded_for or not _trusted(address, networks):
        return address
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else address


def request_client() -> str:
    return client_address(request.remote_addr, request.headers.get("X-Forwarded-For"),
                          current_app.extensions["trusted_proxies"])


class ClientLimits:
    """Per-client counts in a shared storage; a storage failure lets requests through (the
    pool still bounds the work) and is logged at most once a minute."""

    def __init__(self, uri: str) -> None:
        self.storage = storage.storage_from_string(uri)
        self.strategy = strategies.MovingWindowRateLimiter(self.storage)
        self._warned = 0.0

    def allow(self, scope: str, key: str, per_minute: int, cost: int = 1) -> float:
        """0 when allowed (and counted); else seconds until a request may pass."""
        if per_minute <= 0:
            return 0.0
        return self.allow_item(scope, key, RateLimitItemPerMinute(per_minute), cost)

    def allow_item(self, scope: str, key: str, item: RateLimitItem, cost: int = 1) -> float:
        """As :meth:`allow`, for any ``limits`` item (per second, per hour, ...)."""
        try:
            if self.strategy.hit(item, scope, key, cost=min(cost, item.amount)):
                return 0.0
            reset, _remaining = self.strategy.get_window_stats(item, scope, key)
        except Exception as exc:  # noqa: BLE001 - an unreachable storage must not fail requests
            if time.monotonic() - self._warned > 60:
                self._warned = time.monotonic()
                log.warning("rate-limit storage unavailable (%s); not limiting", exc)
            return 0.0
        return max(1.0, reset - time.time())


class Busy(ServiceUnavailable):
    """The pool and its queue are full: 503 with Retry-After."""


class Pool:
    """At most ``workers`` jobs at once and ``queue`` waiting; re-entrant per thread, so an
    export that needs an analysis does not wait for itself."""

    def __init__(self, workers: int, queue: int, wait_s: float) -> None:
        self.workers, self.queue, self.wait_s = max(1, workers), max(0, queue), wait_s
        self._cond = threading.Condition()
        self._running = 0
        self._waiting = 0
        self._local = threading.local()
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="planner")

    @contextmanager
    def slot(self) -> Iterator[None]:
        if getattr(self._local, "held", False):
            yield
            return
        with self._cond:
            if self._running >= self.workers:
                if self._waiting >= self.queue:
                    raise self._busy()
                self._waiting += 1
                try:
                    deadline = time.monotonic() + self.wait_s
                    while self._running >= self.workers:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            raise self._busy()
                        self._cond.wait(left)
                finally:
                    self._waiting -= 1
            self._running += 1
        self._local.held = True
        try:
            yield
        finally:
            self._local.held = False
            with self._cond:
                self._running -= 1
                self._cond.notify()

    def run(self, job: Callable[[], T]) -> T:
        """``job`` in a slot, on one of the pool's own threads: the big allocations of
        analyses and serialisations then happen in those threads only, so the allocator
        keeps their freed memory once (per thread it kept it up to 8 times, one arena per
        server thread), and gives it back after each job. Nested calls (an export that
        needs its analysis) run in place."""
        if getattr(self._local, "held", False):
            return job()
        with self.slot():
            def in_worker() -> T:
                self._local.held = True
                try:
                    return job()
                finally:
                    self._local.held = False
                    malloc.trim()
            return self._executor.submit(in_worker).result()

    def _busy(self) -> Busy:
        return Busy(f"the server is busy with {self._running} analyses and exports "
                    f"({self._waiting} waiting); retry shortly",
                    retry_after=max(1, math.ceil(self.wait_s)))

    def stats(self) -> dict:
        with self._cond:
            return {"running": self._running, "waiting": self._waiting,
                    "workers": self.workers, "queue": self.queue}
