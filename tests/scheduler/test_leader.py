"""One scheduler leads at a time; when the leader dies another takes over, when it stops cleanly at once."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from bot.app import App
from scheduler import leader

LEASE_SECONDS = 0.9  # renewed every 0.3 s


class Schedulers:
    """Stands in for APScheduler: records which holder runs the jobs."""

    def __init__(self) -> None:
        self.running: list[str] = []
        self.ever: list[str] = []

    def start(self, app: Any) -> str:
        self.running.append(app.holder)
        self.ever.append(app.holder)
        return str(app.holder)

    def stop(self, holder: str) -> None:
        self.running.remove(holder)


@pytest.fixture
def schedulers(monkeypatch: pytest.MonkeyPatch) -> Schedulers:
    """Patch the scheduler's start and stop."""
    fake = Schedulers()
    monkeypatch.setattr(leader, "start_scheduler", fake.start)
    monkeypatch.setattr(leader, "stop_scheduler", fake.stop)
    return fake


def _candidate(app: App, holder: str) -> Any:
    """An app-like object for one process."""
    return SimpleNamespace(config=SimpleNamespace(scheduler=SimpleNamespace(lease_seconds=LEASE_SECONDS)), session_factory=app.session_factory, holder=holder)


async def _until(condition: Any, timeout: float = 5.0) -> float:
    """Wait until CONDITION() holds; return how long it took."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not condition():
        assert loop.time() - start < timeout, "timed out"
        await asyncio.sleep(0.02)
    return loop.time() - start


async def test_a_dead_leader_is_replaced_after_its_lease(app: App, schedulers: Schedulers, monkeypatch: pytest.MonkeyPatch) -> None:
    """A dies without releasing: B, waiting all along, leads within the lease and a renewal."""
    stop_a, stop_b = asyncio.Event(), asyncio.Event()
    a = asyncio.create_task(leader.lead(_candidate(app, "a"), "a", stop_a))
    await _until(lambda: schedulers.running == ["a"])
    b = asyncio.create_task(leader.lead(_candidate(app, "b"), "b", stop_b))
    await asyncio.sleep(LEASE_SECONDS * 1.5)
    assert schedulers.running == ["a"]  # never two
    async def dead(*args: Any) -> None:
        """A killed process releases nothing."""
    monkeypatch.setattr(leader, "release", dead)
    a.cancel()
    await asyncio.gather(a, return_exceptions=True)
    took = await _until(lambda: schedulers.running == ["b"])
    assert took <= LEASE_SECONDS + LEASE_SECONDS / 3 + 0.5
    stop_b.set()
    await b
    assert schedulers.ever == ["a", "b"]


async def test_a_clean_stop_hands_over_at_once(app: App, schedulers: Schedulers) -> None:
    """A stops cleanly and releases: B leads at its next try, well inside the lease."""
    stop_a, stop_b = asyncio.Event(), asyncio.Event()
    a = asyncio.create_task(leader.lead(_candidate(app, "a"), "a", stop_a))
    await _until(lambda: schedulers.running == ["a"])
    b = asyncio.create_task(leader.lead(_candidate(app, "b"), "b", stop_b))
    await asyncio.sleep(0.1)
    stop_a.set()
    await a
    took = await _until(lambda: schedulers.running == ["b"])
    assert took <= LEASE_SECONDS / 3 + 0.3
    stop_b.set()
    await b
    assert schedulers.running == []
