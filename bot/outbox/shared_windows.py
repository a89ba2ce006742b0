"""Send-rate windows shared by every process of a deployment: in Redis (a sorted set per key, kept by two
short server-side scripts) or in PostgreSQL (storage.rate_windows). Which one is chosen by `[limits] url`
and the database; see `windows_for`.

Both count a send from when it ended (`restamp`), not from when it took its slot: the platform saw it
somewhere in between, so no window of the platform's ever holds more than the limit, however long the
request took on a busy machine. (The `limits` library's moving window, used before, can only count from the
start; under load that let 429s through. It still keeps the Open311 API's per-key limits.)
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import cast

import coredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbox.rate_limit import Limit, MemoryWindows, Windows
from bot.outbox.settings import LOCAL
from storage import rate_windows

PRUNE_EVERY = 500  # takes between two clean-ups of old hits (PostgreSQL windows)
PAUSE_PREFIX = "qungong:pause:"
WINDOW_PREFIX = "qungong:window:"


# A moving window as a sorted set of sends scored by time (the Redis server's clock, so machines' clocks don't
# matter): drop what left the window, count, and add this send if there is room; else answer the wait.
TAKE = """
local now = redis.call('TIME')
local at = tonumber(now[1]) + tonumber(now[2]) / 1000000
local period, count = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', at - period)
if redis.call('ZCARD', KEYS[1]) < count then
  local member = tostring(redis.call('INCR', KEYS[2]))
  redis.call('ZADD', KEYS[1], at, member)
  redis.call('PEXPIRE', KEYS[1], math.ceil(period * 1000) + 60000)
  redis.call('PEXPIRE', KEYS[2], math.ceil(period * 1000) + 60000)
  return {member, '0'}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {'', tostring(tonumber(oldest[2]) + period - at)}
"""
# A send has ended: its member counts from now (never earlier; put back if it had already left the window).
RESTAMP = """
local now = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'GT', tonumber(now[1]) + tonumber(now[2]) / 1000000, ARGV[1])
"""


class RedisWindows:
    """Moving windows and pauses in Redis, shared by every process that uses the same server."""

    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        self._pool = coredis.ConnectionPool.from_url(url, decode_responses=True)
        self.client: coredis.Redis[str] = coredis.Redis(connection_pool=self._pool, decode_responses=True)
        self._take = self.client.register_script(TAKE)
        self._restamp = self.client.register_script(RESTAMP)
        self.clock = clock

    async def close(self) -> None:
        """Close the connections to Redis."""
        self._pool.disconnect()

    async def take(self, key: str, limit: Limit) -> float:
        """Take a slot of KEY's window and return 0, or return the wait until one frees."""
        return (await self.take_slot(key, limit))[0]

    async def take_slot(self, key: str, limit: Limit) -> tuple[float, object | None]:
        """Take a slot and return (0, its member), or return (the wait, None)."""
        member, wait = cast(list[str], await self._take(keys=[WINDOW_PREFIX + key, WINDOW_PREFIX + key + ":seq"], args=[repr(limit.period), str(limit.count)]))
        return (0.0, member) if member else (max(float(wait), 0.001), None)

    async def restamp(self, key: str, token: object) -> None:
        """Count the send of TOKEN from now on."""
        if isinstance(token, str):
            await self._restamp(keys=[WINDOW_PREFIX + key], args=[token])

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
