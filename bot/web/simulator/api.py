"""The web chat simulator: a channel adapter for the browser and a JSON API for scripts.

    GET  /                          the chat page
    GET  /sim/api/session           {"mode", "csrf"}; sets the browser's session cookie in demo mode
    GET  /sim/api/people            the identities one may chat as
    POST /sim/api/send              {"as": KEY, "text"|"button"|"location"|"photo": ...} → replies
    GET  /sim/api/inbox?as=KEY      messages pushed to KEY since the last read
    GET  /sim/login?code=CODE       a trainer's one-time link (outside demo mode), then POST to sign in
    POST /sim/api/login             {"code": CODE} → {"token", "csrf"} for scripts

The simulator is a pull channel: pushes wait in the outbox (channel "sim") until the page reads
its inbox, so nothing pushed to a simulated person is lost across restarts, and no outbox sender
takes them. Who may act as whom is decided by `bot.web.simulator.access`.
"""

from __future__ import annotations

import logging
import math
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import and_, or_, select, update

from bot.app import App
from bot.dispatcher import Busy
from bot.web.assets import STATIC
from bot.web.guard import BadBody, read_json_object, refuse
from bot.web.simulator.access import (
    APP_KEY,
    DEMO,
    GATE_KEY,
    Caller,
    Denied,
    csrf_token,
    set_session_cookie,
)
from bot.web.simulator.shown import picture, reply_json
from handlers.messages import Inbound, InboundKind, outbound_from_payload
from storage.cases.routing import STAFF_ROLE_OF_KIND
from storage.geo import DATUMS, WGS84, to_stored
from storage.models.chat import OutboxMessage
from storage.models.people import Person
from storage.sim_access import owned_identities
from storage.sim_lines import BOT, ME, PUSH, add_lines
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
CHANNEL = "sim"
PAGE = STATIC / "sim.html"
CLIENT_ID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
FILE_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,120}\.png")
INBOX_BATCH = 50
INBOX_LOOKAHEAD = timedelta(days=3650)  # the simulator shows deferred (quiet-hours) pushes at once
ROLE_ORDER = ["resident", *STAFF_ROLE_OF_KIND.values(), "operator", "party_member", "leader", "admin"]


class BadRequest(Exception):
    """A simulator request that is malformed; answered with HTTP 400 and a reason."""


async def _caller(request: web.Request) -> Caller:
    """Return the request's caller (Denied when it may not use the simulator at all)."""
    return await request.app[GATE_KEY].caller(request)


async def session_info(request: web.Request) -> web.StreamResponse:
    """Say which mode the simulator is in and give the page its CSRF token (setting the cookie on first visit)."""
    gate = request.app[GATE_KEY]
    try:
        caller = await gate.caller(request)
    except Denied as exc:
        return refuse(request, exc.reason, exc.status)
    token = caller.token if caller.via_cookie else None
    fresh = token is None and gate.mode == DEMO
    if fresh:
        token = gate.new_browser_token()
    response = web.json_response({"mode": gate.mode, "csrf": csrf_token(token) if token else None, "new_residents": caller.trainer is None or caller.trainer.allow_new})
    if fresh and token is not None:
        set_session_cookie(request, response, token)
    return response


async def people(request: web.Request) -> web.Response:
    """List the identities this caller may chat as."""
    app, gate = request.app[APP_KEY], request.app[GATE_KEY]
    try:
        caller = await gate.caller(request)
    except Denied as exc:
        return refuse(request, exc.reason, exc.status)
    async with app.uow() as uow:
        persons = (await uow.session.scalars(select(Person).where(Person.demo_key.is_not(None)).order_by(Person.id))).all()
        listing: list[dict[str, Any]] = []
        for person in persons:
            if person.demo_key is None or not gate.may_list(caller, person.demo_key):
                continue
            bindings = await uow.people.bindings(person.id)
            role = bindings[0].role if bindings else "resident"
            unit_id = bindings[0].unit_id if bindings else person.registered_unit_id
            unit = await uow.units.get(unit_id) if unit_id is not None else None
            listing.append({"key": person.demo_key, "name": person.name, "role": role, "unit": unit.name if unit else "", "language": person.language})
        listing.sort(key=lambda p: (ROLE_ORDER.index(p["role"]) if p["role"] in ROLE_ORDER else 99, p["key"]))
        for key in await owned_identities(uow.session, caller.owner):
            listing.append({"key": key, "name": key.removeprefix("new:"), "role": "resident", "unit": "", "language": None, "new": True})
    return web.json_response(listing)


def _location(value: Any) -> tuple[float, float]:
    """Return a finite (lat, lon) on the globe from the body's "location", or raise BadRequest."""
    if not isinstance(value, dict):
        raise BadRequest('"location" must be an object with "lat" and "lon"')
    try:
        lat, lon = float(value["lat"]), float(value["lon"])
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise BadRequest('"location" needs numeric "lat" and "lon"') from exc
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise BadRequest('"location" is outside the globe')
    datum = value.get("datum", WGS84)  # a browser's geolocation is WGS-84; a script may say gcj02
    if datum not in DATUMS:
        raise BadRequest(f'"location.datum" must be one of {", ".join(DATUMS)}')
    return to_stored(lat, lon, datum)


