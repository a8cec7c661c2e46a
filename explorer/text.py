"""Text folding for search: case- and umlaut-insensitive matching.

Both the indexed text and the query go through :func:`fold`, so "Schülerlabor",
"SCHUELERLABOR" and "schulerlabor" all meet in the same form.
"""

from __future__ import annotations

import re
import unicodedata

_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("ue", "u"))
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold().replace("ß", "ss"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    for digraph, vowel in _DIGRAPHS:
        text = text.replace(digraph, vowel)
    return _SPACE.sub(" ", text).strip()
