"""Outbox claims: take due messages so that no two senders send the same row, and record outcomes.

A sender claims only rows it can deliver: rows addressed to one of the channels it serves, and rows
addressed to a person (no channel yet) who has an account on one of them. A row for a channel that
no running sender serves (the web simulator, which is read by its own inbox, or a channel of
another process) stays pending until that channel takes it; it is never dead-lettered for that.

A sender claims rows by stamping `claimed_by` / `claimed_until` (a lease) in one statement:
PostgreSQL picks them with SELECT ... FOR UPDATE SKIP LOCKED, so concurrent senders take disjoint
rows without waiting; SQLite runs the same UPDATE ... WHERE id IN (SELECT ...) RETURNING as a single
write transaction (writers are serialised), which is atomic too. A row whose lease ran out (its
sender died) can be claimed again. Every outcome is recorded only by the sender that holds the
lease (`WHERE claimed_by = :worker`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models.chat import OutboxMessage
from storage.models.people import ChannelAccount, Person, RoleBinding
from storage.repositories import OutboxRepository

PENDING, SENT, DEAD = "pending", "sent", "dead"
ADMIN_ROLE = "admin"
DEAD_LETTER_KIND = "dead_letter"


@dataclass(frozen=True)
class Claimed:
    """A claimed outbox row and where it goes (channel and chat resolved, None when nowhere)."""

    id: int
    kind: str
    payload: Mapping[str, Any]
    attempts: int
    person_id: int | None
    channel: str | None
    chat_id: str | None


async def claim(
    session_factory: async_sessionmaker[AsyncSession],
    worker: str,
    now: datetime,
    *,
    lease: timedelta,
    limit: int,
    channels: Collection[str],
) -> list[Claimed]:
    """Claim up to LIMIT due rows on CHANNELS for WORKER until now + LEASE, resolving each row's chat."""
    served = sorted(channels)
    if not served:
        return []
    table = cast(Table, OutboxMessage.__table__)
    due = (
        select(table.c.id)
        .where(
            table.c.status == PENDING,
            table.c.next_attempt_at <= now,
            or_(table.c.claimed_until.is_(None), table.c.claimed_until < now),
            deliverable_on(served),
        )
        .order_by(table.c.next_attempt_at, table.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        update(table)
        .where(table.c.id.in_(due.scalar_subquery()))
        .values(claimed_by=worker, claimed_until=now + lease)
        .returning(
            table.c.id, table.c.kind, table.c.payload, table.c.attempts, table.c.person_id, table.c.channel, table.c.chat_id
        )
    )
    async with session_factory() as session, session.begin():
        rows = sorted((await session.execute(stmt)).all(), key=lambda r: r.id)
        accounts = await _latest_accounts(session, {r.person_id for r in rows if r.person_id is not None}, channels)
    return [_resolve(r, accounts) for r in rows]


def deliverable_on(channels: Collection[str]) -> ColumnElement[bool]:
    """Return the condition of a row that a sender of these channels can deliver."""
    table = cast(Table, OutboxMessage.__table__)
    reachable = select(ChannelAccount.person_id).where(ChannelAccount.channel.in_(list(channels)))
    return or_(table.c.channel.in_(list(channels)), and_(table.c.channel.is_(None), table.c.person_id.in_(reachable)))


def _resolve(row: Any, accounts: dict[int, list[tuple[str, str]]]) -> Claimed:
    """Return the claimed row with its chat: its own, or its person's most recently used account."""
    channel, chat_id = row.channel, row.chat_id
    if chat_id is None and row.person_id is not None:
        options = [a for a in accounts.get(row.person_id, []) if channel is None or a[0] == channel]
        if options:
            channel, chat_id = options[0]
    return Claimed(row.id, row.kind, row.payload, row.attempts, row.person_id, channel, chat_id)


async def _latest_accounts(
    session: AsyncSession, people: set[int], channels: Collection[str]
) -> dict[int, list[tuple[str, str]]]:
    """Return each person's (channel, chat) accounts on the given channels, most recently used first."""
    if not people:
        return {}
    query = (
        select(ChannelAccount.person_id, ChannelAccount.channel, ChannelAccount.chat_id, ChannelAccount.external_id)
        .where(ChannelAccount.person_id.in_(people), ChannelAccount.channel.in_(list(channels)))
        .order_by(ChannelAccount.last_seen_at.desc().nulls_last(), ChannelAccount.id)
    )
    found: dict[int, list[tuple[str, str]]] = {}
    for row in (await session.execute(query)).all():
        found.setdefault(row.person_id, []).append((row.channel, row.chat_id or row.external_id))
    return found


def _mine(row_id: int, worker: str) -> Any:
    """Return an UPDATE of one row that only the lease holder can apply."""
    table = cast(Table, OutboxMessage.__table__)
    return update(table).where(table.c.id == row_id, table.c.claimed_by == worker, table.c.status == PENDING)


async def mark_sent(session_factory: async_sessionmaker[AsyncSession], row_id: int, worker: str, now: datetime) -> bool:
    """Record a delivered row; return False when the lease had been lost."""
    table = cast(Table, OutboxMessage.__table__)
    stmt = _mine(row_id, worker).values(
        status=SENT, sent_at=now, attempts=table.c.attempts + 1, claimed_by=None, claimed_until=None, last_error=None
    )
    async with session_factory() as session, session.begin():
        return bool(getattr(await session.execute(stmt), "rowcount", 0) == 1)


async def mark_retry(
    session_factory: async_sessionmaker[AsyncSession], row_id: int, worker: str, at: datetime, error: str
) -> bool:
    """Record a failed attempt and when to try again; return False when the lease had been lost."""
    table = cast(Table, OutboxMessage.__table__)
    stmt = _mine(row_id, worker).values(
        attempts=table.c.attempts + 1, next_attempt_at=at, last_error=error[:2000], claimed_by=None, claimed_until=None
    )
    async with session_factory() as session, session.begin():
        return bool(getattr(await session.execute(stmt), "rowcount", 0) == 1)


async def mark_dead(
    session_factory: async_sessionmaker[AsyncSession],
    row: Claimed,
    worker: str,
    now: datetime,
    *,
    error: str,
    alert: Callable[[str | None], Mapping[str, Any]] | Mapping[str, Any] | None,
) -> bool:
    """Dead-letter a row and queue ALERT (once per row) to every administrator; False if the lease was lost.

    An ALERT given as a function is written for each administrator in the language they chose (None: the district's)."""
    table = cast(Table, OutboxMessage.__table__)
    stmt = _mine(row.id, worker).values(
        status=DEAD, attempts=table.c.attempts + 1, last_error=error[:2000], claimed_by=None, claimed_until=None
    )
    async with session_factory() as session, session.begin():
        if getattr(await session.execute(stmt), "rowcount", 0) != 1:
            return False
        if alert is not None and row.kind != DEAD_LETTER_KIND:
            outbox = OutboxRepository(session)
            query = (
                select(RoleBinding.person_id, Person.language)
                .join(Person, Person.id == RoleBinding.person_id)
                .where(RoleBinding.role == ADMIN_ROLE)
                .distinct()
            )
            admins: list[tuple[int, str | None]] = sorted((row.person_id, row.language) for row in (await session.execute(query)).all())
            for admin, language in admins:
                payload = dict(alert(language) if callable(alert) else alert)
                await outbox.enqueue(f"dead-letter:{row.id}:p{admin}", DEAD_LETTER_KIND, payload, now, person_id=admin)
    return True


async def release(session_factory: async_sessionmaker[AsyncSession], row_id: int, worker: str, at: datetime, error: str) -> bool:
    """Give a claimed row back, untried, to be claimed again from AT; False when the lease had been lost."""
    stmt = _mine(row_id, worker).values(next_attempt_at=at, last_error=error[:2000], claimed_by=None, claimed_until=None)
    async with session_factory() as session, session.begin():
        return bool(getattr(await session.execute(stmt), "rowcount", 0) == 1)


async def counts(session: AsyncSession) -> dict[str, int]:
    """Return how many outbox rows are in each status."""
    table = cast(Table, OutboxMessage.__table__)
    rows = (await session.execute(select(table.c.status, func.count()).group_by(table.c.status))).all()
    return {status: int(n) for status, n in rows}


@dataclass(frozen=True)
class OutboxRow:
    """One outbox row as an administrator inspects it."""

    id: int
    kind: str
    channel: str | None
    chat_id: str | None
    person_id: int | None
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_error: str | None


@dataclass(frozen=True)
class OutboxOverview:
    """What `qungong outbox` shows: counts per (channel, status), the oldest pending row, the dead rows."""

    counts: dict[tuple[str | None, str], int]
    oldest_pending: OutboxRow | None
    dead: list[OutboxRow]


def _row(row: Any) -> OutboxRow:
    """Return an inspected row from a result row."""
    return OutboxRow(
        row.id, row.kind, row.channel, row.chat_id, row.person_id, row.attempts, row.created_at, row.next_attempt_at, row.last_error
    )


async def overview(session: AsyncSession, *, dead_limit: int = 20) -> OutboxOverview:
    """Return the outbox's counts by channel and status, its oldest pending row and its newest dead rows."""
    table = cast(Table, OutboxMessage.__table__)
    columns = (
        table.c.id, table.c.kind, table.c.channel, table.c.chat_id, table.c.person_id, table.c.attempts,
        table.c.created_at, table.c.next_attempt_at, table.c.last_error,
    )
    grouped = select(table.c.channel, table.c.status, func.count()).group_by(table.c.channel, table.c.status)
    counts = {(channel, status): int(n) for channel, status, n in (await session.execute(grouped)).all()}
    oldest = (await session.execute(select(*columns).where(table.c.status == PENDING).order_by(table.c.created_at, table.c.id).limit(1))).first()
    dead = (await session.execute(select(*columns).where(table.c.status == DEAD).order_by(table.c.id.desc()).limit(dead_limit))).all()
    return OutboxOverview(counts, _row(oldest) if oldest else None, [_row(r) for r in dead])


async def retry_dead(session: AsyncSession, ids: Collection[int], now: datetime) -> list[int]:
    """Put dead rows back in the queue, due now with their attempts reset; return the ids that were dead."""
    table = cast(Table, OutboxMessage.__table__)
    stmt = (
        update(table)
        .where(table.c.id.in_(list(ids)), table.c.status == DEAD)
        .values(status=PENDING, attempts=0, next_attempt_at=now, claimed_by=None, claimed_until=None)
        .returning(table.c.id)
    )
    return sorted(int(i) for i in (await session.scalars(stmt)).all())
