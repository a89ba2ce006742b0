"""A trainer signs in to the simulator with the one-time link an administrator issued: a page with a button (so a link preview uses nothing up), then a session cookie; scripts get a bearer token."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

from aiohttp import web

from bot.web.assets import STATIC
from bot.web.guard import BadBody, read_json_object, refuse
from bot.web.simulator.access import (
    APP_KEY,
    csrf_token,
    set_session_cookie,
)
from storage.sim_access import PassError, redeem_pass

log = logging.getLogger(__name__)
LOGIN_PAGE = STATIC / "sim_login.html"


LINK_CODE = re.compile(r"[A-Za-z0-9_\-]{16,64}")


async def login_page(request: web.Request) -> web.StreamResponse:
    """Show the sign-in button of a trainer's link (a GET never uses the code up: link previews are harmless)."""
    code = request.query.get("code", "")
    if not LINK_CODE.fullmatch(code):
        return refuse(request, "this link is incomplete", 400)
    html = LOGIN_PAGE.read_text(encoding="utf-8").replace("{code}", code)
    return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store"})


async def _redeem(request: web.Request, code: object) -> tuple[str, int] | web.Response:
    """Redeem a link code; return (session token, lifetime in seconds), or the refusal."""
    app = request.app[APP_KEY]
    if not isinstance(code, str) or not LINK_CODE.fullmatch(code):
        return refuse(request, "a link code is needed", 400)
    lifetime = timedelta(hours=app.config.web.simulator_session_hours)
    try:
        async with app.uow() as uow:
            token, session = await redeem_pass(uow.session, code, datetime.now(UTC), lifetime)
            await uow.commit()
    except PassError as exc:
        return refuse(request, str(exc), 403)
    log.info("simulator: pass %d redeemed by person %d (%d identities)", session.pass_id, session.person_id, len(session.identities))
    return token, int(lifetime.total_seconds())


async def login_form(request: web.Request) -> web.StreamResponse:
    """Sign a trainer in from the link's form: set the session cookie and open the page."""
    form = await request.post()
    redeemed = await _redeem(request, form.get("code"))
    if isinstance(redeemed, web.Response):
        return redeemed
    token, seconds = redeemed
    response = web.Response(status=303, headers={"Location": "/"})
    set_session_cookie(request, response, token, max_age=seconds)
    return response


async def login_api(request: web.Request) -> web.Response:
    """Sign a script in: {"code": CODE} → {"token", "csrf"} (send the token as Authorization: Bearer)."""
    try:
        body = await read_json_object(request, max_bytes=1024)
    except BadBody as exc:
        return refuse(request, exc.reason, exc.status)
    redeemed = await _redeem(request, body.get("code"))
    if isinstance(redeemed, web.Response):
        return redeemed
    token, _ = redeemed
    return web.json_response({"token": token, "csrf": csrf_token(token)})
