"""The public page: GET /public/?month=YYYY-MM (this month by default), cached for [cockpit] public_cache_seconds.

Anyone may read it: it shows counts and rates, and only the typical cases the command center
published with the resident's consent, in their reviewed, redacted text.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime

from aiohttp import web

from bot.app import App
from bot.web.cockpit.render import asset, refused_page, render
from handlers.reports.public import RATES, month_period, public_report

APP_KEY = web.AppKey("qungong_public", App)
CACHE_KEY = web.AppKey("qungong_public_cache", dict)
MONTH = re.compile(r"(\d{4})-(\d{2})")
MONTHS_SHOWN = 12  # in the picker; any month from FIRST_MONTH to this one may be asked for
FIRST_MONTH = date(2000, 1, 1)
STATIC = "/public/static"


def _months(today: date) -> list[date]:
    """Return the first days of this month and the eleven before it, newest first."""
    found = []
    year, month = today.year, today.month
    for _ in range(MONTHS_SHOWN):
        found.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found


async def public_page(request: web.Request) -> web.StreamResponse:
    """Show one month's public figures and the typical cases (cached)."""
    app = request.app[APP_KEY]
    now = datetime.now(UTC)
    months = _months(now.astimezone(app.config.tz).date())
    wanted = request.query.get("month", months[0].strftime("%Y-%m"))
    found = MONTH.fullmatch(wanted)
    month = date(int(found.group(1)), int(found.group(2)), 1) if found and 1 <= int(found.group(2)) <= 12 else None
    if month is None or not FIRST_MONTH <= month <= months[0]:
        return refused_page(request, app.texts, f"month {wanted[:10]!r} is not shown", 400)
    seconds = app.config.cockpit.public_cache_seconds
    cache: dict[str, tuple[float, str]] = request.app[CACHE_KEY]
    key = month.isoformat()
    hit = cache.get(key)
    if hit is None or hit[0] < time.monotonic():
        period = month_period(month, now, app.config.tz)
        async with app.read_session_factory() as session:
            report = await public_report(session, period, tz=app.config.tz, now=now, language=app.config.app.language)
        top = max((count for _, count in report.categories), default=0)
        body = render(
            "public.html", app.texts, static=STATIC, report=report, rates=RATES, months=months if month in months else [month, *months],
            month=month, top=top,
            made_at=now.astimezone(app.config.tz).strftime("%Y-%m-%d %H:%M"), minutes=max(1, seconds // 60),
            width=lambda count: 0 if top == 0 or count <= 0 else max(1, round(10 * count / top)),
        )
        hit = (time.monotonic() + seconds, body)
        cache[key] = hit
    response = web.Response(text=hit[1], content_type="text/html", charset="utf-8")
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    return response


def add_public(web_app: web.Application, app: App) -> None:
    """Mount the public page under /public/."""
    web_app[APP_KEY] = app
    web_app[CACHE_KEY] = {}
    web_app.router.add_get("/public", _to_page)
    web_app.router.add_get("/public/", public_page)
    web_app.router.add_get("/public/static/{name}", asset)


async def _to_page(request: web.Request) -> web.StreamResponse:
    """Send /public to /public/."""
    raise web.HTTPFound("/public/")

