"""Where the cockpit answers: its sign-in, its pages, its live refresh and its files."""

from __future__ import annotations

from aiohttp import web

from bot.app import App
from bot.web.cockpit.login import login, login_page, logout
from bot.web.cockpit.pages import (
    APP_KEY,
    CACHE_KEY,
    KEYWORDS_KEY,
    ReportCache,
    case_page,
    cases,
    export,
    live,
    overview,
)
from bot.web.cockpit.render import asset


async def _to_overview(request: web.Request) -> web.StreamResponse:
    """Send /cockpit to /cockpit/."""
    raise web.HTTPFound("/cockpit/")


def add_cockpit(web_app: web.Application, app: App) -> None:
    """Mount the data cockpit under /cockpit/."""
    web_app[APP_KEY] = app
    web_app[KEYWORDS_KEY] = {}
    web_app[CACHE_KEY] = ReportCache()
    web_app.router.add_get("/cockpit", _to_overview)
    web_app.router.add_get("/cockpit/", overview)
    web_app.router.add_get("/cockpit/login", login_page)
    web_app.router.add_post("/cockpit/login", login)
    web_app.router.add_post("/cockpit/logout", logout)
    web_app.router.add_get("/cockpit/cases", cases)
    web_app.router.add_get("/cockpit/case/{number}", case_page)
    web_app.router.add_get(r"/cockpit/export.{fmt:csv|xlsx}", export)
    web_app.router.add_get("/cockpit/api/live", live)
    web_app.router.add_get("/cockpit/static/{name}", asset)
