"""The web chat simulator: a channel adapter for the browser and a JSON API for scripts.

    GET  /sim/api/people            demo identities
    POST /sim/api/send              {"as": KEY, "text"|"button"|"location"|"photo": ...} → replies
    GET  /sim/api/inbox?as=KEY      messages pushed to KEY since the last read

The simulator is a pull channel: pushes wait in the outbox (channel "sim") until the page reads
its inbox, so nothing pushed to a simulated person is lost across restarts.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import and_, or_, select, update

from bot.app import App
from bot.messages import Inbound, InboundKind, Outbound, local_image, outbound_from_payload
from storage.models import OutboxMessage, Person
from storage.routing import STAFF_ROLE_OF_KIND
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
CHANNEL = "sim"
PAGE = Path(__file__).resolve().parent / "static" / "sim.html"
NEW_RESIDENT = re.compile(r"new:[A-Za-z0-9_.\-]{1,40}")
FILE_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,120}\.png")
CLIENT_ID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
INBOX_BATCH = 50
INBOX_LOOKAHEAD = timedelta(days=3650)  # the simulator shows deferred (quiet-hours) pushes at once
ROLE_ORDER = ["resident", *STAFF_ROLE_OF_KIND.values(), "party_member", "leader", "admin"]
APP_KEY = web.AppKey("qungong_sim", App)


class BadRequest(Exception):
    """A simulator request that is malformed; answered with HTTP 400 and a reason."""


def image_url(app: App, image: str | None) -> str | None:
    """Return how the page shows an image: a report chart by its URL here, anything else as it is."""
    path = local_image(image)
    if path is None:
        return image
    folder = app.config.reports.path.resolve()
    return f"/sim/files/{path.name}" if path.resolve().parent == folder else None


def reply_json(app: App, message: Outbound) -> dict[str, Any]:
    """Return a message in the simulator API's shape."""
    return {
        "text": message.text,
        "buttons": [{"label": b.label, "payload": b.payload} for b in message.buttons],
        "image": image_url(app, message.image),
    }


async def people(request: web.Request) -> web.Response:
    """List the demo identities one can chat as."""
    app = request.app[APP_KEY]
    async with app.uow() as uow:
        persons = (await uow.session.scalars(select(Person).where(Person.demo_key.is_not(None)).order_by(Person.id))).all()
        listing = []
        for person in persons:
            bindings = await uow.people.bindings(person.id)
            role = bindings[0].role if bindings else "resident"
            unit_id = bindings[0].unit_id if bindings else person.registered_unit_id
            unit = await uow.units.get(unit_id) if unit_id is not None else None
            listing.append({"key": person.demo_key, "name": person.name, "role": role, "unit": unit.name if unit else ""})
    listing.sort(key=lambda p: (ROLE_ORDER.index(p["role"]) if p["role"] in ROLE_ORDER else 99, p["key"]))
    return web.json_response(listing)


async def _identity(app: App, key: Any) -> str:
    """Check that KEY is a demo identity or `new:NAME`, and return it."""
    if not isinstance(key, str) or not key:
        raise BadRequest('"as" must name an identity (see /sim/api/people) or be "new:NAME"')
    if NEW_RESIDENT.fullmatch(key):
        return key
    async with app.uow() as uow:
        if await uow.people.by_demo_key(key) is None:
            raise BadRequest(f'unknown identity "{key[:40]}"; use /sim/api/people or "new:NAME"')
    return key


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
        return make(InboundKind.PHOTO, "", photo=body["photo"][:512] or "photo")
    location = body.get("location")
    if isinstance(location, dict):
        try:
            lat, lon = float(location["lat"]), float(location["lon"])
        except (KeyError, TypeError, ValueError) as exc:
            raise BadRequest('"location" needs numeric "lat" and "lon"') from exc
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise BadRequest('"location" is outside the globe')
        return make(InboundKind.LOCATION, f"{lat},{lon}", location=(lat, lon))
    raise BadRequest('send one of "text", "button", "photo" or "location"')


async def send(request: web.Request) -> web.Response:
    """Send a message as an identity and return the replies to it."""
    app = request.app[APP_KEY]
    try:
        body = await request.json()
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object")
        key = await _identity(app, body.get("as"))
        inbound = _inbound(key, body)
    except ValueError:
        return web.json_response({"error": "the body must be JSON"}, status=400)
    except BadRequest as exc:
        return web.json_response({"error": str(exc)}, status=400)
    replies = await app.running_dispatcher().handle(inbound)
    return web.json_response({"replies": [reply_json(app, r) for r in replies]})


async def inbox(request: web.Request) -> web.Response:
    """Return (and mark delivered) the messages pushed to an identity since the last read."""
    app = request.app[APP_KEY]
    try:
        key = await _identity(app, request.query.get("as"))
    except BadRequest as exc:
        return web.json_response({"error": str(exc)}, status=400)
    async with app.uow() as uow:
        rows = await take_inbox(uow, key)
        await uow.commit()
    messages = [reply_json(app, outbound_from_payload(r.payload)) for r in rows]
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
    name = request.match_info["name"]
    folder = request.app[APP_KEY].config.reports.path.resolve()
    path = folder / name
    if not FILE_NAME.fullmatch(name) or not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path)


async def page(request: web.Request) -> web.FileResponse:
    """Serve the simulator page."""
    return web.FileResponse(PAGE)


def add_simulator(web_app: web.Application, app: App) -> None:
    """Mount the simulator page and API."""
    web_app[APP_KEY] = app
    web_app.router.add_get("/", page)
    web_app.router.add_get("/sim/api/people", people)
    web_app.router.add_post("/sim/api/send", send)
    web_app.router.add_get("/sim/api/inbox", inbox)
    web_app.router.add_get("/sim/files/{name}", report_file)
