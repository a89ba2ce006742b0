"""The application's access token, shared by every process through the database, refreshed by one at a time.

WeChat Work hands every caller of `gettoken` the same token until it expires, but the call itself is
rate-limited, so processes should not each fetch their own. The token lives in `wecom_tokens`; a process that
finds it missing, expiring (within `margin`) or refused by the API (`stale`, after 40014/42001) takes the
row's refresh lease with one conditional UPDATE, fetches, stores, and releases it. Others meanwhile wait for
the stored token to change. Within a process an asyncio lock makes concurrent senders share one look-up.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.delivery import TemporaryFailure
from bot.dispatcher import utcnow
from storage.models.wecom import WeComToken
from storage.upsert import insert_ignoring

Fetch = Callable[[], Awaitable[tuple[str, int]]]  # → (access token, seconds it lives)
_table = cast(Table, WeComToken.__table__)


class TokenStore:
    """One application's access token, cached in memory and shared through the database."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        app_key: str,
        fetch: Fetch,
        *,
        clock: Callable[[], datetime] = utcnow,
        margin: timedelta = timedelta(minutes=5),
        lease: timedelta = timedelta(seconds=30),
        poll_seconds: float = 0.1,
    ) -> None:
        self._sessions = session_factory
        self._key = app_key
        self._fetch = fetch
        self._clock = clock
        self._margin = margin
        self._lease = lease
        self._poll = poll_seconds
        self._worker = f"{socket.gethostname()[:40]}:{uuid.uuid4().hex[:12]}"
        self._lock = asyncio.Lock()
        self._cached: tuple[str, datetime] | None = None
        self.fetches = 0  # how many times this process fetched a token (for tests and logs)

    def _usable(self, token: str | None, expires_at: datetime | None, stale: str | None) -> bool:
        """Tell whether a token may be used now: present, not the refused one, not about to expire."""
        return bool(token) and token != stale and expires_at is not None and expires_at - self._clock() > self._margin

    async def token(self, stale: str | None = None) -> str:
        """Return a usable token; STALE is one the API just refused, which is never returned again."""
        async with self._lock:
            if self._cached is not None and self._usable(*self._cached, stale):
                return self._cached[0]
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self._lease.total_seconds() + 5
            while True:
                row = await self._read()
                if row is not None and self._usable(row.access_token, row.expires_at, stale):
                    self._cached = (str(row.access_token), row.expires_at)
                    return str(row.access_token)
                if await self._take_lease(stale):
                    return await self._refresh()
                if loop.time() > deadline:
                    raise TemporaryFailure("wecom: another process has been refreshing the access token for too long")
                await asyncio.sleep(self._poll)

    async def _read(self) -> Any:
        """Return the stored token row, or None."""
        async with self._sessions() as session:
            return (await session.execute(select(_table.c.access_token, _table.c.expires_at).where(_table.c.app_key == self._key))).first()

    async def _take_lease(self, stale: str | None) -> bool:
        """Take the refresh lease unless another process holds it or the stored token is fine after all."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            await insert_ignoring(session, _table, {"app_key": self._key, "updated_at": now}, ["app_key"])
            needs_refresh = or_(
                _table.c.access_token.is_(None),
                _table.c.expires_at.is_(None),
                _table.c.expires_at <= now + self._margin,
                _table.c.access_token == (stale or ""),
            )
            stmt = (
                update(_table)
                .where(_table.c.app_key == self._key, or_(_table.c.refreshing_until.is_(None), _table.c.refreshing_until < now), needs_refresh)
                .values(refreshing_by=self._worker, refreshing_until=now + self._lease)
            )
            return bool(getattr(await session.execute(stmt), "rowcount", 0) == 1)

    async def _refresh(self) -> str:
        """Fetch a token under the lease, store it for every process, and release the lease."""
        mine = (_table.c.app_key == self._key) & (_table.c.refreshing_by == self._worker)
        try:
            token, lifetime = await self._fetch()
        except BaseException:
            async with self._sessions() as session, session.begin():
                await session.execute(update(_table).where(mine).values(refreshing_by=None, refreshing_until=None))
            raise
        self.fetches += 1
        now = self._clock()
        expires_at = now + timedelta(seconds=lifetime)
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(_table).where(mine).values(access_token=token, expires_at=expires_at, refreshing_by=None, refreshing_until=None, updated_at=now)
            )
        self._cached = (token, expires_at)
        return token
