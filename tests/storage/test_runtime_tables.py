"""What several processes share through the database: the scheduler's lease, heartbeats, and send windows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.app import App
from storage import leases, rate_windows
from storage.processes import ProcessInfo, beat, leave, processes

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
TTL = timedelta(seconds=30)


async def test_one_holder_at_a_time_and_takeover_after_expiry(app: App) -> None:
    """A lease held by A refuses B until it expires; then B takes it and A cannot renew."""
    factory = app.session_factory
    assert await leases.try_lead(factory, "scheduler", "a", T0, TTL)
    assert not await leases.try_lead(factory, "scheduler", "b", T0 + timedelta(seconds=10), TTL)
    assert await leases.try_lead(factory, "scheduler", "a", T0 + timedelta(seconds=20), TTL)  # renewed to T0+50
    assert not await leases.try_lead(factory, "scheduler", "b", T0 + timedelta(seconds=45), TTL)
    assert await leases.try_lead(factory, "scheduler", "b", T0 + timedelta(seconds=51), TTL)
    assert not await leases.try_lead(factory, "scheduler", "a", T0 + timedelta(seconds=52), TTL)
    async with factory() as session:
        assert await leases.holder_of(session, "scheduler", T0 + timedelta(seconds=52)) == ("b", T0 + timedelta(seconds=81))
        assert await leases.holder_of(session, "scheduler", T0 + timedelta(seconds=90)) is None


async def test_release_hands_over_at_once(app: App) -> None:
    """A holder that stops cleanly releases; another takes the lease without waiting; others' releases do nothing."""
    factory = app.session_factory
    assert await leases.try_lead(factory, "scheduler", "a", T0, TTL)
    await leases.release(factory, "scheduler", "b")
    assert not await leases.try_lead(factory, "scheduler", "b", T0, TTL)
    await leases.release(factory, "scheduler", "a")
    assert await leases.try_lead(factory, "scheduler", "b", T0, TTL)


async def test_racing_candidates_elect_exactly_one(app: App) -> None:
    """Ten candidates trying at the same moment: exactly one leads."""
    results = await asyncio.gather(*(leases.try_lead(app.session_factory, "race", f"p{i}", T0, TTL) for i in range(10)))
    assert sum(results) == 1


async def test_heartbeats_are_listed_and_leave(app: App) -> None:
    """Each process has one row, refreshed by beats, removed when it leaves."""
    web = ProcessInfo("web-1", "web", "host-a", 101, T0, T0)
    sender = ProcessInfo("sender-1", "sender", "host-b", 202, T0, T0)
    await beat(app.session_factory, web, T0)
    await beat(app.session_factory, sender, T0 + timedelta(seconds=1))
    await beat(app.session_factory, web, T0 + timedelta(seconds=5))
    async with app.session_factory() as session:
        found = await processes(session)
    assert [(p.id, p.role, p.beat_at) for p in found] == [("web-1", "web", T0 + timedelta(seconds=5)), ("sender-1", "sender", T0 + timedelta(seconds=1))]
    await leave(app.session_factory, "web-1")
    async with app.session_factory() as session:
        assert [p.id for p in await processes(session)] == ["sender-1"]


async def test_database_window_lets_count_through_per_period(app: App) -> None:
    """Three a second: the fourth waits until the oldest leaves the window; other keys are separate."""
    factory = app.session_factory
    now = 1_000.0
    assert [await rate_windows.take(factory, "k", 3, 1.0, lambda at=now + i * 0.1: at) for i in range(3)] == [0.0, 0.0, 0.0]
    wait = await rate_windows.take(factory, "k", 3, 1.0, lambda: now + 0.3)
    assert abs(wait - 0.7) < 1e-6
    assert await rate_windows.take(factory, "other", 3, 1.0, lambda: now + 0.3) == 0.0
    assert await rate_windows.take(factory, "k", 3, 1.0, lambda: now + 1.05) == 0.0
    assert await rate_windows.take(factory, "k", 3, 1.0, lambda: now + 2.5, prune=True) == 0.0


async def test_concurrent_takes_never_exceed_the_window(app: App) -> None:
    """Twenty takers at once on a window of five: exactly five go."""
    results = await asyncio.gather(*(rate_windows.take(app.session_factory, "burst", 5, 1.0, lambda: 50.0) for _ in range(20)))
    assert sum(1 for wait in results if wait == 0.0) == 5


async def test_pauses_keep_the_later_end(app: App) -> None:
    """A pause extends but never shortens; an unknown key is not paused."""
    factory = app.session_factory
    assert await rate_windows.paused_until(factory, "telegram") == 0.0
    await rate_windows.pause(factory, "telegram", 120.0)
    await rate_windows.pause(factory, "telegram", 90.0)
    assert await rate_windows.paused_until(factory, "telegram") == 120.0
    await rate_windows.pause(factory, "telegram", 150.0)
    assert await rate_windows.paused_until(factory, "telegram") == 150.0


async def test_a_restamped_hit_counts_from_when_its_send_ended(app: App) -> None:
    """A slow send's slot frees one period after it ended, not after it started; restamping never moves a hit back."""
    factory = app.session_factory
    now = 2_000.0
    wait, hit = await rate_windows.take_slot(factory, "slow", 1, 1.0, lambda: now)
    assert wait == 0.0 and hit is not None
    await rate_windows.restamp(factory, hit, now + 0.4)  # the request took 0.4 s
    assert abs(await rate_windows.take(factory, "slow", 1, 1.0, lambda: now + 1.1) - 0.3) < 1e-6
    await rate_windows.restamp(factory, hit, now + 0.1)  # an earlier time changes nothing
    assert await rate_windows.take(factory, "slow", 1, 1.0, lambda: now + 1.45) == 0.0
