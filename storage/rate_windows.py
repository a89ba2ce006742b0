"""Shared send-rate windows in the database, for deployments on PostgreSQL without Redis: each send is a
row in `rate_hits`; taking a slot counts the key's rows inside the window under a transaction-level
advisory lock on the key (SQLite's single writer serialises the same statements), so no two workers can
both take the last slot. When the send has ended its row is restamped with that time (`restamp`), so a slot
frees one period after the platform saw the message, however long the request took to get there. Pauses (a platform's retry_after) are rows of `rate_pauses`. Times are Unix
seconds from the caller's clock (keep the machines' clocks synchronised)."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import cast

from sqlalchemy import Table, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models.runtime import RateHit, RatePause
from storage.upsert import insert_for

KEEP_SECONDS = 3600.0  # hits older than this are deleted now and then


def _lock_id(key: str) -> int:
    """Return a stable 32-bit advisory lock id for a key."""
    return zlib.crc32(key.encode("utf-8")) - 2**31


async def take_slot(
    session_factory: async_sessionmaker[AsyncSession], key: str, count: int, period: float, clock: Callable[[], float], *, prune: bool = False
) -> tuple[float, int | None]:
    """Take a slot of KEY's window (COUNT per PERIOD seconds): return (0, the hit's id), or (the wait, None).

    The time is read from CLOCK once the key is locked, so a taker that waited for the lock is not
    recorded as earlier than it was (which would let more through in the real second)."""
    async with session_factory() as session, session.begin():
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _lock_id(key)})
        now = clock()
        window = select(func.count(), func.min(RateHit.at)).where(RateHit.key == key, RateHit.at > now - period)
        used, oldest = (await session.execute(window)).one()
        if used >= count:
            return max(float(oldest) + period - now, 0.001), None
        hit = RateHit(key=key, at=now)
        session.add(hit)
        if prune:
            await session.execute(delete(RateHit).where(RateHit.key == key, RateHit.at < now - KEEP_SECONDS))
        await session.flush()
        return 0.0, hit.id


async def take(
    session_factory: async_sessionmaker[AsyncSession], key: str, count: int, period: float, clock: Callable[[], float], *, prune: bool = False
) -> float:
    """Take a slot of KEY's window (COUNT per PERIOD seconds) and return 0, or return the wait."""
    return (await take_slot(session_factory, key, count, period, clock, prune=prune))[0]


async def restamp(session_factory: async_sessionmaker[AsyncSession], hit_id: int, at: float) -> None:
    """Count hit HIT_ID from AT on (when its send ended), so its slot frees one period after the platform saw it."""
    async with session_factory() as session, session.begin():
        await session.execute(update(RateHit).where(RateHit.id == hit_id, RateHit.at < at).values(at=at))


async def pause(session_factory: async_sessionmaker[AsyncSession], key: str, until: float) -> None:
    """Pause KEY until UNTIL (a later pause already recorded stays)."""
    table = cast(Table, RatePause.__table__)
    async with session_factory() as session, session.begin():
        insert = insert_for(session, table).values(key=key, until=until)
        await session.execute(
            insert.on_conflict_do_update(index_elements=["key"], set_={"until": func.max(table.c.until, insert.excluded.until)})
            if session.get_bind().dialect.name == "sqlite"
            else insert.on_conflict_do_update(index_elements=["key"], set_={"until": func.greatest(table.c.until, insert.excluded.until)})
        )


async def paused_until(session_factory: async_sessionmaker[AsyncSession], key: str) -> float:
    """Return until when KEY is paused (0: never paused)."""
    async with session_factory() as session:
        found = await session.scalar(select(RatePause.until).where(RatePause.key == key))
    return float(found or 0.0)
