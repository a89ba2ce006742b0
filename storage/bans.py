"""Banning a person: their messages are recorded but not handled until the ban ends, and they are told once.

The current ban is on the person's row (`banned_until`, read with every message at no extra cost);
each ban and its lifting are kept in `bans` for the record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.access import Ban
from storage.models.people import Person


def is_banned(person: Person, now: datetime) -> bool:
    """Tell whether a person is banned at NOW."""
    return person.banned_until is not None and person.banned_until > now


async def ban(session: AsyncSession, person: Person, until: datetime, *, reason: str, by_person_id: int | None, now: datetime) -> Ban:
    """Ban PERSON until UNTIL for REASON (recorded with who did it); they will be told at their next message."""
    record = Ban(person_id=person.id, until=until, reason=reason[:500], by_person_id=by_person_id, created_at=now)
    session.add(record)
    person.banned_until = until
    person.ban_told_at = None
    await session.flush()
    return record


async def unban(session: AsyncSession, person: Person, now: datetime) -> int:
    """Lift PERSON's bans now; return how many were in force."""
    result = await session.execute(
        update(Ban).where(Ban.person_id == person.id, Ban.lifted_at.is_(None), Ban.until > now).values(lifted_at=now)
    )
    person.banned_until = None
    person.ban_told_at = None
    return int(getattr(result, "rowcount", 0) or 0)
