"""Who may use the web simulator, and as whom.

Demo mode: anyone who reaches the port may act as the demo district's invented people; a new
resident `new:NAME` belongs to whoever created it — the browser holding the session cookie that the
page sets, or, for a script that sends no cookie, the address it calls from (a script on the same
machine keeps working with plain HTTP calls). Another browser, or another address, gets 403.

Trainer mode (outside demo mode, `[web] simulator = "on"`): nothing answers without a session. An
administrator issues a one-time link (`qungong simulator link`); opening it sets an HttpOnly,
SameSite=Strict session cookie (scripts get the token to send as `Authorization: Bearer TOKEN`).
The session may act only as the training people the link names.

A POST that carries the session cookie must carry the page's CSRF token too (header X-CSRF-Token),
and every POST must be JSON (a cross-site form cannot send it without the browser asking first).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web

from bot.app import App
from storage.sim_access import (
    TrainerSession,
    new_token,
    own_identity,
    people_with_real_accounts,
    token_hash,
    trainer_session,
)

COOKIE = "qg_sim"
CSRF_HEADER = "X-CSRF-Token"
NEW_RESIDENT = re.compile(r"new:[A-Za-z0-9_.\-]{1,40}")
IDENTITY = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
TOKEN = re.compile(r"[A-Za-z0-9_\-]{20,100}")
DEMO, TRAINER = "demo", "trainer"


class Denied(Exception):
    """A simulator request that is refused; `status` is 400, 401 or 403."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Caller:
    """Who calls: the owner of the new residents they create, their session token, and (trainers) their pass."""

    owner: str
    token: str | None
    via_cookie: bool
    trainer: TrainerSession | None = None


def csrf_token(session_token: str) -> str:
    """Return the CSRF token that goes with a session token."""
    return hmac.new(session_token.encode(), b"qungong-sim-csrf", hashlib.sha256).hexdigest()[:32]


def _presented_token(request: web.Request) -> tuple[str | None, bool]:
    """Return the session token the request carries (cookie, else bearer) and whether it came as a cookie."""
    cookie = request.cookies.get(COOKIE)
    if cookie and TOKEN.fullmatch(cookie):
        return cookie, True
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and TOKEN.fullmatch(value.strip()):
        return value.strip(), False
    return None, False


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str, max_age: int | None = None) -> None:
    """Set the session cookie: HttpOnly, SameSite=Strict, Secure when the request came over HTTPS."""
    secure = request.secure or request.headers.get("X-Forwarded-Proto", "") == "https"
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", secure=secure, path="/", max_age=max_age)


class SimulatorGate:
    """Decides, per request, who the caller is and whether they may act as an identity."""

    def __init__(self, app: App, mode: str) -> None:
        self.app = app
        self.mode = mode

    async def caller(self, request: web.Request) -> Caller:
        """Return the caller, or raise Denied (401) in trainer mode without a live session."""
        token, via_cookie = _presented_token(request)
        if self.mode == DEMO:
            owner = f"s:{token_hash(token)[:40]}" if token else f"a:{request.remote or 'unknown'}"[:80]
            return Caller(owner, token, via_cookie)
        if token is None:
            raise Denied("sign in with the link an administrator gave you (qungong simulator link)", 401)
        async with self.app.uow() as uow:
            session = await trainer_session(uow.session, token, datetime.now(UTC))
        if session is None:
            raise Denied("this session has expired or is unknown: ask the administrator for a new link", 401)
        return Caller(f"t:{session.pass_id}", token, via_cookie, session)

    def check_post(self, request: web.Request, caller: Caller) -> None:
        """Refuse a POST that is not JSON, or that rides on the cookie without the page's CSRF token."""
        if request.content_type != "application/json":
            raise Denied("send the body as application/json", 415)
        if caller.via_cookie and caller.token is not None:
            given = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(given.encode(), csrf_token(caller.token).encode()):
                raise Denied("missing or wrong CSRF token", 403)

    async def identity(self, caller: Caller, key: object) -> str:
        """Return KEY when the caller may act as it (claiming a new resident on first use), else raise Denied."""
        if not isinstance(key, str) or not IDENTITY.fullmatch(key.removeprefix("new:")):
            raise Denied('"as" must name an identity (see /sim/api/people) or be "new:NAME"', 400)
        async with self.app.uow() as uow:
            if NEW_RESIDENT.fullmatch(key):
                if caller.trainer is not None and not caller.trainer.allow_new:
                    raise Denied("this session may not start new residents", 403)
                if not await own_identity(uow.session, key, caller.owner, datetime.now(UTC)):
                    raise Denied(f'"{key}" belongs to another browser: start your own new resident', 403)
                await uow.commit()
                return key
            person = await uow.people.by_demo_key(key)
            if person is None:
                raise Denied(f'unknown identity "{key}"; use /sim/api/people or "new:NAME"', 400)
            if caller.trainer is not None:
                allowed = key in caller.trainer.identities
                if not allowed or await people_with_real_accounts(uow.session, [person.id]):
                    raise Denied(f'this session may not act as "{key}"', 403)
        return key

    def may_list(self, caller: Caller, key: str) -> bool:
        """Tell whether the people list shows an identity to this caller."""
        return caller.trainer is None or key in caller.trainer.identities

    def new_browser_token(self) -> str:
        """Return a fresh session token for a browser (demo mode)."""
        return new_token()


APP_KEY = web.AppKey("qungong_sim", App)
GATE_KEY = web.AppKey("qungong_sim_gate", SimulatorGate)
