"""What the love bank's audit export reads: the ledger entries of a period with names, each person's balance
at its start and end (sums of the ledger, not the running balance), and the period's redemptions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models.lovebank import LedgerEntry, Redemption, Reward
from storage.models.people import Person, Unit


@dataclass(frozen=True)
class EntryRow:
    """One ledger entry with the names an auditor reads."""

    entry: LedgerEntry
    person: str
    community: str | None
    recorded_by: str | None


@dataclass(frozen=True)
class BalanceRow:
    """One person's movement over the period: opening, credits, debits, closing."""

    person_id: int
    person: str
    opening: int
    credits: int
    debits: int
    closing: int


@dataclass(frozen=True)
class RedemptionRow:
    """One redemption of the period with its reward and the people involved."""

    redemption: Redemption
    reward: str
    person: str
    handed_by: str | None


async def entry_rows(session: AsyncSession, start: datetime, end: datetime) -> list[EntryRow]:
    """Return the ledger entries of [start, end) in order, with names."""
    recorder = aliased(Person)
    query = (
        select(LedgerEntry, Person.name, Unit.name, recorder.name)
        .join(Person, Person.id == LedgerEntry.person_id)
        .join(Unit, Unit.id == LedgerEntry.community_id, isouter=True)
        .join(recorder, recorder.id == LedgerEntry.recorded_by_person_id, isouter=True)
        .where(LedgerEntry.created_at >= start, LedgerEntry.created_at < end)
        .order_by(LedgerEntry.id)
    )
    return [EntryRow(e, p, c, r) for e, p, c, r in (await session.execute(query)).all()]


async def balance_rows(session: AsyncSession, start: datetime, end: datetime) -> list[BalanceRow]:
    """Return, for everyone with entries before END, the balance at START and END and what moved between."""
    before = LedgerEntry.created_at < start
    within = (LedgerEntry.created_at >= start) & (LedgerEntry.created_at < end)
    query = (
        select(
            LedgerEntry.person_id,
            Person.name,
            func.sum(case((before, LedgerEntry.amount), else_=0)),
            func.sum(case((within & (LedgerEntry.amount > 0), LedgerEntry.amount), else_=0)),
            func.sum(case((within & (LedgerEntry.amount < 0), LedgerEntry.amount), else_=0)),
        )
        .join(Person, Person.id == LedgerEntry.person_id)
        .where(LedgerEntry.created_at < end)
        .group_by(LedgerEntry.person_id, Person.name)
        .order_by(LedgerEntry.person_id)
    )
    rows = []
    for person_id, name, before_sum, credit_sum, debit_sum in (await session.execute(query)).all():
        opening, credits, debits = int(before_sum or 0), int(credit_sum or 0), -int(debit_sum or 0)
        rows.append(BalanceRow(int(person_id), name, opening, credits, debits, opening + credits - debits))
    return rows


async def redemption_rows(session: AsyncSession, start: datetime, end: datetime) -> list[RedemptionRow]:
    """Return the redemptions made in [start, end) in order, with their reward and people."""
    staff = aliased(Person)
    query = (
        select(Redemption, Reward.name, Person.name, staff.name)
        .join(Reward, Reward.id == Redemption.reward_id)
        .join(Person, Person.id == Redemption.person_id)
        .join(staff, staff.id == Redemption.handed_by_person_id, isouter=True)
        .where(Redemption.created_at >= start, Redemption.created_at < end)
        .order_by(Redemption.id)
    )
    return [RedemptionRow(r, w, p, s) for r, w, p, s in (await session.execute(query)).all()]


def totals(rows: list[EntryRow]) -> dict[str, int]:
    """Return the period's net points by reason."""
    found: dict[str, int] = defaultdict(int)
    for row in rows:
        found[row.entry.reason] += row.entry.amount
    return dict(found)
