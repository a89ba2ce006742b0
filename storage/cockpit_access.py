"""Who may open the data cockpit (驾驶舱), and how: a personal single-use link, then a session; every page shown is logged.

No passwords: a leader, a command-center dispatcher or an administrator asks for a link in chat (or an
administrator runs `qungong cockpit link`). The link's code and the session token are random and
stored only as SHA-256 hashes, like staff invites and the simulator's passes. What a person sees is
decided by their roles each time, not by the link: a leader bound to a street (or community) sees
that unit, a district leader, the command center and administrators the whole district; only the
command center sees contacts unmasked. Residents and other staff get nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases.lifecycle import Role
from storage.models.access import CockpitPass, PageView
from storage.models.people import Person, RoleBinding, Unit
from storage.sim_access import new_token, token_hash

COCKPIT_ROLES = (Role.LEADER.value, Role.COMMAND_CENTER.value, Role.ADMIN.value)
SCOPED_KINDS = ("street", "community")
CODE_BYTES = 18  # 24 URL-safe characters
PATH_CHARS, DETAIL_CHARS = 200, 400


class CockpitDenied(Exception):
    """A person who may not use the cockpit (`link_spent` False), or a link used, expired or unknown (True)."""

    def __init__(self, reason: str, *, link_spent: bool = False) -> None:
        super().__init__(reason)
        self.link_spent = link_spent


@dataclass(frozen=True)
class Viewer:
    """Who looks at the cockpit: their person, the unit they see (None: the district) and whether contacts show."""

    person_id: int
    name: str
    unit_code: str | None
    unmasked: bool
    roles: frozenset[str]


@dataclass(frozen=True)
class IssuedLink:
    """A freshly issued link code (shown once) and when the link expires."""

    code: str
    expires_at: datetime


@dataclass(frozen=True)
class CockpitSession:
    """A redeemed link: whose it is and until when it lasts."""

    pass_id: int
    person_id: int
    expires_at: datetime


async def viewer_of(session: AsyncSession, person_id: int) -> Viewer | None:
    """Return what a person may see in the cockpit now, or None when their roles give them no cockpit."""
    person = await session.get(Person, person_id)
    if person is None:
        return None
    query = (
        select(RoleBinding.role, Unit.kind, Unit.code)
        .join(Unit, Unit.id == RoleBinding.unit_id)
        .where(RoleBinding.person_id == person_id, RoleBinding.role.in_(COCKPIT_ROLES))
        .order_by(RoleBinding.id)
    )
    rows = (await session.execute(query)).all()
    if not rows:
        return None
    roles = frozenset(str(row.role) for row in rows)
    district_wide = any(row.role != Role.LEADER.value or row.kind not in SCOPED_KINDS for row in rows)
    unit_code = None if district_wide else str(rows[0].code)
    return Viewer(person.id, person.name, unit_code, Role.COMMAND_CENTER.value in roles, roles)


async def issue_link(session: AsyncSession, person_id: int, now: datetime, lifetime: timedelta, *, via: str) -> IssuedLink:
    """Create a single-use sign-in link for a person who may use the cockpit, or raise CockpitDenied."""
    if await viewer_of(session, person_id) is None:
        raise CockpitDenied("the cockpit is for leaders, the command center and administrators")
    code = new_token(CODE_BYTES)
    session.add(CockpitPass(code_hash=token_hash(code), person_id=person_id, issued_via=via, created_at=now, link_expires_at=now + lifetime))
    await session.flush()
    return IssuedLink(code, now + lifetime)


async def redeem_link(session: AsyncSession, code: str, now: datetime, lifetime: timedelta) -> tuple[str, CockpitSession]:
    """Turn a link code into a session token: once, before the link expires, for someone who may still use the cockpit."""
    token = new_token()
    stmt = (
        update(CockpitPass)
        .where(CockpitPass.code_hash == token_hash(code), CockpitPass.redeemed_at.is_(None), CockpitPass.link_expires_at > now)
        .values(redeemed_at=now, session_hash=token_hash(token), session_expires_at=now + lifetime)
        .returning(CockpitPass.id, CockpitPass.person_id)
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        raise CockpitDenied("this link is unknown, used already or expired", link_spent=True)
    if await viewer_of(session, row.person_id) is None:
        raise CockpitDenied("the cockpit is for leaders, the command center and administrators")
    return token, CockpitSession(row.id, row.person_id, now + lifetime)


async def live_session(session: AsyncSession, token: str, now: datetime) -> CockpitSession | None:
    """Return the live session a token opens, or None."""
    query = select(CockpitPass).where(CockpitPass.session_hash == token_hash(token), CockpitPass.session_expires_at > now)
    found = (await session.scalars(query)).first()
    if found is None or found.session_expires_at is None:
        return None
    return CockpitSession(found.id, found.person_id, found.session_expires_at)


async def end_session(session: AsyncSession, pass_id: int, now: datetime) -> None:
    """End a session at once (signing out)."""
    await session.execute(update(CockpitPass).where(CockpitPass.id == pass_id).values(session_expires_at=now))


def log_view(session: AsyncSession, viewer: Viewer, pass_id: int | None, path: str, *, detail: str | None, now: datetime) -> None:
    """Record that a page of the cockpit was shown to a person (the caller commits)."""
    session.add(PageView(person_id=viewer.person_id, pass_id=pass_id, path=path[:PATH_CHARS], detail=(detail or None) and detail[:DETAIL_CHARS], at=now))
