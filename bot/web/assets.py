"""The files the web pages are made of (bot/web/static): scripts, style sheets, fonts, served by name only."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {"sim.js": "application/javascript", "sim.css": "text/css"}


async def asset(request: web.Request) -> web.StreamResponse:
    """Serve the page's script and style sheet."""
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    return web.FileResponse(STATIC / name, headers={"Content-Type": ASSETS[name]})
