"""Validation of the small support files: NRW school holidays and search synonyms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .schema import SLUG, Problem, is_http_url
from .when import Holidays


def load_holidays(raw: Any, file: str) -> tuple[Holidays, list[Problem]]:
    """``{"source": {...}, "holidays": [{"id", "name": {de, en}, "start", "end"}]}``."""
    if not isinstance(raw, dict) or not isinstance(raw.get("holidays"), list):
        return Holidays({}, {}), [Problem(file, "-", "holidays", "must be a list")]
    problems: list[Problem] = []
    spans: dict[str, tuple[dt.date, dt.date]] = {}
    names: dict[str, dict[str, str]] = {}
    for i, entry in enumerate(raw["holidays"]):
        hid = entry.get("id") if isinstance(entry, dict) else None
        record = hid if isinstance(hid, str) else f"#{i}"
        if not isinstance(hid, str) or not SLUG.match(hid):
            problems.append(Problem(file, record, "id", "must be a slug like 'herbstferien-2026'"))
            continue
        if hid in spans:
            problems.append(Problem(file, record, "id", "is used twice"))
        try:
            start = dt.date.fromisoformat(str(entry.get("start")))
            end = dt.date.fromisoformat(str(entry.get("end")))
        except ValueError:
            problems.append(Problem(file, record, "start", "start and end must be ISO dates"))
            continue
        if end < start:
            problems.append(Problem(file, record, "end", f"{end} is before start {start}"))
        name = entry.get("name")
        if not isinstance(name, dict) or not isinstance(name.get("de"), str):
            problems.append(Problem(file, record, "name", "needs a German name 'de'"))
            name = {"de": hid}
        spans[hid], names[hid] = (start, end), name
    source = raw.get("source")
    if not isinstance(source, dict) or not is_http_url(source.get("url")):
        problems.append(Problem(file, "-", "source", "needs {'url': the page the dates are from}"))
    return Holidays(spans, names), problems


def validate_synonyms(raw: Any, file: str, tax: dict) -> list[Problem]:
    """``{"all": [words], "topics": {topic: {"words", "kinds"}}, "groups": {group: {"words"}}}``."""
    if not isinstance(raw, dict):
        return [Problem(file, "-", "-", "must be a JSON object")]
    problems = []
    if not isinstance(raw.get("all", []), list) or not all(
            isinstance(w, str) and w.strip() for w in raw.get("all", [])):
        problems.append(Problem(file, "all", "all", "must be a list of words"))
    groups = raw.get("groups", {})
    if not isinstance(groups, dict):
        problems.append(Problem(file, "groups", "groups", "must be an object"))
        groups = {}
    for group, entry in groups.items():
        words = entry.get("words") if isinstance(entry, dict) else None
        if group not in tax["groups"]:
            problems.append(Problem(file, group, "groups", f"unknown group {group!r}"))
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            problems.append(Problem(file, group, "words", "must be a list of words"))
    topics = raw.get("topics", {})
    if not isinstance(topics, dict):
        return [*problems, Problem(file, "topics", "topics", "must be an object")]
    for topic, entry in topics.items():
        if topic not in tax["topics"]:
            problems.append(Problem(file, topic, "topics", f"unknown topic {topic!r}"))
        if not isinstance(entry, dict):
            problems.append(Problem(file, topic, "topics", "must be {'words': [...]}"))
            continue
        words = entry.get("words", [])
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            problems.append(Problem(file, topic, "words", "must be a list of words"))
        kinds = entry.get("kinds", [])
        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            problems.append(Problem(file, topic, "kinds", "must be a list of kind ids"))
            continue
        for kind in kinds:
            if kind not in tax["kinds"]:
                problems.append(Problem(file, topic, "kinds", f"unknown kind {kind!r}"))
    return problems
