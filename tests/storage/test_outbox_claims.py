"""Outbox claims on SQLite and PostgreSQL: exclusive, leased, resolved to the latest chat."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.app import App
from storage.models.people import ChannelAccount, Person
from storage.outbox import claim, mark_retry, mark_sent

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


async def _people_and_rows(app: App, rows: int) -> int:
    """Create a person with two accounts and queue ROWS messages to them; return the person id."""
    async with app.uow() as uow:
        person = uow.people.add(Person(name="李四", created_at=NOW))
        await uow.flush()
        uow.people.add_account(ChannelAccount(channel="sim", external_id="old", chat_id="old-chat", person_id=person.id,
                                              last_seen_at=NOW - timedelta(days=2), created_at=NOW))
        uow.people.add_account(ChannelAccount(channel="telegram:main", external_id="42", chat_id="42", person_id=person.id,
                                              last_seen_at=NOW - timedelta(hours=1), created_at=NOW))
        for i in range(rows):
            await uow.outbox.enqueue(f"k{i}", "test", {"text": f"m{i}"}, NOW, person_id=person.id)
        await uow.commit()
        return person.id


async def test_claims_are_exclusive_and_leased(app: App) -> None:
    await _people_and_rows(app, 30)
    batches = await asyncio.gather(
        *(claim(app.session_factory, f"w{i}", NOW, lease=LEASE, limit=12, channels=["sim", "telegram:main"]) for i in range(3))
    )
    ids = [row.id for batch in batches for row in batch]
    assert len(ids) == len(set(ids)) == 30
    assert await claim(app.session_factory, "w9", NOW, lease=LEASE, limit=50, channels=["sim"]) == []
    # The most recently used account wins; with only sim served, the sim account is used.
    assert {(r.channel, r.chat_id) for r in batches[0]} == {("telegram:main", "42")}
    first = batches[0][0]
    assert not await mark_sent(app.session_factory, first.id, "w1", NOW)  # not w1's claim
    assert await mark_sent(app.session_factory, first.id, "w0", NOW)
    later = NOW + LEASE + timedelta(seconds=1)
    reclaimed = await claim(app.session_factory, "w9", later, lease=LEASE, limit=50, channels=["sim"])
    assert len(reclaimed) == 29 and {r.channel for r in reclaimed} == {"sim"}  # expired leases, minus the sent row


async def test_retry_waits_until_its_time(app: App) -> None:
    await _people_and_rows(app, 1)
    (row,) = await claim(app.session_factory, "w", NOW, lease=LEASE, limit=5, channels=["sim"])
    assert await mark_retry(app.session_factory, row.id, "w", NOW + timedelta(seconds=30), "timeout")
    assert await claim(app.session_factory, "w", NOW + timedelta(seconds=29), lease=LEASE, limit=5, channels=["sim"]) == []
    (again,) = await claim(app.session_factory, "w", NOW + timedelta(seconds=30), lease=LEASE, limit=5, channels=["sim"])
    assert again.attempts == 1
