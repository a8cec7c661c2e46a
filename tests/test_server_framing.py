"""The production server refuses ambiguous framing (Content-Length with Transfer-Encoding),
answers gzip only where the client accepts it (q=0 refuses), and serves plain requests as
before: a real waitress server on 127.0.0.1, raw bytes over a socket."""

from __future__ import annotations

import socket
import threading

import pytest

from explorer.server import make_server


def echo(environ, start_response):
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"got " + body]


@pytest.fixture
def waitress_url():
    server = make_server(echo, "127.0.0.1", 0, threads=2)
    port = server.socket.getsockname()[1]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield port
    server.close()


def exchange(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(raw)
        chunks = []
        for _ in range(50):  # bounded
            try:
                data = s.recv(65536)
            except TimeoutError:
                break
            if not data:
                break
            chunks.append(data)  # until the server closes (every request here ends so)
        return b"".join(chunks)


def test_content_length_with_transfer_encoding_is_refused(waitress_url):
    raw = (b"POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
    answer = exchange(waitress_url, raw)
    status_line = answer.split(b"\r\n", 1)[0]
    assert status_line.endswith(b" 400 Bad Request"), answer[:200]
    assert b"ambiguous" in answer


def test_either_framing_alone_still_works(waitress_url):
    chunked = (b"POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
               b"Connection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
    assert exchange(waitress_url, chunked).startswith(b"HTTP/1.1 200")
    sized = (b"POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n"
             b"Connection: close\r\n\r\nabc")
    assert exchange(waitress_url, sized).startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize("accept, gzipped", [
    ("gzip", True), ("gzip;q=0", False), ("gzip;q=0.5, identity", True),
    ("*;q=0, identity", False), ("identity", False), ("deflate, gzip;q=0.0", False)])
def test_gzip_only_where_the_client_accepts_it(client, accept, gzipped):
    response = client.get("/api/places", headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert (response.headers.get("Content-Encoding") == "gzip") is gzipped
