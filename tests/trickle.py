"""Upstreams that send one byte at a time, for the whole-request deadline tests of
``explorer geocode`` and ``explorer import`` (a timeout per read never ends them)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

from werkzeug import Response

STEP = 0.5  # seconds between two bytes
BYTES = 40  # so one answer takes 20 s, ten times the tests' 2 s deadline
LASTS = STEP * BYTES


def trickling_body(data: bytes, content_type: str) -> Response:
    """A werkzeug answer whose headers come at once and whose body (the first BYTES bytes
    of ``data``) comes one byte every STEP seconds."""
    def body() -> Iterator[bytes]:
        for byte in data[:BYTES]:
            yield bytes([byte])
            time.sleep(STEP)
    return Response(body(), content_type=content_type)


class TricklingHeaders:
    """A raw HTTP server on 127.0.0.1 that sends a status line and then its headers one
    byte every STEP seconds (werkzeug always sends headers at once); records each request.
    Use it as a context manager; ``url_for`` as pytest-httpserver's."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(STEP)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.requests: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def url_for(self, path: str) -> str:
        return self.url + path

    def __enter__(self) -> TricklingHeaders:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.listener.close()

    def _serve(self) -> None:
        for _ in range(int(120 / STEP)):  # two minutes at most
            if self.stop.is_set():
                return
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(5)
            try:
                self.requests.append(connection.recv(65536))
                connection.sendall(b"HTTP/1.1 200 OK\r\n")
                for byte in b"X-Slow: " + b"a" * BYTES:
                    if self.stop.is_set():
                        return
                    connection.sendall(bytes([byte]))
                    time.sleep(STEP)
            except OSError:  # the client gave up
                return
