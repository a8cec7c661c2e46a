"""The production server: waitress, with request framing that cannot be read two ways.

A request with both Content-Length and Transfer-Encoding can mean two different bodies to
a proxy and to this server (request smuggling); RFC 9112 section 6.3 lets a server refuse
it, and waitress accepts it (the chunked framing wins). Here its parser refuses such a
request with 400 before the application sees it.
"""

from __future__ import annotations

from typing import Any

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.server import create_server

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


def make_server(app: Any, host: str, port: int, threads: int) -> Any:
    """A waitress server (not started) with the strict parser and the project's limits."""
    server = create_server(app, host=host, port=port, threads=threads, **SETTINGS)
    server.channel_class = StrictChannel
    return server


def serve(app: Any, host: str, port: int, threads: int) -> None:
    make_server(app, host, port, threads).run()
