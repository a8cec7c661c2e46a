"""``explorer import bochum-opendata``: fetch, build and validate every layer, then write.

Nothing is written until all files were fetched, parsed and validated, so a failed
download of a later file cannot leave layers from two different runs side by side.
Only files under STATE_DIR/layers are written; the curated places are never touched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..layers import LAYER_NAMES, layer_path
from .atomic import atomic_write_group
from .layerbuild import LayerDiff, build_features, diff_features, layer_text, validate
from .naturelayer import nature_features, parse_monuments
from .opendata import SOURCES, SourceError, Undelivered, fetch, parse

# A missing or broken file of an optional layer skips that layer, not the whole import;
# a download that timed out or broke off fails the import whatever the layer.
OPTIONAL_LAYERS = frozenset({"nature"})


@dataclass
class Built:
    layer: str
    source: str  # where the file was read from
    rows: int
    features: list[dict]
    text: str


@dataclass
class ImportReport:
    built: list[Built] = field(default_factory=list)
    diffs: list[LayerDiff] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def build_layer(source: str, layer: str, timeout: float, user_agent: str,
                warnings: list[str]) -> Built:
    if layer == "nature":
        return build_nature_layer(source, timeout, user_agent, warnings)
    text, where = fetch(source, layer, timeout, user_agent)
    file = SOURCES[layer][1]
    rows, row_warnings = parse(text, file)
    features, build_warnings = build_features(rows, file, layer)
    warnings += row_warnings + build_warnings
    return _checked(layer, where, len(rows), features, file, rows)


def build_nature_layer(source: str, timeout: float, user_agent: str,
                       warnings: list[str]) -> Built:
    """Nature-experience areas (playgrounds file) and geological natural monuments."""
    play_text, play_where = fetch(source, "playgrounds", timeout, user_agent)
    play_file = SOURCES["playgrounds"][1]
    rows, row_warnings = parse(play_text, play_file)
    warnings += row_warnings
    rock_text, rock_where = fetch(source, "natural_monuments", timeout, user_agent)
    rock_file = SOURCES["natural_monuments"][1]
    monuments = parse_monuments(rock_text, rock_file)
    features = nature_features(rows, monuments, rock_file, warnings)
    return _checked("nature", f"{play_where} + {rock_where}", len(rows) + len(monuments),
                    features, f"{play_file} + {rock_file}", rows)


def _checked(layer: str, where: str, count: int, features: list[dict], file: str,
             rows: list) -> Built:
    problems = validate(features, file)
    if problems:
        raise SourceError("validation failed: " + "; ".join(problems[:10]))
    retrieved = max((r["abrufdatum"] for r in rows), default="") or None
    return Built(layer, where, count, features, layer_text(features, retrieved or ""))


def current_features(path: Path, warnings: list[str]) -> list[dict]:
    """Features of the layer on disk; an unreadable old file just counts as empty."""
    if not path.exists():
        return []
    try:
        features = json.loads(path.read_bytes())["features"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        warnings.append(f"{path}: current layer unreadable ({exc}); it will be replaced")
        return []
    return features if isinstance(features, list) else []


def run_import(source: str, state_dir: Path, *, dry_run: bool, timeout: float,
               user_agent: str) -> ImportReport:
    """Raises SourceError (nothing written) or returns what changed / would change."""
    report = ImportReport()
    for layer in LAYER_NAMES:
        try:
            report.built.append(build_layer(source, layer, timeout, user_agent,
                                            report.warnings))
        except SourceError as exc:
            if layer not in OPTIONAL_LAYERS or isinstance(exc, Undelivered):
                raise
            report.warnings.append(f"{layer} layer skipped, the previous one is kept: {exc}")
    changed: dict[Path, bytes] = {}
    for built in report.built:
        path = layer_path(state_dir, built.layer)
        old = current_features(path, report.warnings)
        report.diffs.append(diff_features(built.layer, old, built.features))
        data = built.text.encode("utf-8")
        if path.exists() and path.read_bytes() == data:
            continue  # unchanged: keep the file (and its mtime) so the server does not reload
        changed[path] = data
    if dry_run or not changed:
        return report
    try:
        atomic_write_group(changed)  # both layers or neither
    except OSError as exc:
        raise SourceError(f"{state_dir}: cannot write the layers: {exc}") from None
    report.written.extend(changed)
    return report
