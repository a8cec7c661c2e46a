"""Embed options and the iframe snippet partner sites paste (no Flask here).

One implementation serves the builder page, its live preview and the oEmbed endpoint,
so the snippet a CMS gets is the snippet a person copies.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from .query import PLACE_PARAMS, MultiArgs, ParamError, parse_float, parse_near

THEMES = ("default", "mono", "contrast")
DISPLAY_PARAMS = frozenset({"filters", "list", "zoom", "center", "theme"})
EMBED_PARAMS = PLACE_PARAMS | DISPLAY_PARAMS
SIZE_LIMITS = (200, 4000)


@dataclass(frozen=True)
class EmbedOptions:
    show_filters: bool = True
    show_list: bool = True
    zoom: int | None = None
    center: tuple[float, float] | None = None
    theme: str = "default"

    @classmethod
    def from_args(cls, args) -> EmbedOptions:
        args = MultiArgs(args)

        def flag(name: str) -> bool:
            value = args.get(name, "1")
            if value not in ("0", "1"):
                raise ParamError(name, f"{value!r} must be 0 (hide) or 1 (show)")
            return value == "1"

        zoom = None
        if args.get("zoom"):
            zoom = int(parse_float("zoom", args["zoom"], 9, 19))
            if str(zoom) != args["zoom"]:
                raise ParamError("zoom", "must be a whole number 9-19")
        center = None
        if args.get("center"):
            try:
                center = parse_near(args["center"])
            except ParamError as exc:
                raise ParamError("center", exc.message) from None
        theme = args.get("theme") or "default"
        if theme not in THEMES:
            raise ParamError("theme", f"{theme!r} is not one of {', '.join(THEMES)}")
        return cls(flag("filters"), flag("list"), zoom, center, theme)

    def as_params(self) -> list[tuple[str, str]]:
        """Only the options that differ from the defaults, for short URLs."""
        out = []
        if not self.show_filters:
            out.append(("filters", "0"))
        if not self.show_list:
            out.append(("list", "0"))
        if self.zoom is not None:
            out.append(("zoom", str(self.zoom)))
        if self.center:
            out.append(("center", f"{self.center[0]:.5f},{self.center[1]:.5f}"))
        if self.theme != "default":
            out.append(("theme", self.theme))
        return out


def filter_params(args) -> list[tuple[str, str]]:
    """The place filters of a request, in a stable order, empty ones dropped."""
    args = MultiArgs(args)
    out = []
    for name in ("topic", "group", "kind", "q", "area", "near", "radius_km", "bbox", "age",
                 "grade", "from", "to", "cost", "format", "bookable", "status", "lang"):
        values = [v for v in args.getlist(name) if v]
        if values:
            out.append((name, ",".join(values)))
    return out


def size(name: str, value: str | None, default: int) -> int:
    if not value:
        return default
    # ASCII digits only: str.isdigit() also accepts '²', which int() refuses.
    if not re.fullmatch(r"[0-9]{1,5}", value) or not SIZE_LIMITS[0] <= int(value) <= SIZE_LIMITS[1]:
        raise ParamError(name, f"must be a whole number of pixels {SIZE_LIMITS[0]}-"
                               f"{SIZE_LIMITS[1]}")
    return int(value)


def embed_url(base_url: str, filters: list[tuple[str, str]], options: EmbedOptions) -> str:
    query = urlencode(filters + options.as_params())
    return f"{base_url}/embed" + (f"?{query}" if query else "")


def snippet(base_url: str, filters: list[tuple[str, str]], options: EmbedOptions,
            title: str, link_text: str, width: int | None = None, height: int = 500,
            responsive: bool = True) -> str:
    """The iframe snippet: lazy, titled, with a plain link for when frames are blocked."""
    src = embed_url(base_url, filters, options)
    full = f"{base_url}/" + (f"?{urlencode(filters)}" if filters else "")
    attrs = (f'src="{html.escape(src)}" title="{html.escape(title)}" loading="lazy" '
             'referrerpolicy="strict-origin-when-cross-origin"')
    fallback = (f'<p><a href="{html.escape(full)}" target="_blank" rel="noopener">'
                f"{html.escape(link_text)}</a></p>")
    if responsive:
        ratio = round(100 * height / (width or 800), 2)
        return (f'<div style="position:relative;width:100%;padding-top:{ratio}%">'
                f'<iframe {attrs} style="position:absolute;inset:0;width:100%;height:100%;'
                f'border:0"></iframe></div>\n{fallback}')
    return (f'<iframe {attrs} width="{width or 800}" height="{height}" style="border:0">'
            f"</iframe>\n{fallback}")
