"""Heartbeats of the running processes (one row each, refreshed every few seconds) for `qungong status`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models.runtime import ProcessBeat
from storage.upsert import insert_for


@dataclass(frozen=True)
class ProcessInfo:
    """What `qungong status` shows of one process."""

    id: str
    role: str
    host: str
    pid: int
    started_at: datetime
    beat_at: datetime


async def beat(
    session_factory: async_sessionmaker[AsyncSession], info: ProcessInfo, now: datetime
) -> None:
    """Record that a process is alive at NOW."""
    table = cast(Table, ProcessBeat.__table__)
    async with session_factory() as session, session.begin():
        insert = insert_for(session, table).values(
            id=info.id, role=info.role, host=info.host, pid=info.pid, started_at=info.started_at, beat_at=now
        )
        await session.execute(insert.on_conflict_do_update(index_elements=["id"], set_={"beat_at": now}))


async def leave(session_factory: async_sessionmaker[AsyncSession], process_id: str) -> None:
    """Remove a process that stops cleanly."""
    async with session_factory() as session, session.begin():
        await session.execute(delete(ProcessBeat).where(ProcessBeat.id == process_id))


async def processes(session: AsyncSession) -> list[ProcessInfo]:
    """Return every process that has beaten, the most recent first."""
    rows = (await session.scalars(select(ProcessBeat).order_by(ProcessBeat.beat_at.desc()))).all()
    return [ProcessInfo(r.id, r.role, r.host, r.pid, r.started_at, r.beat_at) for r in rows]
