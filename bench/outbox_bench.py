"""Benchmark the outbox sender against a fake platform that allows 30 messages a second (run by hand).

    .venv/bin/python bench/outbox_bench.py --messages 900
    .venv/bin/python bench/outbox_bench.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres

The fake platform answers after --latency seconds and refuses (429, retry_after 1 s) any message
that would make more than 30 in a sliding second or more than one per chat per second.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import deque
from datetime import UTC, datetime

from scratch import scratch_database  # bench/scratch.py, beside this script

from bot.channels.delivery import TemporaryFailure
from bot.outbox.sender import OutboxSender
from bot.outbox.settings import OutboxSection
from handlers.messages import Outbound
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.outbox import counts
from storage.repositories import OutboxRepository


class FakeTelegram:
    """A platform with Telegram's limits that counts what it accepted and refused."""

    name = "telegram:main"

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.accepted: deque[float] = deque()
        self.per_chat: dict[str, float] = {}
        self.sent = 0
        self.refused = 0

    async def send(self, chat_id: str, message: Outbound) -> None:
        """Accept a message unless it breaks a limit; answer after the latency."""
        now = time.monotonic()
        while self.accepted and self.accepted[0] <= now - 1.0:
            self.accepted.popleft()
        if len(self.accepted) >= 30 or now - self.per_chat.get(chat_id, -10.0) < 1.0:
            self.refused += 1
            await asyncio.sleep(self.latency)
            raise TemporaryFailure("429 Too Many Requests", retry_after=1.0)
        self.accepted.append(now)
        self.per_chat[chat_id] = now
        self.sent += 1
        await asyncio.sleep(self.latency)


async def run(url: str, messages: int, chats: int, latency: float) -> None:
    """Queue MESSAGES rows to CHATS chats, then drain them and report the rate."""
    async with scratch_database(url, "outbox.db") as scratch_url:
        await _measure(scratch_url, messages, chats, latency)


async def _measure(url: str, messages: int, chats: int, latency: float) -> None:
    """Fill the outbox, drain it against the limited fake platform, and print the rate."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        factory = create_session_factory(engine)
        now = datetime.now(UTC)
        async with factory() as session, session.begin():
            outbox = OutboxRepository(session)
            for i in range(messages):
                await outbox.enqueue(f"b{i}", "bench", {"text": f"消息 {i}"}, now, channel="telegram:main", chat_id=f"chat{i % chats}")
        platform = FakeTelegram(latency)
        sender = OutboxSender(factory, {"telegram:main": platform}, OutboxSection(batch=200, concurrency=32))
        started = time.monotonic()
        while platform.sent < messages and time.monotonic() - started < 600:
            if await sender.drain_once() == 0:
                await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
        async with factory() as session:
            status = await counts(session)
        rate = platform.sent / elapsed
        print(f"{platform.sent} messages to {chats} chats in {elapsed:.1f} s: {rate:.2f} msg/s "
              f"({rate / 30:.1%} of the 30 msg/s limit), {platform.refused} refused (429); outbox {status} "
              f"[{engine.dialect.name}, latency {latency * 1000:.0f} ms]")
    finally:
        await engine.dispose()


def main() -> None:
    """Parse the arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="sqlite", help='"sqlite" or a postgresql+asyncpg:// URL')
    parser.add_argument("--messages", type=int, default=900)
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.05, help="platform answer time, seconds")
    args = parser.parse_args()
    asyncio.run(run(args.url, args.messages, args.chats, args.latency))


if __name__ == "__main__":
    main()
