"""Send-rate windows shared by every process of a deployment: in Redis through the `limits` library (a
moving window per key), or in PostgreSQL (storage.rate_windows). Which one is chosen by `[limits] url`
and the database; see `windows_for`.

The `limits` library counts whole seconds, so a limit such as 30 messages in 1.02 s (30 a second with a
safety margin) is kept as the nearest whole-second window with the rate rounded down: 29 a second.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable

import coredis
from limits import RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbox.rate_limit import Limit, MemoryWindows, Windows
from bot.outbox.settings import LOCAL
from storage import rate_windows

PRUNE_EVERY = 500  # takes between two clean-ups of old hits (PostgreSQL windows)
PAUSE_PREFIX = "qungong:pause:"


def whole_seconds(limit: Limit) -> tuple[int, int]:
    """Return (count, seconds) of the whole-second window nearest LIMIT that never lets more through."""
    seconds = max(1, round(limit.period))
    return max(1, math.floor(limit.count * seconds / limit.period)), seconds


class RedisWindows:
    """Moving windows and pauses in Redis, shared by every process that uses the same server."""

    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        self._pools = (coredis.ConnectionPool.from_url(url), coredis.ConnectionPool.from_url(url, decode_responses=True))
        self.storage = RedisStorage(url, key_prefix="qungong", connection_pool=self._pools[0])  # type: ignore[arg-type]  # passed on to coredis
        self.strategy = MovingWindowRateLimiter(self.storage)
        self.client: coredis.Redis[str] = coredis.Redis(connection_pool=self._pools[1], decode_responses=True)  # for the pauses
        self.clock = clock

    async def close(self) -> None:
        """Close the connections to Redis."""
        for pool in self._pools:
            pool.disconnect()

    async def take(self, key: str, limit: Limit) -> float:
        """Take a slot of KEY's window and return 0, or return the wait until one frees."""
        count, seconds = whole_seconds(limit)
        item = RateLimitItemPerSecond(count, seconds)
        if await self.strategy.hit(item, key):
            return 0.0
        stats = await self.strategy.get_window_stats(item, key)
        return max(float(stats.reset_time) - self.clock(), 0.001)

    async def take_slot(self, key: str, limit: Limit) -> tuple[float, object | None]:
        """Take a slot as `take` does; the library's moving window keeps its start time (no token to restamp)."""
        return await self.take(key, limit), None

    async def restamp(self, key: str, token: object) -> None:
        """Nothing to restamp: the library's windows count each send from when it took its slot."""

    async def pause(self, key: str, seconds: float) -> None:
        """Pause KEY for SECONDS in Redis (it expires by itself)."""
        until = self.clock() + seconds
        current = await self.client.get(PAUSE_PREFIX + key)
        if current is None or float(current) < until:
            await self.client.set(PAUSE_PREFIX + key, repr(until), px=max(1, int(seconds * 1000)))

    async def paused_for(self, key: str) -> float:
        """Return how long KEY is still paused."""
        found = await self.client.get(PAUSE_PREFIX + key)
        return max(0.0, float(found) - self.clock()) if found is not None else 0.0


class DatabaseWindows:
    """Windows and pauses in the database (PostgreSQL), for deployments without Redis."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], clock: Callable[[], float] = time.time) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self._takes = itertools.count(1)

    async def take(self, key: str, limit: Limit) -> float:
        """Take a slot of KEY's window and return 0, or return the wait."""
        prune = next(self._takes) % PRUNE_EVERY == 0
        return await rate_windows.take(self.session_factory, key, limit.count, limit.period, self.clock, prune=prune)

    async def take_slot(self, key: str, limit: Limit) -> tuple[float, object | None]:
        """Take a slot and return (0, the hit's id), or return (the wait, None)."""
        prune = next(self._takes) % PRUNE_EVERY == 0
        return await rate_windows.take_slot(self.session_factory, key, limit.count, limit.period, self.clock, prune=prune)

    async def restamp(self, key: str, token: object) -> None:
        """Count the hit TOKEN from now on."""
        if isinstance(token, int):
            await rate_windows.restamp(self.session_factory, token, self.clock())  # the send's end, not the pool's wait

    async def pause(self, key: str, seconds: float) -> None:
        """Pause KEY for SECONDS."""
        await rate_windows.pause(self.session_factory, key, self.clock() + seconds)

    async def paused_for(self, key: str) -> float:
        """Return how long KEY is still paused."""
        return max(0.0, await rate_windows.paused_until(self.session_factory, key) - self.clock())

    async def close(self) -> None:
        """Nothing to close: the app's engine holds the connections."""


def windows_for(url: str, session_factory: async_sessionmaker[AsyncSession]) -> Windows:
    """Return where send limits live: Redis at URL, else the database when it is PostgreSQL, else this process
    (and always this process when URL is "local")."""
    if url == LOCAL:
        return MemoryWindows(time.monotonic)
    if url:
        return RedisWindows(url)
    bind = session_factory.kw.get("bind")
    if bind is not None and bind.dialect.name == "postgresql":
        return DatabaseWindows(session_factory)
    return MemoryWindows(time.monotonic)
