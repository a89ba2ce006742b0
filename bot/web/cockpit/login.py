"""Signing in to the cockpit with a personal link, and out again.

    GET  /cockpit/login?code=CODE   a page with a sign-in button: opening the link (or a chat app's preview of it) uses nothing up
    POST /cockpit/login             the button: the code is used up, the session cookie set, the overview opened
    POST /cockpit/logout            ends the session (with the page's CSRF token)
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

from aiohttp import web

from bot.web.cockpit.access import (
    Refused,
    check_csrf,
    clear_session_cookie,
    set_session_cookie,
    visit,
)
from bot.web.cockpit.pages import APP_KEY
from bot.web.cockpit.render import page, refused_page
from bot.web.guard import BadBody, read_body
from storage.cockpit_access import CockpitDenied, end_session, redeem_link

log = logging.getLogger(__name__)
LINK_CODE = re.compile(r"[A-Za-z0-9_\-]{16,64}")
FORM_BYTES = 2048


async def login_page(request: web.Request) -> web.StreamResponse:
    """Show the sign-in button of a link (a GET never uses the code up)."""
    app = request.app[APP_KEY]
    code = request.query.get("code", "")
    if not LINK_CODE.fullmatch(code):
        return refused_page(request, app.texts, "this link is incomplete", 400)
    return page("login.html", app.texts, code=code)


async def _form(request: web.Request) -> dict[str, str]:
    """Read a small urlencoded form, or raise Refused."""
    if request.content_type != "application/x-www-form-urlencoded":
        raise Refused("send the form as application/x-www-form-urlencoded", 415)
    try:
        return dict(parse_qsl((await read_body(request, FORM_BYTES)).decode("utf-8"), max_num_fields=8))
    except BadBody as exc:
        raise Refused(exc.reason, exc.status) from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused("the form is malformed", 400) from exc


async def login(request: web.Request) -> web.StreamResponse:
    """Use the link's code: set the session cookie and open the overview."""
    app = request.app[APP_KEY]
    try:
        code = (await _form(request)).get("code", "")
        if not LINK_CODE.fullmatch(code):
            raise Refused("a link code is needed", 400)
        lifetime = timedelta(hours=app.config.cockpit.session_hours)
        async with app.uow() as uow:
            token, session = await redeem_link(uow.session, code, datetime.now(UTC), lifetime)
            await uow.commit()
    except Refused as exc:
        return refused_page(request, app.texts, exc.reason, exc.status)
    except CockpitDenied as exc:
        return refused_page(request, app.texts, str(exc), 403, wording="link" if exc.link_spent else None)
    log.info("cockpit: person %d signed in (pass %d)", session.person_id, session.pass_id)
    response = web.Response(status=303, headers={"Location": "/cockpit/", "Cache-Control": "no-store"})
    set_session_cookie(request, response, token, int(lifetime.total_seconds()))
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    """End the session and say so."""
    app = request.app[APP_KEY]
    try:
        seen = await visit(app, request)
        check_csrf(seen, (await _form(request)).get("csrf"))
    except Refused as exc:
        return refused_page(request, app.texts, exc.reason, exc.status)
    async with app.uow() as uow:
        await end_session(uow.session, seen.session.pass_id, datetime.now(UTC))
        await uow.commit()
    response = page("message.html", app.texts, title=app.texts.t("cockpit.signed_out.title"), message=app.texts.t("cockpit.signed_out.text"))
    clear_session_cookie(response)
    return response
