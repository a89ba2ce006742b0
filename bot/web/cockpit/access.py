"""Who is looking at the cockpit, what they may see, and the record that they saw it.

A signed-in browser carries the session cookie (HttpOnly, SameSite=Lax so a bookmark opened from
another site still works, Secure over HTTPS, path /cockpit/): a random token whose hash is stored
(storage.cockpit_access), so it cannot be forged and is ended at once on signing out. Roles are read
again on every request: someone who lost theirs gets 403 straight away. A POST must carry the page's
CSRF token (derived from the session token). A viewer bound to a street sees that street and what lies
in it; a district-wide viewer any unit. Every page shown is logged with who and what.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.app import App
from storage.cockpit_access import CockpitSession, Viewer, live_session, log_view, viewer_of
from storage.stats.directory import Directory
from storage.stats.period import Period, PeriodError, parse_period

log = logging.getLogger(__name__)
COOKIE = "qg_cockpit"
CSRF_FIELD = "csrf"
TOKEN = re.compile(r"[A-Za-z0-9_\-]{20,100}")
UNIT_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
PERIODS = ("today", "week", "month", "custom")
MAX_DAYS = 3 * 366
EARLIEST = date(2000, 1, 1)


class Refused(Exception):
    """A cockpit request that is refused: 400 (bad query), 401 (not signed in) or 403 (not allowed)."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Visit:
    """A signed-in request: the viewer, their session and its token (for the CSRF token)."""

    viewer: Viewer
    session: CockpitSession
    token: str

    @property
    def csrf(self) -> str:
        """Return the CSRF token that goes with this session."""
        return csrf_token(self.token)


def csrf_token(session_token: str) -> str:
    """Return the CSRF token of a session token."""
    return hmac.new(session_token.encode(), b"qungong-cockpit-csrf", hashlib.sha256).hexdigest()[:32]


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str, max_age: int) -> None:
    """Set the cockpit's session cookie."""
    secure = request.secure or request.headers.get("X-Forwarded-Proto", "") == "https"
    response.set_cookie(COOKIE, token, httponly=True, samesite="Lax", secure=secure, path="/cockpit/", max_age=max_age)


def clear_session_cookie(response: web.StreamResponse) -> None:
    """Remove the session cookie from the browser."""
    response.del_cookie(COOKIE, path="/cockpit/")


async def visit(app: App, request: web.Request) -> Visit:
    """Return who is asking, or raise Refused: 401 without a live session, 403 for someone without a cockpit role."""
    token = request.cookies.get(COOKIE, "")
    if not TOKEN.fullmatch(token):
        raise Refused("not signed in", 401)
    async with app.read_session_factory() as session:
        found = await live_session(session, token, datetime.now(UTC))
        viewer = await viewer_of(session, found.person_id) if found is not None else None
    if found is None:
        raise Refused("the session has expired or is unknown", 401)
    if viewer is None:
        raise Refused(f"person {found.person_id} holds no cockpit role", 403)
    return Visit(viewer, found, token)


def check_csrf(visit: Visit, given: object) -> None:
    """Refuse a POST whose CSRF token is missing or wrong."""
    if not isinstance(given, str) or not hmac.compare_digest(given.encode(), visit.csrf.encode()):
        raise Refused("missing or wrong CSRF token", 403)


async def record(app: App, visit: Visit, request: web.Request) -> None:
    """Log that this page was shown to this viewer."""
    async with app.uow() as uow:
        log_view(uow.session, visit.viewer, visit.session.pass_id, request.path, detail=request.query_string, now=datetime.now(UTC))
        await uow.commit()


def _day(text: str) -> date:
    """Parse a date from the picker, or raise Refused."""
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise Refused(f"not a date: {text[:20]!r}", 400) from exc
    if day < EARLIEST:
        raise Refused("a date too early", 400)
    return day


def period_of(request: web.Request, now: datetime, tz: ZoneInfo) -> tuple[Period, dict[str, str]]:
    """Return the period the query asks for (today, week, month or from..to, both days included) and the picker's values."""
    kind = request.query.get("period", "month")
    if kind not in PERIODS:
        raise Refused("unknown period", 400)
    local_today = now.astimezone(tz).date()
    if kind != "custom":
        return parse_period(kind, now, tz), {"period": kind}
    first = _day(request.query.get("from", ""))
    last = _day(request.query.get("to", "") or local_today.isoformat())
    if last < first or (last - first).days > MAX_DAYS:
        raise Refused(f"the period must end after it starts and last at most {MAX_DAYS} days", 400)
    try:
        period = parse_period(f"{first.isoformat()}..{(last + timedelta(days=1)).isoformat()}", now, tz)
    except PeriodError as exc:
        raise Refused(str(exc), 400) from exc
    return period, {"period": "custom", "from": first.isoformat(), "to": last.isoformat()}


def unit_of(request: web.Request, viewer: Viewer, directory: Directory) -> str | None:
    """Return the unit code the query asks to look at (None: the viewer's own scope); refuse one outside it."""
    code = request.query.get("unit", "") or viewer.unit_code
    if code is None:
        return None
    if not UNIT_CODE.fullmatch(code) or (code not in directory.by_code and code != "shequ"):
        raise Refused("unknown unit", 400)
    if viewer.unit_code is None or code == viewer.unit_code:
        return code
    own = directory.by_code.get(viewer.unit_code)
    unit = directory.by_code.get(code)
    if own is None or unit is None or own.id not in directory.ancestors(unit):
        raise Refused(f"unit {code} lies outside {viewer.unit_code}", 403)
    return code
