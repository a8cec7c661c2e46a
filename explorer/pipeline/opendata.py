"""Fetch and parse the City of Bochum's education POI files (see shared/opendata/README).

Parsing is deliberately forgiving row by row (the files have real-world quirks: empty
fields, a stray doubled quote, multi-line descriptions) but strict per file: a missing
column, or too many broken rows, fails the whole import so no half-truth reaches a layer.
"""

from __future__ import annotations

import csv
import io
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from .geocode import Unreachable
from .geocode import fetch as fetch_url

# file key -> (upstream folder below data/EDUC, file name)
SOURCES: dict[str, tuple[str, str]] = {
    "schools": ("schools", "bochum_schools.csv"),
    "daycare": ("daycare_centers", "bochum_daycare_centers.csv"),
    "playgrounds": ("playgrounds", "bochum_playgrounds.csv"),
    "natural_monuments": ("../ENVI/natural_monuments", "bochum_natural_monuments.csv"),
}
REQUIRED_COLUMNS = ("poi_id", "name", "str_hausnr", "plz_ort", "kategorie", "kateg_pfad",
                    "erstkateg", "rechts_utm", "hoch_utm")
MIN_USABLE_SHARE = 0.9  # below this share of good rows the file format probably changed
MAX_FILE = 64 * 1024 * 1024  # the files are a few hundred KB; far more is not one of them


class SourceError(Exception):
    """A whole source file is unusable: download failed, file missing or unparseable."""


class Undelivered(SourceError):
    """The upstream did not deliver the file (timeout, network error): a reason to fail
    the import, never to skip a layer as if its file were missing."""


@dataclass(frozen=True)
class Row:
    line: int  # physical line where the record starts (header = line 1)
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "").strip()


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def fetch(source: str, layer: str, timeout: float, user_agent: str) -> tuple[str, str]:
    """(text, where it came from) of one layer's file from a base URL or a local folder.

    A local folder may hold the files flat (as in shared/opendata/bochum) or in the
    upstream sub-folders (schools/, daycare_centers/). A download is over within
    ``timeout`` seconds in total (the geocoder's :func:`~.geocode.fetch`), not per read.
    """
    folder, name = SOURCES[layer]
    if is_url(source):
        url = _join(source, folder, name)
        return _decode(_download(url, timeout, user_agent), url), url
    base = Path(source)
    candidates = [base / folder / name, base / name]
    for path in candidates:
        if path.is_file():
            try:
                return _decode(path.read_bytes(), str(path)), str(path)
            except OSError as exc:
                raise SourceError(f"{path}: cannot read: {exc}") from None
    raise SourceError(f"{name} not found (looked for {' and '.join(map(str, candidates))})")


def _download(url: str, timeout: float, user_agent: str) -> bytes:
    with requests.Session() as session:
        session.headers["User-Agent"] = user_agent
        try:
            answer = fetch_url(session, url, {}, timeout, max_bytes=MAX_FILE)
        except Unreachable as exc:
            raise Undelivered(f"{url}: download failed: {exc}") from None
    if answer.status != 200:
        raise SourceError(f"{url}: download failed: HTTP {answer.status}")
    return answer.body


def _join(base: str, folder: str, name: str) -> str:
    """base URL + folder + file, with '..' resolved (servers need not resolve it)."""
    parts = urlsplit(base.rstrip("/") + "/")
    path = posixpath.normpath(posixpath.join(parts.path, folder, name))
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{where}: not UTF-8 text (byte {exc.start})") from None


def _reader(lines: list[str]) -> Iterator[list[str]]:
    return csv.reader(lines, delimiter=";", quotechar='"', strict=False)


def parse(text: str, file: str) -> tuple[list[Row], list[str]]:
    """Rows as dicts plus warnings ('file line N: ...') for every repaired or skipped row."""
    lines = io.StringIO(text, newline="").readlines()
    reader = _reader(lines)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise SourceError(f"{file}: empty file") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise SourceError(f"{file}: header lacks column(s) {', '.join(missing)} "
                          f"(found: {', '.join(header)})")
    needed = max(header.index(c) for c in REQUIRED_COLUMNS) + 1
    rows: list[Row] = []
    warnings: list[str] = []
    records = 0
    start = reader.line_num + 1
    try:
        for cells in reader:
            end = reader.line_num
            if any(c.strip() for c in cells):
                records += 1
                fixed = _fit(cells, len(header), needed, lines[start - 1:end], start, file,
                             warnings)
                for line, good in fixed:
                    row = Row(line, dict(zip(header, good, strict=True)))
                    problem = _row_problem(row)
                    if problem:
                        warnings.append(f"{file} line {line}: {problem}; row skipped")
                    else:
                        rows.append(row)
            start = end + 1
    except csv.Error as exc:
        raise SourceError(f"{file} line {reader.line_num}: unreadable CSV: {exc}") from None
    if not rows:
        raise SourceError(f"{file}: no usable rows")
    if len(rows) < MIN_USABLE_SHARE * records:
        raise SourceError(f"{file}: only {len(rows)} of {records} rows usable; the format "
                          "may have changed (see the warnings above)")
    return rows, warnings


def _fit(cells: list[str], width: int, needed: int, physical: list[str], start: int,
         file: str, warnings: list[str]) -> list[tuple[int, list[str]]]:
    """Rows of exactly ``width`` cells made from one record, repaired where that is safe."""
    if len(cells) == width:
        return [(start, cells)]
    where = f"{file} line {start}"
    if len(cells) > width and not any(c.strip() for c in cells[width:]):
        warnings.append(f"{where}: {len(cells)} fields, header has {width}; extra empty "
                        "field(s) dropped")
        return [(start, cells[:width])]
    if needed <= len(cells) < width:
        warnings.append(f"{where}: {len(cells)} fields, header has {width}; missing "
                        "trailing field(s) left empty")
        return [(start, cells + [""] * (width - len(cells)))]
    if len(physical) > 1:
        # A stray quote made the parser swallow line breaks: read each line on its own.
        recovered = []
        for offset, line in enumerate(physical):
            parsed = next(_reader([line]), [])
            if len(parsed) == width:
                recovered.append((start + offset, parsed))
                warnings.append(f"{file} line {start + offset}: re-read on its own after "
                                "a stray quote")
            elif any(c.strip() for c in parsed):
                warnings.append(f"{file} line {start + offset}: {len(parsed)} fields, "
                                f"header has {width}; row skipped")
        return recovered
    warnings.append(f"{where}: {len(cells)} fields, header has {width}; row skipped")
    return []


def _row_problem(row: Row) -> str:
    if not row["poi_id"]:
        return "empty poi_id"
    if not row["name"]:
        return f"poi_id {row['poi_id']}: empty name"
    for column in ("rechts_utm", "hoch_utm"):
        try:
            float(row[column].replace(",", "."))
        except ValueError:
            return f"poi_id {row['poi_id']}: {column} {row[column]!r} is not a number"
    return ""
