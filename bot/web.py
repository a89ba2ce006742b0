"""The HTTP server (aiohttp) that the simulator and the platform webhooks are mounted on."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy import text

from bot.app import App
from bot.sim import add_simulator

log = logging.getLogger(__name__)
APP_KEY = web.AppKey("qungong", App)


async def healthz(request: web.Request) -> web.Response:
    """Answer 200 when the database answers, 503 otherwise."""
    app = request.app[APP_KEY]
    try:
        async with app.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: database unreachable")
        return web.json_response({"status": "database unreachable"}, status=503)
    return web.json_response({"status": "ok"})


def build_web_app(app: App) -> web.Application:
    """Return the aiohttp application with QunGong's routes."""
    web_app = web.Application(client_max_size=2 * 1024 * 1024)
    web_app[APP_KEY] = app
    web_app.router.add_get("/healthz", healthz)
    if app.dispatcher is not None:
        add_simulator(web_app, app)
    return web_app
