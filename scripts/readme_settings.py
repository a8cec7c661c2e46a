"""Rewrite the settings table in README.md from explorer.config.SETTINGS.

Run after adding a setting; tests/test_factory.py fails while one is undocumented.
"""

from __future__ import annotations

import re
from pathlib import Path

from explorer.config import REPO_ROOT, SETTINGS

START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def table() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = str(s.default).replace(str(REPO_ROOT) + "/", "") if s.default != "" else "(empty)"
        rows.append(f"| `EXPLORER_{s.name}` | `{default}` | {s.help} |")
    return "\n".join(rows)


def main() -> None:
    readme = Path(REPO_ROOT / "README.md")
    text = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    readme.write_text(pattern.sub(f"{START}\n{table()}\n{END}", text), encoding="utf-8")


if __name__ == "__main__":
    main()
