"""Strict JSON text: what the loader accepts before any record is checked.

Python's :func:`json.loads` takes more than the data format allows: ``NaN`` and
``Infinity``, numbers that overflow to infinity, a lone surrogate written as the escape
``"\\ud800"`` (a ``str`` that cannot be encoded, so serving it fails much later) and
nesting so deep that parsing or serialising it raises ``RecursionError``. Each of these is a
:class:`~explorer.schema.Problem` here (kind decode or structure), naming the file, the
record and the field where they can be known and the line and column where not.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .schema import DECODE, STRUCTURE, DataLoadError, Problem

MAX_DEPTH = 64  # arrays and objects inside each other; the real data needs about 10

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST = re.compile(r"\[\]|\{\}")
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]|(-?Infinity|NaN)', re.DOTALL)
# Only these can produce a lone surrogate or an infinite number; the walk runs only then.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_HUGE_NUMBER = re.compile(r"\d[eE]\+?\d{3}|\d{300}")
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Constant(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _Constant(name)


def position(text: str, offset: int) -> str:
    line_start = text.rfind("\n", 0, offset) + 1
    return f"line {text.count(chr(10), 0, offset) + 1} column {offset - line_start + 1}"


def _too_deep(text: str, bare: str, limit: int) -> int | None:
    """The offset where nesting first goes beyond ``limit``, else None. Fast path: from
    ``bare`` (the text without its strings) keep the brackets, peel innermost pairs
    ``limit`` times."""
    brackets = _NOT_BRACKET.sub("", bare)
    for _ in range(limit):
        brackets, peeled = _INNERMOST.subn("", brackets)
        if not brackets or not peeled:
            return None  # shallow enough, or unbalanced (the parser will say where)
    depth = 0
    for match in _TOKEN.finditer(text):  # rare: find where, for the message
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > limit:
                return match.start()
        elif char in "]}":
            depth -= 1
    return None


def parse_json(text: str, file: str, record: str | None = None) -> Any:
    """``text`` as JSON, or DataLoadError. ``record``: the text is that one record (a
    database row); otherwise records are found in the document (GeoJSON features, list
    entries)."""
    bare = text  # without strings where that matters: a hash "9d0e074" is not a number
    if text.count("[") + text.count("{") > MAX_DEPTH:
        bare = _STRING.sub("", text)
        offset = _too_deep(text, bare, MAX_DEPTH)
    else:
        offset = None
    if offset is not None:
        raise DataLoadError([Problem(file, record or "-", "-",
                                     f"nested deeper than {MAX_DEPTH} levels of arrays and "
                                     f"objects at {position(text, offset)}", STRUCTURE)])
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise DataLoadError([Problem(file, record or "-", "-",
                                     f"invalid JSON at line {exc.lineno} column {exc.colno}: "
                                     f"{exc.msg}", DECODE)]) from None
    except _Constant as exc:
        at = next((m.start() for m in _TOKEN.finditer(text) if m.group(1)), 0)
        raise DataLoadError([Problem(file, record or "-", "-",
                                     f"{exc} at {position(text, at)} is not JSON; write a "
                                     f"number or null", DECODE)]) from None
    except RecursionError:  # a shape the scan let through; never a traceback
        raise DataLoadError([Problem(file, record or "-", "-", "nested too deeply to parse",
                                     STRUCTURE)]) from None
    if _SURROGATE_ESCAPE.search(text) or _HUGE_NUMBER.search(bare):
        problems = [Problem(file, *_where(doc, path, record), message, DECODE)
                    for path, message in _unservable(doc)]
        if problems:
            raise DataLoadError(problems)
    return doc


def _unservable(doc: Any) -> list[tuple[list, str]]:
    """(path, message) of every lone surrogate (in texts and keys) and infinite number."""
    found: list[tuple[list, str]] = []
    stack: list[tuple[Any, list]] = [(doc, [])]
    while stack:  # iterative: the depth is bounded, but no recursion is needed at all
        node, path = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                found.append((path, f"text {node[:60]!r} contains a lone "
                                    "surrogate (an unpaired \\ud800-\\udfff escape), which "
                                    "is not Unicode"))
        elif isinstance(node, float):
            if not math.isfinite(node):
                found.append((path, "number is too large (it would be infinite)"))
        elif isinstance(node, dict):
            for key, value in reversed(node.items()):
                if _SURROGATE.search(key):
                    found.append(([*path, key], "key contains a lone surrogate (an unpaired "
                                                "\\ud800-\\udfff escape), which is not Unicode"))
                stack.append((value, [*path, key]))
        elif isinstance(node, list):
            stack.extend((value, [*path, i]) for i, value in reversed(list(enumerate(node))))
    return found


def _name(entry: Any, index: int, fallback: str = "#{}") -> str:
    """How the validators name a list entry: its id (or name), else its position."""
    for key in ("id", "name"):
        value = entry.get(key) if isinstance(entry, dict) else None
        if isinstance(value, str) and value:
            return value
    return fallback.format(index)


def _where(doc: Any, path: list, record: str | None) -> tuple[str, str]:
    """(record, field) of ``path`` as the validators name them, e.g. ``('thga',
    'offers[thga-camp].title.de')`` for features[3].properties.offers[0].title.de. A lone
    surrogate stays in them; Problem prints them with repr, which escapes it."""
    nodes = [doc]  # nodes[i]: where path[:i] leads
    for step in path:
        nodes.append(nodes[-1][step])
    start = 0
    if record is None:  # the record is the first object in a list on the path
        first = next((i for i, step in enumerate(path)
                      if isinstance(step, int) and isinstance(nodes[i + 1], dict)), None)
        if first is None:  # no such list (taxonomy, synonyms): the top-level key
            record = "-" if not path else f"#{path[0]}" if isinstance(path[0], int) else path[0]
        else:
            record, start = _name(nodes[first + 1], path[first]), first + 1
    node, rest = nodes[start], path[start:]
    if rest[:1] == ["properties"]:  # place fields are named without it
        node, rest = node["properties"], rest[1:]
    field = ""
    for step in rest:
        if isinstance(step, int):
            field += f"[{_name(node[step], step, '{}')}]"
        else:
            field += f".{step}" if field else step
        node = node[step]
    return record, field or "-"
