"""A chat's messages leave in the order they were queued, however many wait on its limit at once."""

from __future__ import annotations

import asyncio
import time

from bot.outbox.rate_limit import Limit, RateLimiter


async def test_twenty_waiters_on_one_chat_are_served_first_come_first_served() -> None:
    limiter = RateLimiter(lambda channel: (Limit(1000, 1.0), Limit(1, 0.01)), time.monotonic)
    sent: list[int] = []

    async def send(number: int) -> None:
        await limiter.acquire("telegram:main", "chat-1")
        sent.append(number)

    await asyncio.gather(*(send(n) for n in range(20)))
    assert sent == list(range(20))
    assert limiter._queues == {}  # noqa: SLF001 - every waiter left its queue


async def test_a_cancelled_waiter_does_not_block_the_ones_behind_it() -> None:
    limiter = RateLimiter(lambda channel: (Limit(1000, 1.0), Limit(1, 0.05)), time.monotonic)
    sent: list[int] = []

    async def send(number: int) -> None:
        await limiter.acquire("telegram:main", "chat-1")
        sent.append(number)

    tasks = [asyncio.create_task(send(n)) for n in range(4)]
    await asyncio.sleep(0.01)
    tasks[1].cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert sent == [0, 2, 3]
