"""Per-channel rate limits: sliding one-second windows for the whole bot and for each chat.

A sliding window (the times of the last N sends) never lets more than N sends into any window
of the period, unlike a token bucket, whose burst can double the rate across a window edge.
The limits hold within one process; several senders must share the platform's limit between
them (configure each with its part).
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

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


class RateLimiter:
    """Limits per channel (whole bot) and per (channel, chat), with pauses after HTTP 429."""

    def __init__(
        self,
        limits: Callable[[str], tuple[Limit, Limit]],
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limits = limits
        self._clock = clock
        self._sleep = sleep
        self._channels: dict[str, SlidingWindow] = {}
        self._chats: dict[tuple[str, str], SlidingWindow] = {}
        self._paused: dict[str, float] = {}

    def _windows(self, channel: str, chat_id: str) -> tuple[SlidingWindow, SlidingWindow]:
        """Return the channel's and the chat's windows, creating them on first use."""
        if channel not in self._channels:
            self._channels[channel] = SlidingWindow(self._limits(channel)[0])
        key = (channel, chat_id)
        if key not in self._chats:
            if len(self._chats) >= MAX_CHAT_WINDOWS:
                self._forget_idle()
            self._chats[key] = SlidingWindow(self._limits(channel)[1])
        return self._channels[channel], self._chats[key]

    def _forget_idle(self) -> None:
        """Drop chat windows with no send inside their period."""
        now = self._clock()
        for key, window in list(self._chats.items()):
            if window.wait(now) == 0.0 and not window.times:
                del self._chats[key]

    def try_acquire(self, channel: str, chat_id: str) -> float:
        """Take a send slot now and return 0, or return how long to wait first."""
        now = self._clock()
        bot, chat = self._windows(channel, chat_id)
        delay = max(bot.wait(now), chat.wait(now), self._paused.get(channel, 0.0) - now)
        if delay > 0:
            return delay
        bot.record(now)
        chat.record(now)
        return 0.0

    async def acquire(self, channel: str, chat_id: str) -> None:
        """Wait until a message may be sent to CHAT_ID on CHANNEL, and take the slot."""
        while (delay := self.try_acquire(channel, chat_id)) > 0:
            await self._sleep(delay)

    def pause(self, channel: str, seconds: float) -> None:
        """Send nothing more on CHANNEL for SECONDS (the platform's retry_after)."""
        until = self._clock() + seconds
        self._paused[channel] = max(self._paused.get(channel, 0.0), until)
