"""The HTTP server (aiohttp) that the simulator, the data cockpit, the public page, the Open311 API and the platform webhooks are mounted on."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy import text

from bot.app import App
from bot.config.schema import Config
from bot.web.cockpit.routes import add_cockpit
from bot.web.guard import add_security_headers
from bot.web.open311.routes import add_open311
from bot.web.public.routes import add_public
from bot.web.simulator.access import DEMO, TRAINER
from bot.web.simulator.routes import add_simulator

log = logging.getLogger(__name__)
APP_KEY = web.AppKey("qungong", App)


async def healthz(request: web.Request) -> web.Response:
    """Answer 200 when the database answers, 503 otherwise (nothing about the configuration)."""
    app = request.app[APP_KEY]
    try:
        async with app.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: database unreachable")
        return web.json_response({"status": "unavailable"}, status=503)
    return web.json_response({"status": "ok"})


def simulator_mode(config: Config) -> str | None:
    """Return how the simulator is mounted: open (demo mode), behind trainers' sessions, or not at all (None)."""
    setting = config.web.simulator
    if setting == "off":
        return None
    if config.app.demo:
        return DEMO
    return TRAINER if setting == "on" else None


def build_web_app(app: App) -> web.Application:
    """Return the aiohttp application with QunGong's routes."""
    web_app = web.Application(client_max_size=2 * 1024 * 1024)
    web_app[APP_KEY] = app
    web_app.on_response_prepare.append(add_security_headers)
    web_app.router.add_get("/healthz", healthz)
    mode = simulator_mode(app.config)
    if app.dispatcher is not None and mode is not None:
        add_simulator(web_app, app, mode)
    add_cockpit(web_app, app)
    if app.config.open311.enabled and app.dispatcher is not None:
        add_open311(web_app, app)
    if app.config.cockpit.public:
        add_public(web_app, app)
    return web_app
