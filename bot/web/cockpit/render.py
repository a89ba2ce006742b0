"""The HTML of the cockpit and the public page: Jinja2 templates (autoescaped) worded from handlers/locales, the
formatters they use, and the files the pages load (style sheet, script, the CJK web font and its licence).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from handlers.reports.chart import FONT_PATH
from handlers.texts import Texts
from storage.wishes.redact import ID_MASK, ID_NUMBER, PHONE

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
TEMPLATES = (HERE / "templates", HERE.parent / "public" / "templates")  # the cockpit's, and the public page's
STATIC = HERE / "static"
ASSETS: dict[str, tuple[str, Path]] = {
    "cockpit.css": ("text/css", STATIC / "cockpit.css"),
    "cockpit.js": ("application/javascript", STATIC / "cockpit.js"),
    "font.otf": ("font/otf", FONT_PATH),  # Noto Sans CJK SC, the subset the report charts use (SIL OFL 1.1)
    "OFL.txt": ("text/plain; charset=utf-8", FONT_PATH.parent / "OFL.txt"),
}
FONT_MAX_AGE = 30 * 24 * 3600


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Return the template environment (templates are read once)."""
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def pct(value: float | None) -> str:
    """Format a rate as a percentage with one decimal (— when there is none)."""
    return "—" if value is None else f"{value * 100:.1f}%"


def mask_phone(phone: str | None) -> str:
    """Show a phone number with its middle hidden (138****0001)."""
    if not phone:
        return ""
    digits = phone.strip()
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"


def mask_name(name: str | None) -> str:
    """Show a name by its first character only (张*)."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_text(text: str | None) -> str:
    """Hide the phone and ID numbers inside a text."""
    if not text:
        return ""
    return PHONE.sub(lambda m: mask_phone(m.group(0)), ID_NUMBER.sub(ID_MASK, text))


def render(name: str, texts: Texts, **context: Any) -> str:
    """Render a template with the wording and the formatters."""
    return environment().get_template(name).render(t=texts.t, pct=pct, **context)


def page(name: str, texts: Texts, *, status: int = 200, cache: str = "no-store", **context: Any) -> web.Response:
    """Answer with a rendered HTML page."""
    body = render(name, texts, **context)
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8", headers={"Cache-Control": cache})


def refused_page(request: web.Request, texts: Texts, reason: str, status: int, *, wording: str | None = None) -> web.Response:
    """Answer a refused page request with a short page in the user's language (WORDING: which, else by status), and log it."""
    log.warning("%s %s refused (%d): %s", request.method, request.path, status, reason)
    which = wording or (str(status) if texts.has(f"cockpit.refused.title_{status}") else "400")
    return page("message.html", texts, status=status, title=texts.t(f"cockpit.refused.title_{which}"), message=texts.t(f"cockpit.refused.text_{which}"))


async def asset(request: web.Request) -> web.StreamResponse:
    """Serve the pages' style sheet, script, web font and the font's licence, by name only."""
    found = ASSETS.get(request.match_info["name"])
    if found is None:
        raise web.HTTPNotFound()
    content_type, path = found
    age = FONT_MAX_AGE if path.suffix == ".otf" else 300
    return web.FileResponse(path, headers={"Content-Type": content_type, "Cache-Control": f"public, max-age={age}"})
