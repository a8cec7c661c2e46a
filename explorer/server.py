"""The production server: waitress, with strict framing and refusals that skip the workers.

A request with both Content-Length and Transfer-Encoding can mean two different bodies to
a proxy and to this server (request smuggling); RFC 9112 section 6.3 lets a server refuse
it, and waitress accepts it (the chunked framing wins). Here its parser refuses such a
request with 400 before the application sees it.

A client the planner's gate has boxed (see :mod:`explorer.web.gate`) is answered from
waitress's main loop, without a worker thread: its request never waits in the workers'
queue in front of other visitors' requests, and the answer is *held* for up to
``PLANNER_HOLD_S`` (its Retry-After shortened by as much). A client that ignores
Retry-After and asks again at once is so slowed to one request per hold, instead of taking
the server's capacity by being refused as fast as it can ask. At most ``max_held`` answers
are held at once (each holds a connection); beyond that they are sent at once.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from email.utils import formatdate
from typing import Any, Protocol

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.server import create_server
from waitress.task import ThreadedTaskDispatcher

log = logging.getLogger(__name__)
SETTINGS = {"channel_timeout": 30, "max_request_body_size": 64 * 1024,
            "connection_limit": 200, "ident": "mint-explorer"}


class StrictParser(HTTPRequestParser):
    def parse_header(self, header_plus: bytes) -> None:
        names = {line.split(b":", 1)[0].strip().lower()
                 for line in header_plus.splitlines()[1:] if b":" in line}
        if b"content-length" in names and b"transfer-encoding" in names:
            raise ParsingError("Content-Length and Transfer-Encoding together are ambiguous")
        super().parse_header(header_plus)


class StrictChannel(HTTPChannel):
    parser_class = StrictParser

    def answer_held(self, data: bytes) -> None:
        """Send ``data`` for the request the main loop did not dispatch, then close.

        Called from the releaser thread, like a worker's write: the bytes and the close
        flag go in under the buffer lock while the request is still listed (so the main
        loop neither flushes half of it nor closes early), then the request goes."""
        with self.outbuf_lock:
            if not self.connected:
                return
            self.outbufs[-1].append(data)
            self.current_outbuf_count += len(data)
            self.total_outbufs_len += len(data)
            self.close_when_flushed = True
        with self.requests_lock:
            done = self.requests.pop(0) if self.requests else None
        if done is not None:
            done.close()
        try:
            self.server.pull_trigger()
        except OSError:  # the server is closing
            self.will_close = True


class Releaser:
    """One thread that sends held answers when they are due; bounded."""

    def __init__(self, max_held: int) -> None:
        self.max_held = max_held
        self._due: list[tuple[float, int, StrictChannel, bytes]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._stopped = False
        threading.Thread(target=self._run, name="held-answers", daemon=True).start()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()

    def hold(self, channel: StrictChannel, seconds: float, data: bytes) -> None:
        with self._cond:
            if len(self._due) >= self.max_held:
                seconds = 0.0
            heapq.heappush(self._due, (time.monotonic() + seconds, next(self._order),
                                       channel, data))
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and (not self._due
                                             or self._due[0][0] > time.monotonic()):
                    self._cond.wait(self._due[0][0] - time.monotonic() if self._due else None)
                if self._stopped:
                    return
                _, _, channel, data = heapq.heappop(self._due)
            try:
                channel.answer_held(data)
            except Exception:  # noqa: BLE001 - one broken connection must not stop the rest
                log.exception("a held answer could not be sent")


def http_bytes(request: HTTPRequestParser, line: str, headers: list[tuple[str, str]],
               body: bytes, ident: str) -> bytes:
    """A whole HTTP/1.x answer that closes the connection (HEAD: without the body)."""
    skip = {"content-length", "connection", "date", "server"}
    head = [f"HTTP/{request.version} {line}",
            *(f"{k}: {v}" for k, v in headers if k.lower() not in skip),
            f"Content-Length: {len(body)}", "Connection: close",
            f"Date: {formatdate(usegmt=True)}", f"Server: {ident}"]
    text = "\r\n".join(head) + "\r\n\r\n"
    return text.encode("latin-1") + (b"" if request.command == "HEAD" else body)


class Front(Protocol):
    """What the main loop asks about each request (the planner's gate answers)."""

    def early_refusal(self, remote: str, request: Any) -> tuple[str, list, bytes, float] | None:
        """(status line, headers, body, seconds to hold) to answer without a worker."""

    def own_lane(self, request: Any) -> bool:
        """True for requests served by the lane's own worker threads."""


def make_server(app: Any, host: str, port: int, threads: int, front: Front | None = None,
                lane_threads: int = 3, max_held: int = 100) -> Any:
    """A waitress server (not started) with the strict parser and the project's limits.

    With ``front``: requests it refuses are answered from the main loop (see above), and
    those of its lane (the planner) wait for ``lane_threads`` workers of their own, so a
    queue of planner requests is never in front of the map's requests."""
    server = create_server(app, host=host, port=port, threads=threads, **SETTINGS)
    server.channel_class = StrictChannel
    if front is None:
        return server
    releaser = Releaser(max_held)
    lane = ThreadedTaskDispatcher()
    lane.set_thread_count(lane_threads)
    dispatch = server.add_task

    def add_task(channel: StrictChannel) -> None:
        # main loop, requests_lock held, channel.requests == [the new request]
        request = channel.requests[0]
        refusal = front.early_refusal(channel.addr[0] if channel.addr else "", request)
        if refusal is not None:
            line, headers, body, hold = refusal
            releaser.hold(channel, hold, http_bytes(request, line, headers, body,
                                                    SETTINGS["ident"]))
        elif front.own_lane(request):
            lane.add_task(channel)
        else:
            dispatch(channel)
    close = server.close

    def close_all() -> None:
        releaser.stop()
        lane.shutdown()
        close()
    server.add_task, server.close = add_task, close_all
    return server


def serve(app: Any, host: str, port: int, threads: int, front: Front | None = None,
          lane_threads: int = 3) -> None:
    make_server(app, host, port, threads, front, lane_threads).run()
