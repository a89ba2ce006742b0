"""Each simulated chat as the page keeps it: its transcript read back from the server, a greeting on first
opening, and how many pushes wait for each person (one summary for the whole list, polled by the page).

    GET  /sim/api/history?as=KEY[&after=ID]   the chat's last lines (what was sent, answered and pushed)
    POST /sim/api/open {"as": KEY}            greet a chat never used (the start menu, once), then its lines
    GET  /sim/api/unread?as=K1,K2,…           {"unread": {KEY: pushes waiting}} for the identities one may use
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.dispatcher import Busy
from bot.web.guard import BadBody, read_json_object, refuse
from bot.web.simulator.access import APP_KEY, GATE_KEY, NEW_RESIDENT, Caller, Denied
from bot.web.simulator.api import CHANNEL, INBOX_LOOKAHEAD, record
from bot.web.simulator.shown import reply_json
from handlers.messages import Inbound, InboundKind
from storage.models.access import SimOwner
from storage.models.media import SimLine
from storage.sim_lines import BOT, has_lines, history, unread_counts

MAX_KEYS = 200
GREETING = "/start"


def line_json(line: SimLine) -> dict[str, Any]:
    """Return a transcript line as the page reads it."""
    return {"id": line.id, "side": line.side, "at": line.at.isoformat(), "message": line.payload}


async def _lines(request: web.Request, key: str, after: int = 0) -> list[dict[str, Any]]:
    """Return a chat's transcript lines after line AFTER."""
    async with request.app[APP_KEY].uow() as uow:
        return [line_json(line) for line in await history(uow.session, key, after=after)]


async def chat_history(request: web.Request) -> web.Response:
    """Return a simulated chat's last lines."""
    gate = request.app[GATE_KEY]
    try:
        caller = await gate.caller(request)
        key = await gate.identity(caller, request.query.get("as"))
    except Denied as exc:
        return refuse(request, exc.reason, exc.status)
    after = request.query.get("after", "0")
    return web.json_response({"lines": await _lines(request, key, int(after) if after.isdigit() and len(after) < 16 else 0)})


async def open_chat(request: web.Request) -> web.Response:
    """Greet a chat the first time it is opened (once, however often this is called), and return its lines."""
    app, gate = request.app[APP_KEY], request.app[GATE_KEY]
    try:
        caller = await gate.caller(request)
        gate.check_post(request, caller)
        body = await read_json_object(request, max_bytes=1024)
        key = await gate.identity(caller, body.get("as"))
    except Denied as exc:
        return refuse(request, exc.reason, exc.status)
    except BadBody as exc:
        return refuse(request, exc.reason, exc.status)
    async with app.uow() as uow:
        used = await has_lines(uow.session, key)
    if not used:
        greeting = Inbound(CHANNEL, key, key, InboundKind.COMMAND, GREETING, f"{key}:greeting")  # once: the id is recorded
        try:
            replies = await app.running_dispatcher().handle(greeting)
        except Busy:
            replies = []
        if replies:
            await record(app, key, [(BOT, [reply_json(app, r) for r in replies])])
    return web.json_response({"lines": await _lines(request, key)})


async def _visible(request: web.Request, caller: Caller, keys: list[str]) -> list[str]:
    """Keep the identities the caller may see: listed demo people, and the new residents they created."""
    gate = request.app[GATE_KEY]
    new = [k for k in keys if NEW_RESIDENT.fullmatch(k)]
    mine: set[str] = set()
    if new:
        async with request.app[APP_KEY].uow() as uow:
            rows = await uow.session.scalars(SimOwner.__table__.select().with_only_columns(SimOwner.key).where(SimOwner.key.in_(new), SimOwner.owner == caller.owner))
            mine = set(rows.all())
    return [k for k in keys if k in mine or (not NEW_RESIDENT.fullmatch(k) and gate.may_list(caller, k))]


async def unread(request: web.Request) -> web.Response:
    """Return how many pushes wait for each of the given identities (those the caller may use)."""
    gate = request.app[GATE_KEY]
    try:
        caller = await gate.caller(request)
    except Denied as exc:
        return refuse(request, exc.reason, exc.status)
    keys = [k for k in request.query.get("as", "").split(",") if k][:MAX_KEYS]
    keys = await _visible(request, caller, keys)
    async with request.app[APP_KEY].uow() as uow:
        counts = await unread_counts(uow.session, CHANNEL, keys, datetime.now(UTC), INBOX_LOOKAHEAD)
    return web.json_response({"unread": counts})
