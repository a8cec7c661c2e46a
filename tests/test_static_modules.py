"""The page script is small ES modules: each under 300 lines, imported (no globals between
them), and every module the explorer imports is preloaded by the page (no waterfall)."""

from __future__ import annotations

import re
from pathlib import Path

from explorer.web.pages import PAGE_MODULES

STATIC = Path(__file__).resolve().parent.parent / "explorer" / "static"
IMPORT = re.compile(r'^import (?:[^"]+ from )?"\./([\w.-]+\.js)";', re.M)


def imports_of(name: str, seen: set[str] | None = None) -> set[str]:
    seen = set() if seen is None else seen
    for dep in IMPORT.findall((STATIC / name).read_text(encoding="utf-8")):
        if dep not in seen:
            seen.add(dep)
            imports_of(dep, seen)
    return seen


def test_every_module_is_small_and_a_module():
    scripts = sorted(STATIC.glob("*.js"))
    assert len(scripts) >= 12
    for path in scripts:
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 300, path.name
        assert not text.lstrip().startswith("(function") and not re.search(
            r"^\(function \(\) \{", text, re.M), f"{path.name} is still a classic script"
        assert not re.search(r"window\.mint(?!Explorer|Planner)\w+", text), path.name


def test_the_page_preloads_exactly_what_the_explorer_imports():
    assert imports_of("app.js") == set(PAGE_MODULES)


def test_the_explorer_page_loads_its_script_as_a_module(client):
    html = client.get("/").get_data(as_text=True)
    assert '<script type="module" src="/static/app.js">' in html
    for name in PAGE_MODULES:
        assert f'<link rel="modulepreload" href="/static/{name}">' in html


def test_further_filters_start_folded_unless_a_link_sets_one(client):
    plain = client.get("/").get_data(as_text=True)
    assert 'class="more-panel collapsed"' in plain
    assert '<noscript><link rel="stylesheet" href="/static/noscript.css"></noscript>' in plain
    shared = client.get("/?group=familien").get_data(as_text=True)
    assert 'class="more-panel"' in shared and 'aria-expanded="true"' in shared
    assert '"gazetteer"' not in plain  # the names come from /api/where, not in every page
