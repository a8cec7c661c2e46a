"""Planner answers kept gzip-compressed: the 100 m grid is 7 MB of JSON, 14 MB as a Python
str, 1 MB packed. Sent as they are to clients that take gzip, unpacked piece by piece for
the others, so neither the cache nor a client without gzip holds the whole body."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask import Response

from .http import accepts_gzip, cached_response, compress


@dataclass(frozen=True)
class Packed:
    """A serialised answer, gzip-compressed."""

    gz: bytes
    size: int  # bytes unpacked

    @classmethod
    def of(cls, text: str | Iterable[str]) -> Packed:
        """Packed from a text, or from its pieces, compressed as they come: the whole text
        is never held (at 100 m, /api/coverage took 34 MiB to make and 21 more to pack;
        from its pieces, 7 MiB)."""
        if isinstance(text, str):
            raw = text.encode("utf-8")
            return cls(compress(raw), len(raw))
        deflate = zlib.compressobj(1, zlib.DEFLATED, 31)  # gzip; level 1 as for large bodies
        packed, size = [], 0
        for piece in text:
            raw = piece.encode("utf-8")
            size += len(raw)
            packed.append(deflate.compress(raw))
        packed.append(deflate.flush())
        return cls(b"".join(packed), size)

    def chunks(self, step: int = 256 * 1024) -> Iterator[bytes]:
        """Unpacked piece by piece: a client without gzip never costs the whole body."""
        inflate = zlib.decompressobj(wbits=31)
        for start in range(0, len(self.gz), step // 8):
            piece = inflate.decompress(self.gz[start:start + step // 8])
            if piece:
                yield piece
        yield inflate.flush()


@dataclass(frozen=True)
class MapParts:
    html: str
    map_var: str
    script: Packed


def weight(value: object) -> int:
    if isinstance(value, Packed):
        return len(value.gz)
    return len(value.script.gz) + len(value.html) if isinstance(value, MapParts) else 1024


def packed_response(packed: Packed | None, tag: str, mimetype: str,
                    max_age: int | None = None) -> Response:
    """The packed body as gzip where the client takes it (the tag then ends in -gz, as the
    app's other gzip answers do), else unpacked; None answers 304 (``not_modified``)."""
    if packed is None:
        return cached_response("", tag, mimetype, max_age)
    if not accepts_gzip():
        response = cached_response(b"", tag, mimetype, max_age)
        if response.status_code == 200:
            response.response = packed.chunks()
            response.headers["Content-Length"] = str(packed.size)
        response.vary.add("Accept-Encoding")
        return response
    response = cached_response(packed.gz, tag + "-gz", mimetype, max_age)
    if response.status_code == 200:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def download(packed: Packed | None, tag: str, mimetype: str, filename: str) -> Response:
    response = packed_response(packed, tag, mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
