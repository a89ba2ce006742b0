"""This process as the deployment sees it: an id, its role, and a heartbeat row refreshed every few seconds
(`qungong status` lists them; a process whose last beat is older than STALE_AFTER is gone)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.processes import ProcessInfo, beat, leave

log = logging.getLogger(__name__)
ROLES = ("all", "web", "sender", "scheduler")
BEAT_EVERY = 10.0
STALE_AFTER = timedelta(seconds=30)


def this_process(role: str) -> ProcessInfo:
    """Describe this process, with a fresh id (host:pid:random)."""
    host = socket.gethostname()[:100]
    now = datetime.now(UTC)
    return ProcessInfo(f"{host}:{os.getpid()}:{uuid.uuid4().hex[:8]}", role, host, os.getpid(), now, now)


async def heartbeat(session_factory: async_sessionmaker[AsyncSession], info: ProcessInfo, stop: asyncio.Event) -> None:
    """Beat until STOP is set, then remove this process's row."""
    try:
        while not stop.is_set():
            try:
                await beat(session_factory, info, datetime.now(UTC))
            except Exception:
                log.warning("heartbeat of %s not recorded (database unavailable?)", info.id, exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=BEAT_EVERY)
    finally:
        with contextlib.suppress(Exception):
            await leave(session_factory, info.id)
