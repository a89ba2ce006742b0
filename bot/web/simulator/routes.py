"""Where the simulator answers: its page, its JSON API, photos, the map and a trainer's sign-in, mounted in one mode."""

from __future__ import annotations

from aiohttp import web

from bot.app import App
from bot.web.assets import asset, font
from bot.web.simulator.access import APP_KEY, GATE_KEY, SimulatorGate
from bot.web.simulator.api import inbox, page, people, report_file, send, session_info
from bot.web.simulator.chats import chat_history, open_chat, unread
from bot.web.simulator.district_map import MAP_KEY, district_map, where
from bot.web.simulator.login import login_api, login_form, login_page
from bot.web.simulator.media import media_file, upload


def add_simulator(web_app: web.Application, app: App, mode: str) -> None:
    """Mount the simulator page and API in MODE (demo: open to all; trainer: behind a session)."""
    web_app[APP_KEY] = app
    web_app[GATE_KEY] = SimulatorGate(app, mode)
    web_app[MAP_KEY] = {}
    web_app.router.add_get("/", page)
    web_app.router.add_get("/sim/static/{name}", asset)
    web_app.router.add_get("/sim/static/fonts/{name}", font)
    web_app.router.add_get("/sim/api/session", session_info)
    web_app.router.add_get("/sim/api/people", people)
    web_app.router.add_post("/sim/api/send", send)
    web_app.router.add_get("/sim/api/inbox", inbox)
    web_app.router.add_get("/sim/api/history", chat_history)
    web_app.router.add_post("/sim/api/open", open_chat)
    web_app.router.add_get("/sim/api/unread", unread)
    web_app.router.add_post("/sim/api/upload", upload)
    web_app.router.add_get("/sim/api/map", district_map)
    web_app.router.add_get("/sim/api/where", where)
    web_app.router.add_get("/sim/media/{sha}", media_file)
    web_app.router.add_get("/sim/media/{sha}/{size:thumb}", media_file)
    web_app.router.add_get("/sim/files/{name}", report_file)
    web_app.router.add_get("/sim/login", login_page)
    web_app.router.add_post("/sim/login", login_form)
    web_app.router.add_post("/sim/api/login", login_api)
