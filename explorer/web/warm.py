"""Answers warmed for a new snapshot before it is swapped in.

Every answer is cached by an ETag that includes the data version, so a publish makes every
cached answer stale at once and the next request for each pays a cold build while the
reload is still competing for the CPU. The store calls :func:`warm` with the new snapshot
before the swap: the most recently asked collections are built (and compressed) for it
within a small time budget, so readers go from old cached answers to new cached ones.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from flask import Flask
from werkzeug.datastructures import MultiDict

from ..query import API_PARAMS, ParamError, PlaceQuery
from .http import LARGE_BODY, compress, etag_for

RECENT = 12
BUDGET_S = 0.4


class RecentQueries:
    """The last distinct collection requests: (path, args, builder, ETag key parts)."""

    def __init__(self, size: int = RECENT):
        self.size = size
        self._items: OrderedDict[tuple, tuple] = OrderedDict()
        self._lock = threading.Lock()

    def note(self, path: str, args: tuple, build, key: tuple) -> None:
        ident = (path, args)
        with self._lock:
            self._items.pop(ident, None)
            self._items[ident] = (path, args, build, key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def latest_first(self) -> list[tuple]:
        with self._lock:
            return list(reversed(self._items.values()))


def warm(app: Flask, snap) -> int:
    """Build the recent answers for ``snap`` into the caches; returns how many."""
    recent: RecentQueries = app.extensions["recent_queries"]
    bodies, zipped = app.extensions["body_cache"], app.extensions["gzip_cache"]
    deadline = time.perf_counter() + BUDGET_S
    done = 0
    for path, args, build, key in recent.latest_first():
        if time.perf_counter() > deadline:
            break
        try:
            query = PlaceQuery.from_args(MultiDict(list(args)), snap,
                                         app.config["DEFAULT_LANG"], allowed=API_PARAMS)
        except ParamError:  # a filter the new data no longer knows
            continue
        etag = etag_for(snap.version, *key, query.canonical())
        body = build(snap, query)
        if len(body) <= LARGE_BODY:
            bodies.put(etag, body)
        zipped.put((path, etag), compress(body))
        done += 1
    return done
