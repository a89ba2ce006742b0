"""Send windows shared by several sender processes: in Redis (a real redis-server) and in the database."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.outbox.rate_limit import Limit, MemoryWindows, RateLimiter, Windows
from bot.outbox.shared_windows import DatabaseWindows, RedisWindows, windows_for
from storage.models.runtime import RateHit


def _free_port() -> int:
    """Return a TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server for this module (skipped where none is installed)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    folder: Path = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _two_processes_share(first: Windows, second: Windows, key: str) -> None:
    """Ten takes from two holders of the same windows: five a second go, the pause is seen by both."""
    limit = Limit(5, 1.0)
    results = [await (first if i % 2 else second).take(key, limit) for i in range(10)]
    assert sum(1 for wait in results if wait == 0.0) == 5
    assert all(0 < wait <= 1.0 for wait in results[5:])
    await first.pause(f"pause:{key}", 30)
    assert 25 < await second.paused_for(f"pause:{key}") <= 30
    assert await second.paused_for("pause:elsewhere") == 0.0


async def test_redis_windows_are_shared(redis_url: str) -> None:
    """Two processes' RedisWindows on one server count together."""
    first, second = RedisWindows(redis_url), RedisWindows(redis_url)
    try:
        await _two_processes_share(first, second, f"bot:telegram:{time.time_ns()}")
    finally:
        await first.close()
        await second.close()


async def test_database_windows_are_shared(app: App) -> None:
    """Two processes' DatabaseWindows on one database count together."""
    await _two_processes_share(DatabaseWindows(app.session_factory), DatabaseWindows(app.session_factory), "bot:telegram")


async def test_two_limiters_on_shared_windows_hold_the_rate(app: App) -> None:
    """Two senders' limiters on one database, three per half second: no half second holds more than three sends."""
    windows = DatabaseWindows(app.session_factory)
    limits = (Limit(3, 0.5), Limit(100, 1.0))
    senders = [RateLimiter(lambda channel: limits, time.time, asyncio.sleep, windows) for _ in range(2)]
    await asyncio.gather(*(senders[i % 2].acquire("telegram", str(i)) for i in range(12)))
    async with app.session_factory() as session:
        taken = sorted((await session.scalars(select(RateHit.at).where(RateHit.key == "bot:telegram"))).all())
    assert len(taken) == 12
    for start in taken:
        assert sum(1 for at in taken if start <= at < start + 0.5) <= 3


async def test_where_windows_live(app: App, redis_url: str) -> None:
    """[limits] url names Redis; else PostgreSQL keeps them; else this process does."""
    redis = windows_for(redis_url, app.session_factory)
    assert isinstance(redis, RedisWindows)
    await redis.close()
    found = windows_for("", app.session_factory)
    expected = DatabaseWindows if app.engine.dialect.name == "postgresql" else MemoryWindows
    assert isinstance(found, expected)
    assert isinstance(windows_for("local", app.session_factory), MemoryWindows)


async def test_slots_count_from_the_end_of_each_send(app: App) -> None:
    """However long a request takes on its way, no window of the platform's sees more than the limit: the next slot
    frees one period after the send ended (memory and database windows here; Redis below)."""
    clock = [100.0]
    stores: list[Windows] = [MemoryWindows(lambda: clock[0]), DatabaseWindows(app.session_factory, lambda: clock[0])]
    for windows in stores:
        clock[0] += 10
        limiter = RateLimiter(lambda _channel: (Limit(1, 1.0), Limit(5, 1.0)), lambda: clock[0], sleep=_advance(clock), windows=windows)
        first = await limiter.acquire("telegram", "a")
        clock[0] += 0.5  # the request arrives late and ends now
        await limiter.sent(first)
        started = clock[0]
        await limiter.acquire("telegram", "b")
        assert clock[0] - started >= 0.999  # not 0.5 s later, when a start-stamped window would have let it go


def _advance(clock: list[float]) -> Callable[[float], Awaitable[None]]:
    """Return a sleep that moves CLOCK forward instead of waiting."""

    async def sleep(seconds: float) -> None:
        clock[0] += seconds

    return sleep


async def test_redis_windows_count_a_send_from_its_end(redis_url: str) -> None:
    """A Redis slot restamped when its send ended frees one period after that, on the server's clock."""
    windows = RedisWindows(redis_url)
    key, limit = f"bot:slow:{time.time_ns()}", Limit(1, 0.5)
    try:
        wait, token = await windows.take_slot(key, limit)
        assert wait == 0.0 and token is not None
        await asyncio.sleep(0.3)  # the request takes 0.3 s
        await windows.restamp(key, token)
        assert 0.4 < await windows.take(key, limit) <= 0.5  # start-stamped, it would be about 0.2
        await asyncio.sleep(0.55)
        assert await windows.take(key, limit) == 0.0
    finally:
        await windows.close()
