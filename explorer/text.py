"""Text folding for search: case- and umlaut-insensitive matching.

Both the indexed text and the query go through :func:`fold`, so "Schülerlabor",
"SCHUELERLABOR" and "schulerlabor" all meet in the same form.
"""

from __future__ import annotations

import re
import unicodedata

_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("ue", "u"))
_SPACE = re.compile(r"\s+")
# Combining marks (accents after NFKD); a regex runs in C, a per-character loop does not.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold().replace("ß", "ss"))
    if not text.isascii():
        text = _COMBINING.sub("", text)
    for digraph, vowel in _DIGRAPHS:
        text = text.replace(digraph, vowel)
    return _SPACE.sub(" ", text).strip()


def slugify(text: str, limit: int = 60) -> str:
    """An id-like slug of a title: 'Sterne für Kinder' -> 'sterne-fuer-kinder'."""
    text = text.lower()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, spelled)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:limit].strip("-") or "vorschlag"
