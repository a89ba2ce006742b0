"""Per-channel rate limits: sliding windows for the whole bot and for each chat, and pauses after HTTP 429.

A sliding window (the times of the last N sends) never lets more than N sends into any window of the
period, unlike a token bucket, whose burst can double the rate across a window edge. Where the windows
live decides who shares them: `MemoryWindows` hold within one process; `bot.outbox.shared_windows`
keeps them in Redis or PostgreSQL, so every sender process of a deployment, and
every worker's direct replies, share one bot's limit and one retry_after.

Waiters for one chat are served first come, first served: each takes a place in the chat's queue
and tries for a slot only at its head, so a chat's messages leave in the order they were asked for
(the steps of a conversation are never shuffled).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
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
    """The times of recent sends under one limit, each restampable when its send ends."""

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self.times: dict[int, float] = {}  # token -> the time its slot counts from
        self._tokens = itertools.count()

    def wait(self, now: float) -> float:
        """Return how long to wait before the next send is allowed (0: now)."""
        horizon = now - self.limit.period
        for token in [token for token, at in self.times.items() if at <= horizon]:
            del self.times[token]
        if len(self.times) < self.limit.count:
            return 0.0
        return min(self.times.values()) + self.limit.period - now

    def record(self, now: float) -> int:
        """Record a send at NOW and return its token."""
        token = next(self._tokens)
        self.times[token] = now
        return token

    def restamp(self, token: int, now: float) -> None:
        """Count the send of TOKEN from NOW (it has ended): its slot frees one period after the platform saw it."""
        self.times[token] = max(self.times.get(token, now), now)


class Windows(Protocol):
    """Where the windows and pauses of a limiter live (this process, Redis, PostgreSQL)."""

    async def take(self, key: str, limit: Limit) -> float:
        """Take a slot of KEY's window under LIMIT and return 0, or return how long to wait (taking none)."""

    async def take_slot(self, key: str, limit: Limit) -> tuple[float, object | None]:
        """Like `take`, and return with it a token for `restamp` (None when the store cannot restamp)."""

    async def restamp(self, key: str, token: object) -> None:
        """Count the slot of TOKEN from now on: its send has ended."""

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
        return (await self.take_slot(key, limit))[0]

    async def take_slot(self, key: str, limit: Limit) -> tuple[float, object | None]:
        """Take a slot now and return (0, its token), or return (the wait, None)."""
        now = self.clock()
        window = self.window(key, limit)
        delay = window.wait(now)
        if delay > 0:
            return delay, None
        return 0.0, window.record(now)

    async def restamp(self, key: str, token: object) -> None:
        """Count TOKEN's slot from now on."""
        window = self.windows.get(key)
        if window is not None and isinstance(token, int):
            window.restamp(token, self.clock())

    async def pause(self, key: str, seconds: float) -> None:
        """Pause KEY for SECONDS (a longer pause already set stays)."""
        self.paused[key] = max(self.paused.get(key, 0.0), self.clock() + seconds)

    async def paused_for(self, key: str) -> float:
        """Return how long KEY is still paused."""
        return max(0.0, self.paused.get(key, 0.0) - self.clock())

    async def close(self) -> None:
        """Nothing to close."""


@dataclass
class Slot:
    """The window slots one send took: (windows, key, token) each, restamped when the send ends."""

    taken: list[tuple[Windows, str, object]] = field(default_factory=list)


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
        self._bot_locks: dict[str, asyncio.Lock] = {}

    def try_acquire(self, channel: str, chat_id: str, slot: Slot | None = None) -> float:
        """In-process windows only: take the bot's and the chat's slot together now and return 0, or the wait."""
        memory = self._memory
        now = memory.clock()
        bot_limit, chat_limit = self._limits(channel)
        bot_key, chat_key = f"bot:{channel}", f"chat:{channel}:{chat_id}"
        bot, chat = memory.window(bot_key, bot_limit), memory.window(chat_key, chat_limit)
        delay = max(bot.wait(now), chat.wait(now), memory.paused.get(f"pause:{channel}", 0.0) - now)
        if delay > 0:
            return delay
        taken = [(memory, bot_key, bot.record(now)), (memory, chat_key, chat.record(now))]
        if slot is not None:
            slot.taken.extend(taken)
        return 0.0

    async def _attempt_shared(self, channel: str, chat_id: str, slot: Slot) -> float:
        """Wait for the channel's pause and the bot's shared window, then try the chat's; return the chat's wait (0: taken).

        One waiter of this process at a time asks the shared bot window (the others queue on a lock), so a full
        window is polled by one waiter per process, not by every message in flight: fewer round trips, and the
        event loop stays free to send the messages that got their slot at once.
        """
        lock = self._bot_locks.setdefault(channel, asyncio.Lock())
        bot_limit, chat_limit = self._limits(channel)
        bot_key, chat_key = f"bot:{channel}", f"chat:{channel}:{chat_id}"
        async with lock:
            while (paused := await self._windows.paused_for(f"pause:{channel}")) > 0:
                await self._sleep(paused)
            while (wait := await self._windows.take_slot(bot_key, bot_limit))[0] > 0:
                await self._sleep(wait[0])
        # The bot's slot is taken first: a chat over its own limit wastes one, which only slows us down.
        chat_wait, chat_token = await self._windows.take_slot(chat_key, chat_limit)
        if chat_wait > 0:
            return chat_wait
        slot.taken.extend((self._windows, key, token) for key, token in ((bot_key, wait[1]), (chat_key, chat_token)) if token is not None)
        return 0.0

    async def _attempt(self, channel: str, chat_id: str, slot: Slot) -> float:
        """Try once for a slot under the channel's pause, the bot's window and the chat's; return the wait (0: taken)."""
        if self._windows is self._memory:
            return self.try_acquire(channel, chat_id, slot)
        return await self._attempt_shared(channel, chat_id, slot)

    async def acquire(self, channel: str, chat_id: str) -> Slot:
        """Wait (behind earlier waiters for the same chat) until a message may be sent to CHAT_ID on CHANNEL, and take the slot."""
        key = (channel, chat_id)
        queue = self._queues.setdefault(key, deque())
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.append(turn)
        if len(queue) == 1:
            turn.set_result(None)
        slot = Slot()
        try:
            await turn
            while (delay := await self._attempt(channel, chat_id, slot)) > 0:
                await self._sleep(delay)
        finally:
            self._leave(key, turn)
        return slot

    async def sent(self, slot: Slot) -> None:
        """Tell the windows that the send of SLOT has ended: its slots count from now.

        The platform saw the message somewhere between taking the slot and the end of the request; counting
        from the end means no window of the platform's ever sees more than the limit, however the request was
        delayed on its way (a busy machine, a slow network).
        """
        await asyncio.gather(*(windows.restamp(key, token) for windows, key, token in slot.taken))

    @contextlib.asynccontextmanager
    async def pace(self, channel: str, chat_id: str) -> AsyncIterator[None]:
        """Hold a slot to CHAT_ID on CHANNEL for the send inside the block (waiting for it first)."""
        slot = await self.acquire(channel, chat_id)
        try:
            yield
        finally:
            await self.sent(slot)

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
