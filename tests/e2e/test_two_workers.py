"""Two `qungong run` processes on one PostgreSQL database: a burst to the same chats through both never
loses a message. Each of 10 chats gets 100 messages at once in 10 streams (stream k sends messages
k, k+10, k+20, … one after another; even streams go through one worker, odd ones through the other);
afterwards every message is in the chat's report draft exactly once, and each stream's messages are
in the order they were sent. Both workers keep changing the same conversations, so they keep
meeting each other's saves (version conflicts)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.e2e.conftest import assert_clean, database
from tests.e2e.process import Server
from tests.e2e.simclient import ApiError, SimClient

CHATS, MESSAGES, STREAMS = 10, 100, 10


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[tuple[Server, Server, str]]:
    """Two running apps on one fresh PostgreSQL database (the first one loads the demo district)."""
    with database("postgresql", tmp_path) as url:
        first = Server(tmp_path, url, name="worker-1").start()
        try:
            second = Server(tmp_path, url, name="worker-2").start()
            try:
                yield first, second, url
            finally:
                second.stop()
        finally:
            first.stop()


def _send_until_handled(sim: SimClient, chat: str, number: int) -> int:
    """Send one message, sending it again (same id) while the worker answers 503; return how many 503s."""
    busy = 0
    while True:
        try:
            sim.send(chat, text=f"m{number:03d}", id=f"{chat[4:]}-{number}")
            return busy
        except ApiError as exc:
            if exc.status != 503:
                raise
            busy += 1
            time.sleep(0.05)


def _stream(sim: SimClient, chat: str, numbers: range) -> int:
    """Send a chat's messages in order through one worker; return the 503s met."""
    return sum(_send_until_handled(sim, chat, n) for n in numbers)


async def _drafts(url: str, chats: list[str]) -> dict[str, Any]:
    """Return each chat's stored report draft."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT chat_id, data FROM conversations WHERE channel = 'sim'"))).all()
    finally:
        await engine.dispose()
    return {chat_id: data for chat_id, data in rows if chat_id in chats}


@pytest.mark.postgres
def test_a_burst_through_two_workers_is_applied_once_and_in_order(two_workers: tuple[Server, Server, str]) -> None:
    first, second, url = two_workers
    sims = (SimClient(first.base), SimClient(second.base))
    chats = [f"new:burst-{i}" for i in range(CHATS)]
    for chat in chats:
        sims[0].say(chat, "我要反映")
        sims[1].press(chat, "投诉", among=sims[0].last[chat])
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=STREAMS * CHATS) as pool:
        futures = [
            pool.submit(_stream, sims[k % 2], chat, range(k + 1, MESSAGES + 1, STREAMS)) for chat in chats for k in range(STREAMS)
        ]
        busy = sum(f.result() for f in futures)
    elapsed = time.monotonic() - started
    drafts = asyncio.run(_drafts(url, chats))
    applied = 0
    for chat in chats:
        parts = drafts[chat]["parts"]
        numbers = [int(p[1:]) for p in parts]
        assert sorted(numbers) == list(range(1, MESSAGES + 1)), f"{chat}: {numbers}"
        for k in range(STREAMS):
            assert [n for n in numbers if (n - 1) % STREAMS == k] == list(range(k + 1, MESSAGES + 1, STREAMS)), f"{chat}: {numbers}"
        applied += len(numbers)
    conflicts = sum(server.log().count("conflict handling") for server in (first, second))
    print(f"two workers: {applied} of {CHATS * MESSAGES} messages applied once, in order, in {elapsed:.1f} s; "
          f"{conflicts} version conflicts retried, {busy} answered 503 and were sent again")
    for server in (first, second):
        assert_clean(server)
