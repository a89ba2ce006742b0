"""Web-simulator access in the database: trainers' passes (a one-time link, then a session) and the
owners of new simulator identities.

Codes and session tokens are random and stored only as SHA-256 hashes, like staff invites. A pass
lets its holder act as the people it names, which must be training people: people with no account on
a real channel (Telegram, WeChat), so a trainer can never act as real staff of a live district.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.access import SimOwner, SimPass
from storage.models.people import ChannelAccount, Person
from storage.upsert import insert_ignoring

SIMULATOR_CHANNEL = "sim"
CODE_BYTES = 18  # 24 URL-safe characters
TOKEN_BYTES = 32


class PassError(Exception):
    """A pass that cannot be issued or redeemed; the message says why."""


@dataclass(frozen=True)
class IssuedPass:
    """A freshly issued link code (shown once) and when the link expires."""

    code: str
    expires_at: datetime


@dataclass(frozen=True)
class TrainerSession:
    """A redeemed pass: who holds it, as whom they may act, and until when."""

    pass_id: int
    person_id: int
    identities: frozenset[str]
    allow_new: bool
    expires_at: datetime


def token_hash(token: str) -> str:
    """Return the stored hash of a code or session token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token(size: int = TOKEN_BYTES) -> str:
    """Return a random URL-safe token."""
    return secrets.token_urlsafe(size)


async def people_with_real_accounts(session: AsyncSession, person_ids: Collection[int]) -> set[int]:
    """Return which of these people have an account on a channel other than the simulator."""
    if not person_ids:
        return set()
    query = select(ChannelAccount.person_id).where(
        ChannelAccount.person_id.in_(list(person_ids)), ChannelAccount.channel != SIMULATOR_CHANNEL
    )
    return {int(p) for p in (await session.scalars(query)).all()}


async def issue_pass(
    session: AsyncSession,
    holder: Person,
    identities: Collection[str],
    now: datetime,
    lifetime: timedelta,
    *,
    allow_new: bool = False,
) -> IssuedPass:
    """Create a one-time link for HOLDER to act as IDENTITIES (simulator keys of training people)."""
    keys = sorted(set(identities))
    people = (await session.scalars(select(Person).where(Person.demo_key.in_(keys)))).all() if keys else []
    unknown = sorted(set(keys) - {p.demo_key for p in people})
    if unknown:
        raise PassError(f"no simulator identity {', '.join(unknown)} (see `qungong people list` or /sim/api/people in demo mode)")
    real = await people_with_real_accounts(session, [p.id for p in people])
    if real:
        names = ", ".join(sorted(str(p.demo_key) for p in people if p.id in real))
        raise PassError(f"{names} use a real channel: the simulator may only act as training people")
    if not keys and not allow_new:
        raise PassError("name the identities the trainer may act as (--as KEY), or allow new residents (--allow-new)")
    code = new_token(CODE_BYTES)
    session.add(
        SimPass(
            code_hash=token_hash(code),
            person_id=holder.id,
            identities=keys,
            allow_new=allow_new,
            created_at=now,
            link_expires_at=now + lifetime,
        )
    )
    await session.flush()
    return IssuedPass(code, now + lifetime)


async def redeem_pass(session: AsyncSession, code: str, now: datetime, lifetime: timedelta) -> tuple[str, TrainerSession]:
    """Turn a link code into a session token, once and before the link expires."""
    token = new_token()
    stmt = (
        update(SimPass)
        .where(SimPass.code_hash == token_hash(code), SimPass.redeemed_at.is_(None), SimPass.link_expires_at > now)
        .values(redeemed_at=now, session_hash=token_hash(token), session_expires_at=now + lifetime)
        .returning(SimPass.id, SimPass.person_id, SimPass.identities, SimPass.allow_new)
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        raise PassError("this link is unknown, used already or expired: ask the administrator for a new one")
    return token, TrainerSession(row.id, row.person_id, frozenset(row.identities or ()), bool(row.allow_new), now + lifetime)


async def trainer_session(session: AsyncSession, token: str, now: datetime) -> TrainerSession | None:
    """Return the live session a token opens, or None."""
    query = select(SimPass).where(SimPass.session_hash == token_hash(token), SimPass.session_expires_at > now)
    found = (await session.scalars(query)).first()
    if found is None or found.session_expires_at is None:
        return None
    return TrainerSession(found.id, found.person_id, frozenset(found.identities or ()), found.allow_new, found.session_expires_at)


async def own_identity(session: AsyncSession, key: str, owner: str, now: datetime) -> bool:
    """Claim a new identity for OWNER on first use; return whether OWNER owns it."""
    await insert_ignoring(session, SimOwner.__table__, {"key": key, "owner": owner, "created_at": now}, ("key",))
    return await session.scalar(select(SimOwner.owner).where(SimOwner.key == key)) == owner


async def owned_identities(session: AsyncSession, owner: str) -> list[str]:
    """Return the new residents (`new:NAME`) an owner created, oldest first."""
    query = select(SimOwner.key).where(SimOwner.owner == owner).order_by(SimOwner.created_at, SimOwner.key)
    return list((await session.scalars(query)).all())
