"""Where the simulator answers: its page, its JSON API and a trainer's sign-in, mounted in one mode."""

from __future__ import annotations

from aiohttp import web

from bot.app import App
from bot.web.assets import asset
from bot.web.simulator.access import APP_KEY, GATE_KEY, SimulatorGate
from bot.web.simulator.api import inbox, page, people, report_file, send, session_info
from bot.web.simulator.login import login_api, login_form, login_page


def add_simulator(web_app: web.Application, app: App, mode: str) -> None:
    """Mount the simulator page and API in MODE (demo: open to all; trainer: behind a session)."""
    web_app[APP_KEY] = app
    web_app[GATE_KEY] = SimulatorGate(app, mode)
    web_app.router.add_get("/", page)
    web_app.router.add_get("/sim/static/{name}", asset)
    web_app.router.add_get("/sim/api/session", session_info)
    web_app.router.add_get("/sim/api/people", people)
    web_app.router.add_post("/sim/api/send", send)
    web_app.router.add_get("/sim/api/inbox", inbox)
    web_app.router.add_get("/sim/files/{name}", report_file)
    web_app.router.add_get("/sim/login", login_page)
    web_app.router.add_post("/sim/login", login_form)
    web_app.router.add_post("/sim/api/login", login_api)