def _inbound(key: str, body: dict[str, Any]) -> Inbound:
    """Turn a simulator request body into an Inbound."""
    client_id = body.get("id")
    if client_id is not None and not (isinstance(client_id, str) and CLIENT_ID.fullmatch(client_id)):
        raise BadRequest('"id" must be 1-64 letters, digits, _ . -')
    platform_id = f"{key}:{client_id}" if client_id else uuid.uuid4().hex

    def make(kind: InboundKind, payload: str, **extra: Any) -> Inbound:
        return Inbound(CHANNEL, key, key, kind, payload, platform_id, raw=body, **extra)

    if isinstance(body.get("text"), str):
        text = body["text"]
        return make(InboundKind.COMMAND if text.startswith("/") else InboundKind.TEXT, text)
    if isinstance(body.get("button"), str):
        return make(InboundKind.BUTTON, body["button"])
    if isinstance(body.get("photo"), str):
        caption = body.get("caption")
        return make(InboundKind.PHOTO, caption[:1024] if isinstance(caption, str) else "", photo=body["photo"][:512] or "photo")
    if "location" in body:
        lat, lon = _location(body["location"])
        return make(InboundKind.LOCATION, f"{lat},{lon}", location=(lat, lon))
    raise BadRequest('send one of "text", "button", "photo" or "location"')


async def send(request: web.Request) -> web.Response:
    """Send a message as an identity and return the replies to it."""
    app, gate = request.app[APP_KEY], request.app[GATE_KEY]
    try:
        caller = await gate.caller(request)
        gate.check_post(request, caller)
        body = await read_json_object(request)
        key = await gate.identity(caller, body.get("as"))
        inbound = _inbound(key, body)
    except Denied as exc:
        return refuse(request, exc.reason, exc.status)
    except BadBody as exc:
        return refuse(request, exc.reason, exc.status)
    except BadRequest as exc:
        return refuse(request, str(exc))
    try:
        replies = await app.running_dispatcher().handle(inbound)
    except Busy:
        response = refuse(request, "busy: send the same message (with the same id) again", 503)
        response.headers["Retry-After"] = "1"
        return response
    shown = [reply_json(app, r) for r in replies]
    await record(app, key, [(ME, [sent_line(app, inbound, body)]), (BOT, shown)])
    return web.json_response({"replies": shown})


def sent_line(app: App, inbound: Inbound, body: dict[str, Any]) -> dict[str, Any]:
    """Return how the sender's own message shows in the transcript (a button by the label the page gives)."""
    label = body.get("shown")
    text = label[:200] if isinstance(label, str) else inbound.payload[:2000]
    line: dict[str, Any] = {"text": text, "kind": inbound.kind.value}
    if inbound.location is not None:
        line["location"] = {"lat": inbound.location[0], "lon": inbound.location[1]}
    shown = picture(app, inbound.photo)
    if shown is not None:
        line["pictures"] = [shown]
    return line


async def record(app: App, key: str, sides: list[tuple[str, list[dict[str, Any]]]]) -> None:
    """Add lines to a simulated chat's transcript (a failure here never loses the answer already given)."""
    try:
        async with app.uow() as uow:
            for side, lines in sides:
                add_lines(uow.session, key, side, lines, datetime.now(UTC))
            await uow.commit()
    except Exception:
        log.exception("simulator: could not record the transcript of %s", key)


async def inbox(request: web.Request) -> web.Response:
    """Return (and mark delivered) the messages pushed to an identity since the last read."""
    app, gate = request.app[APP_KEY], request.app[GATE_KEY]
    try:
        caller = await gate.caller(request)
        key = await gate.identity(caller, request.query.get("as"))
    except Denied as exc:
        return refuse(request, exc.reason, exc.status)
    async with app.uow() as uow:
        rows = await take_inbox(uow, key)
        messages = [reply_json(app, outbound_from_payload(r.payload)) for r in rows]
        add_lines(uow.session, key, PUSH, messages, datetime.now(UTC))
        await uow.commit()
    return web.json_response({"messages": messages})


async def take_inbox(uow: UnitOfWork, key: str) -> list[OutboxMessage]:
    """Take (mark sent) the pending pushes for a simulated chat: addressed to it, or to its person."""
    account = await uow.people.account(CHANNEL, key)
    addressed = and_(OutboxMessage.channel == CHANNEL, OutboxMessage.chat_id == key)
    mine = or_(addressed, and_(OutboxMessage.channel.is_(None), OutboxMessage.person_id == account.person_id)) if account else addressed
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= datetime.now(UTC) + INBOX_LOOKAHEAD, mine)
        .order_by(OutboxMessage.id)
        .limit(INBOX_BATCH)
        .with_for_update(skip_locked=True)
    )
    rows = list((await uow.session.scalars(query)).all())
    if rows:
        stmt = update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in rows]))
        await uow.session.execute(stmt.values(status="sent", sent_at=datetime.now(UTC), attempts=OutboxMessage.attempts + 1))
    return rows


async def report_file(request: web.Request) -> web.StreamResponse:
    """Serve a chart from the reports folder, by name only."""
    try:
        await _caller(request)
    except Denied as exc:
        return refuse(request, exc.reason, exc.status)
    name = request.match_info["name"]
    folder = request.app[APP_KEY].config.reports.path.resolve()
    path = folder / name
    if not FILE_NAME.fullmatch(name) or not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path)


async def page(request: web.Request) -> web.StreamResponse:
    """Serve the simulator page (trainer mode: only with a session)."""
    try:
        await _caller(request)
    except Denied:
        return web.Response(status=401, text=request.app[APP_KEY].texts.t("sim.sign_in_needed"))
    return web.FileResponse(PAGE, headers={"Cache-Control": "no-store"})
