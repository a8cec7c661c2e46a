"""The pure helpers of scripts/bench_ogc.py: next links, the README section, the floor file
and the estimate for a client cut off at its budget (no servers, no timing)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bench_ogc.py"


@pytest.fixture(scope="module")
def bo():
    spec = importlib.util.spec_from_file_location("bench_ogc", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_ogc", module)
    spec.loader.exec_module(module)
    return module


def test_next_href_prefers_the_json_link_and_ends_without_one(bo):
    links = [{"rel": "self", "href": "s", "type": "application/geo+json"},
             {"rel": "next", "href": "h", "type": "text/html"},
             {"rel": "next", "href": "j", "type": "application/geo+json"}]
    assert bo.next_href({"links": links}) == "j"
    assert bo.next_href({"links": links[:2]}) == "h"  # only an HTML next: still followed
    assert bo.next_href({"links": links[:1]}) is None
    assert bo.next_href({}) is None


def test_replace_section_only_between_the_markers(bo):
    text = f"intro\n{bo.START}\nold\n{bo.END}\nrest {bo.START}"
    assert bo.replace_section(text, "new") == f"intro\n{bo.START}\nnew\n{bo.END}\nrest {bo.START}"
    assert bo.replace_section("no markers here", "new") is None
    assert bo.replace_section(f"{bo.START} only", "new") is None


def test_write_floor_streams_every_page_in_order(bo, tmp_path: Path):
    pages = tmp_path / "pages"
    pages.mkdir()
    for n, ids in enumerate((["a", "b"], ["c"]), start=1):
        features = [{"type": "Feature", "id": i, "geometry": {"type": "Point", "coordinates":
                     [7.2, 51.5]}, "properties": {"id": i, "name": "Ä"}} for i in ids]
        (pages / f"page-{n:06d}.json").write_text(json.dumps({"features": features}))
    target = tmp_path / "floor.geojson"
    assert bo.write_floor(pages, target) == 3
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert [f["id"] for f in doc["features"]] == ["a", "b", "c"]
    assert doc["features"][0]["properties"]["name"] == "Ä"


def test_estimate_scales_the_part_done_to_all_pages(bo):
    stopped = {"stopped_at_budget": True, "pages": 25, "seconds": 100.0}
    assert bo.estimate(stopped, 99_972, 120) == 400.0  # 100 pages of 1000
    killed = {"timed_out": True, "item_fetches": 10}
    assert bo.estimate(killed, 99_972, 120) == 1200.0
    assert bo.estimate({"pages": 100, "seconds": 3.0}, 99_972, 120) is None  # complete
    assert bo.estimate({"timed_out": True, "item_fetches": 0}, 99_972, 120) is None
