"""Inputs of ``explorer geocode``: a CSV of addresses or a places.geojson-style file.

Both are parsed completely before any request is sent, so a broken file fails fast with a
message naming file, row and column, and nothing is written.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .atomic import dump_json
from .geocode import Address, Result

CSV_REQUIRED = ("name", "street", "postcode", "city")
CSV_ADDED = ("lat", "lon", "coordinate_source", "geocoded_at")


class InputError(Exception):
    """The input file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Pending:
    """One record still without a coordinate."""

    index: int
    label: str  # for messages: 'row 4 "Name"' or 'feature "id"'
    address: Address


class RecordFile(Protocol):
    pending: list[Pending]

    def fill(self, item: Pending, result: Result) -> None: ...

    def dump(self) -> bytes: ...


def detect_format(path: Path, text: str) -> str:
    if path.suffix.lower() in {".geojson", ".json"}:
        return "geojson"
    if path.suffix.lower() in {".csv", ".tsv", ".txt"}:
        return "csv"
    return "geojson" if text.lstrip().startswith("{") else "csv"


def read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}: line {line}: not UTF-8 (byte {exc.start})") from None


class CsvRecords:
    """Rows of a CSV with name, street, postcode, city; other columns are kept as they are."""

    def __init__(self, path: Path, text: str):
        self.path = path
        first_line = text.split("\n", 1)[0]
        self.delimiter = max(";,\t", key=first_line.count)
        self.newline = "\r\n" if "\r\n" in text else "\n"
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter,
                            strict=True)
        try:
            rows = list(reader)
        except csv.Error as exc:
            raise InputError(f"{path}: line {reader.line_num}: unreadable CSV: {exc}") from None
        if not rows:
            raise InputError(f"{path}: empty file (expected a header row)")
        self.header = [h.strip() for h in rows[0]]
        missing = [c for c in CSV_REQUIRED if c not in self.header]
        if missing:
            raise InputError(f"{path}: header row: missing column(s) {', '.join(missing)} "
                             f"(found: {', '.join(self.header)})")
        self.columns = self.header + [c for c in CSV_ADDED if c not in self.header]
        self.rows: list[dict[str, str]] = []
        self.pending: list[Pending] = []
        for number, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue  # a blank line, e.g. at the end
            if len(row) != len(self.header):
                raise InputError(f"{path}: row {number}: {len(row)} fields, the header has "
                                 f"{len(self.header)}")
            record = {c: "" for c in self.columns} | dict(zip(self.header, row, strict=True))
            self.rows.append(record)
            self._check(number, record)

    def _check(self, number: int, record: dict[str, str]) -> None:
        where = f'{self.path}: row {number} ("{record["name"]}")'
        lat, lon = record["lat"].strip(), record["lon"].strip()
        if lat or lon:
            for column, value in (("lat", lat), ("lon", lon)):
                try:
                    float(value)
                except ValueError:
                    raise InputError(f"{where}, column {column!r}: {value!r} is not a "
                                     "number (leave lat and lon both empty to geocode)") from None
            return  # already has a coordinate
        for column in ("street", "city"):
            if not record[column].strip():
                raise InputError(f"{where}, column {column!r}: empty; an address is needed")
        address = Address(record["street"].strip(), record["postcode"].strip(),
                          record["city"].strip())
        label = f'row {number} "{record["name"]}"'
        self.pending.append(Pending(len(self.rows) - 1, label, address))

    def fill(self, item: Pending, result: Result) -> None:
        if result.status != "found" or result.lat is None or result.lon is None:
            return
        record = self.rows[item.index]
        record["lat"], record["lon"] = f"{result.lat:.6f}", f"{result.lon:.6f}"
        record["coordinate_source"] = f"{result.url} ({result.source_text()})"
        record["geocoded_at"] = result.obtained

    def dump(self) -> bytes:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=self.columns, delimiter=self.delimiter,
                                lineterminator=self.newline)
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue().encode("utf-8")


class PlacesRecords:
    """A places.geojson-style FeatureCollection; features with ``geometry: null`` are filled."""

    def __init__(self, path: Path, text: str):
        self.path = path
        try:
            self.data: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: "
                             f"{exc.msg}") from None
        if not isinstance(self.data, dict) or self.data.get("type") != "FeatureCollection" \
                or not isinstance(self.data.get("features"), list):
            raise InputError(f"{path}: not a GeoJSON FeatureCollection with a features list")
        self.pending = []
        for i, feature in enumerate(self.data["features"]):
            if not isinstance(feature, dict) or feature.get("geometry") is not None:
                continue
            fid = feature.get("id", f"#{i}")
            props = feature.get("properties")
            address = props.get("address") if isinstance(props, dict) else None
            if not isinstance(address, dict):
                raise InputError(f'{path}: feature "{fid}", field "properties.address": '
                                 "missing; an address is needed to geocode")
            for key in ("street", "city"):
                if not isinstance(address.get(key), str) or not address[key].strip():
                    raise InputError(f'{path}: feature "{fid}", field "address.{key}": '
                                     "empty or not a text")
            self.pending.append(Pending(i, f'feature "{fid}"', Address(
                address["street"].strip(), str(address.get("postcode") or "").strip(),
                address["city"].strip())))

    def fill(self, item: Pending, result: Result) -> None:
        if result.status != "found" or result.lat is None or result.lon is None:
            return
        feature = self.data["features"][item.index]
        feature["geometry"] = {"type": "Point",
                               "coordinates": [round(result.lon, 6), round(result.lat, 6)]}
        feature["properties"]["coordinate_source"] = {
            "text": result.source_text(), "url": result.url, "obtained": result.obtained[:10]}

    def dump(self) -> bytes:
        return dump_json(self.data).encode("utf-8")


def open_records(path: Path, fmt: str | None) -> RecordFile:
    text = read_text(path)
    fmt = fmt or detect_format(path, text)
    return CsvRecords(path, text) if fmt == "csv" else PlacesRecords(path, text)
