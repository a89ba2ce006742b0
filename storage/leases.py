"""Named leases: one process at a time holds a lead (the scheduler's) and keeps it by renewing it before it
expires; when its holder dies, the lease runs out and another process takes it over."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models.runtime import Lease
from storage.upsert import insert_for


async def try_lead(session_factory: async_sessionmaker[AsyncSession], name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease NAME for HOLDER until NOW + TTL; return whether HOLDER holds it."""
    table = cast(Table, Lease.__table__)
    async with session_factory() as session, session.begin():
        insert = insert_for(session, table).values(name=name, holder=holder, expires_at=now + ttl)
        statement = insert.on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": insert.excluded.holder, "expires_at": insert.excluded.expires_at},
            where=(table.c.holder == holder) | (table.c.expires_at < now),
        ).returning(table.c.holder)
        taken = (await session.execute(statement)).first()
    return taken is not None and taken.holder == holder


async def release(session_factory: async_sessionmaker[AsyncSession], name: str, holder: str) -> None:
    """Give up the lease NAME if HOLDER holds it (on a clean stop, so another process takes over at once)."""
    async with session_factory() as session, session.begin():
        await session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


async def holder_of(session: AsyncSession, name: str, now: datetime) -> tuple[str, datetime] | None:
    """Return who holds the lease NAME and until when, or None when nobody does."""
    found = (await session.execute(select(Lease.holder, Lease.expires_at).where(Lease.name == name))).first()
    if found is None or found.expires_at < now:
        return None
    return str(found.holder), found.expires_at
