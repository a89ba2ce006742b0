"""The files the web pages are made of (bot/web/static): scripts, style sheets, icons and the CJK font, served by name only.

The font is the subset of Noto Sans CJK SC the report charts use (handlers/reports/data/fonts, SIL Open Font
License 1.1, its OFL.txt served beside it): a machine with no Chinese font of its own still shows every
character, and nothing is fetched from another host.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {"sim.js": "application/javascript", "sim.css": "text/css", "sim_map.js": "application/javascript"}
FONT_FILE = "NotoSansCJKsc-Regular-subset.otf"
FONT_NAME = "qungong-sc.otf"
LICENCE_NAME = "qungong-sc-OFL.txt"
YEAR = 31_536_000


def font_folder() -> Path:
    """Return the folder of the charts' font (found without importing the reports package)."""
    spec = find_spec("handlers.reports")
    assert spec is not None and spec.submodule_search_locations is not None
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "fonts"


@cache
def _font_bytes(compressed: bool) -> bytes:
    """Return the font file, gzip-compressed or not (read once per process, on first use)."""
    raw = (font_folder() / FONT_FILE).read_bytes()
    return gzip.compress(raw, 6) if compressed else raw


async def asset(request: web.Request) -> web.StreamResponse:
    """Serve the page's scripts, style sheet and icons."""
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    return web.FileResponse(STATIC / name, headers={"Content-Type": ASSETS[name], "Cache-Control": "no-cache"})


async def font(request: web.Request) -> web.StreamResponse:
    """Serve the CJK font (compressed when the browser takes gzip) and its licence."""
    name = request.match_info["name"]
    if name == LICENCE_NAME:
        return web.FileResponse(font_folder() / "OFL.txt", headers={"Content-Type": "text/plain; charset=utf-8"})
    if name != FONT_NAME:
        raise web.HTTPNotFound()
    compressed = "gzip" in request.headers.get("Accept-Encoding", "")
    headers = {"Cache-Control": f"public, max-age={YEAR}", "Vary": "Accept-Encoding"}
    if compressed:
        headers["Content-Encoding"] = "gzip"
    return web.Response(body=_font_bytes(compressed), content_type="font/otf", headers=headers)
