"""Per-channel rate limits: sliding windows for the whole bot and for each chat, and pauses after HTTP 429.

A sliding window (the times of the last N sends) never lets more than N sends into any window of the
period, unlike a token bucket, whose burst can double the rate across a window edge. Where the windows
live decides who shares them: `MemoryWindows` hold within one process; `bot.outbox.shared_windows`
keeps them in Redis (the `limits` library) or PostgreSQL, so every sender process of a deployment, and
every worker's direct replies, share one bot's limit and one retry_after.

Waiters for one chat are served first come, first served: each takes a place in the chat's queue
and tries for a slot only at its head, so a chat's messages leave in the order they were asked for
(the steps of a conversation are never shuffled).
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

MAX_CHAT_WINDOWS = 10_000  # forget idle chats' windows beyond this many


@dataclass(frozen=True)
class Limit:
    """At most `count` sends in any `period` seconds."""

    count: int
    period: float

    @classmethod
    def per_second(cls, rate: float, margin: float = 0.0, burst: int = 0) -> Limit:
        """Return the window for RATE messages a second (fractions allowed), widened by MARGIN seconds.

        BURST sends may go at once, in a window of BURST / RATE seconds (0: one second's worth).
        """
        count = burst if burst > 0 else max(1, math.floor(rate))
        return cls(count, count / rate + margin)


class SlidingWindow:
    """The times of recent sends under one limit."""

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self.times: deque[float] = deque()

    def wait(self, now: float) -> float:
        """Return how long to wait before the next send is allowed (0: now)."""
        while self.times and self.times[0] <= now - self.limit.period:
            self.times.popleft()
        if len(self.times) < self.limit.count:
            return 0.0
        return self.times[0] + self.limit.period - now

    def record(self, now: float) -> None:
        """Record a send at NOW."""
        self.times.append(now)


class Windows(Protocol):
    """Where the windows and pauses of a limiter live (this process, Redis, PostgreSQL)."""

    async def take(self, key: str, limit: Limit) -> float:
        """Take a slot of KEY's window under LIMIT and return 0, or return how long to wait (taking none)."""

    async def pause(self, key: str, seconds: float) -> None:
        """Let nothing through KEY for SECONDS (a platform's retry_after)."""

    async def paused_for(self, key: str) -> float:
        """Return how long KEY is still paused (0: not)."""

    async def close(self) -> None:
        """Release what the windows hold open (connections)."""


class MemoryWindows:
    """Windows and pauses in this process only."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.windows: dict[str, SlidingWindow] = {}
        self.paused: dict[str, float] = {}

    def window(self, key: str, limit: Limit) -> SlidingWindow:
        """Return KEY's window, creating it (and forgetting idle ones beyond MAX_CHAT_WINDOWS) on first use."""
        found = self.windows.get(key)
        if found is None:
            if len(self.windows) >= MAX_CHAT_WINDOWS:
                self._forget_idle()
            found = self.windows[key] = SlidingWindow(limit)
        return found

    def _forget_idle(self) -> None:
        """Drop windows with no send inside their period."""
        now = self.clock()
        for key, window in list(self.windows.items()):
            if window.wait(now) == 0.0 and not window.times:
                del self.windows[key]

    async def take(self, key: str, limit: Limit) -> float:
        """Take a slot now and return 0, or return how long to wait."""
        now = self.clock()
        window = self.window(key, limit)
        delay = window.wait(now)
        if delay <= 0:
            window.record(now)
        return max(delay, 0.0)

    async def pause(self, key: str, seconds: float) -> None:
        """Pause KEY for SECONDS (a longer pause already set stays)."""
        self.paused[key] = max(self.paused.get(key, 0.0), self.clock() + seconds)

    async def paused_for(self, key: str) -> float:
        """Return how long KEY is still paused."""
        return max(0.0, self.paused.get(key, 0.0) - self.clock())

    async def close(self) -> None:
        """Nothing to close."""


class RateLimiter:
    """Limits per channel (whole bot) and per (channel, chat), with pauses after HTTP 429, in some Windows."""

    def __init__(
        self,
        limits: Callable[[str], tuple[Limit, Limit]],
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        windows: Windows | None = None,
    ) -> None:
        self._limits = limits
        self._sleep = sleep
        self._memory = MemoryWindows(clock)
        self._windows: Windows = windows or self._memory
        self._queues: dict[tuple[str, str], deque[asyncio.Future[None]]] = {}

    def try_acquire(self, channel: str, chat_id: str) -> float:
        """In-process windows only: take the bot's and the chat's slot together now and return 0, or the wait."""
        memory = self._memory
        now = memory.clock()
        bot_limit, chat_limit = self._limits(channel)
        bot, chat = memory.window(f"bot:{channel}", bot_limit), memory.window(f"chat:{channel}:{chat_id}", chat_limit)
        delay = max(bot.wait(now), chat.wait(now), memory.paused.get(f"pause:{channel}", 0.0) - now)
        if delay > 0:
            return delay
        bot.record(now)
        chat.record(now)
        return 0.0

    async def _attempt(self, channel: str, chat_id: str) -> float:
        """Try once for a slot under the channel's pause, the bot's window and the chat's; return the wait (0: taken)."""
        if self._windows is self._memory:
            return self.try_acquire(channel, chat_id)
        paused = await self._windows.paused_for(f"pause:{channel}")
        if paused > 0:
            return paused
        bot_limit, chat_limit = self._limits(channel)
        wait = await self._windows.take(f"bot:{channel}", bot_limit)
        if wait > 0:
            return wait
        # The bot's slot is taken first: a chat over its own limit wastes one, which only slows us down.
        return await self._windows.take(f"chat:{channel}:{chat_id}", chat_limit)

    async def acquire(self, channel: str, chat_id: str) -> None:
        """Wait (behind earlier waiters for the same chat) until a message may be sent to CHAT_ID on CHANNEL, and take the slot."""
        key = (channel, chat_id)
        queue = self._queues.setdefault(key, deque())
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.append(turn)
        if len(queue) == 1:
            turn.set_result(None)
        try:
            await turn
            while (delay := await self._attempt(channel, chat_id)) > 0:
                await self._sleep(delay)
        finally:
            self._leave(key, turn)

    def _leave(self, key: tuple[str, str], turn: asyncio.Future[None]) -> None:
        """Take a waiter out of its chat's queue (served or cancelled) and let the next one try."""
        queue = self._queues[key]
        was_head = queue[0] is turn
        queue.remove(turn)
        if not queue:
            del self._queues[key]
        elif was_head and not queue[0].done():
            queue[0].set_result(None)

    async def close(self) -> None:
        """Close the shared windows' connections."""
        await self._windows.close()

    async def pause(self, channel: str, seconds: float) -> None:
        """Send nothing more on CHANNEL for SECONDS (the platform's retry_after), in every process sharing the windows."""
        await self._memory.pause(f"pause:{channel}", seconds)
        if self._windows is not self._memory:
            await self._windows.pause(f"pause:{channel}", seconds)
