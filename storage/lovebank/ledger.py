"""The points ledger: append-only entries, and each person's balance moved in the same transaction.

Every movement goes through `post`: it moves the balance with one conditional UPDATE
(`balance = balance + :amount WHERE balance + :amount >= 0`) and appends the entry. A debit that
would overdraw raises `Overdraw` before anything is appended. On PostgreSQL the UPDATE takes the
account's row lock, so two redemptions at once are applied one after the other, the second
against the first's balance; SQLite runs one writer at a time. The balance is a running sum the
database keeps next to the ledger, never edited on its own; `audit` compares them. Corrections
are new entries with a reason, never edits (the table's triggers refuse UPDATE and DELETE).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.lovebank import LedgerEntry, LovebankAccount
from storage.upsert import insert_ignoring

WISH, ACTIVITY, REDEEM, REFUND, CORRECTION = "wish", "activity", "redeem", "refund", "correction"
REASONS = (WISH, ACTIVITY, REDEEM, REFUND, CORRECTION)
EARNING_REASONS = (WISH, ACTIVITY)
SOURCE_OF = {WISH: "wish", ACTIVITY: "activity", REDEEM: "redemption", REFUND: "redemption", CORRECTION: "correction"}
MAX_AMOUNT = 1_000_000


class Overdraw(Exception):
    """A debit larger than the balance; nothing was written."""

    def __init__(self, balance: int, wanted: int) -> None:
        super().__init__(f"balance {balance} is less than {wanted}")
        self.balance = balance
        self.wanted = wanted


@dataclass(frozen=True)
class Recorder:
    """Who recorded an entry: a person in a role, or QunGong itself (person None, role system)."""

    person_id: int | None
    role: str


SYSTEM = Recorder(None, "system")


@dataclass(frozen=True)
class NewEntry:
    """A movement to record: whose, how much (+ credit, − debit), why, from what, where, once under KEY."""

    person_id: int
    amount: int
    reason: str
    source_id: int | None = None
    note: str | None = None
    community_id: int | None = None
    key: str | None = None


_MOVE = (
    update(LovebankAccount)
    .where(
        LovebankAccount.person_id == bindparam("person"),
        LovebankAccount.balance + bindparam("amount") >= 0,
    )
    .values(balance=LovebankAccount.balance + bindparam("amount"), updated_at=bindparam("now"))
    .execution_options(synchronize_session=False)
)


async def ensure_account(session: AsyncSession, person_id: int, now: datetime) -> None:
    """Open a person's account (balance 0) unless they have one."""
    row = {"person_id": person_id, "balance": 0, "show_name": None, "consent_at": None, "updated_at": now}
    await insert_ignoring(session, LovebankAccount.__table__, row, ("person_id",))


async def posted(session: AsyncSession, key: str) -> bool:
    """Tell whether an entry with this key was posted."""
    return (await session.scalars(select(LedgerEntry.id).where(LedgerEntry.key == key).limit(1))).first() is not None


async def post(session: AsyncSession, entry: NewEntry, recorder: Recorder, now: datetime) -> LedgerEntry | None:
    """Move the balance and append the entry, in this transaction; None when its key was posted before.

    Raises Overdraw (having written nothing) when a debit is larger than the balance.
    """
    if entry.reason not in REASONS or entry.amount == 0 or abs(entry.amount) > MAX_AMOUNT:
        raise ValueError(f"not a ledger movement: {entry}")
    if entry.key is not None and await posted(session, entry.key):
        return None
    await ensure_account(session, entry.person_id, now)
    moved = await session.execute(_MOVE, {"person": entry.person_id, "amount": entry.amount, "now": now})
    if getattr(moved, "rowcount", 0) != 1:
        raise Overdraw(await balance_of(session, entry.person_id), -entry.amount)
    row = LedgerEntry(
        person_id=entry.person_id,
        amount=entry.amount,
        reason=entry.reason,
        source_kind=SOURCE_OF[entry.reason],
        source_id=entry.source_id,
        note=entry.note,
        community_id=entry.community_id,
        recorded_by_person_id=recorder.person_id,
        recorded_by_role=recorder.role,
        key=entry.key,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def account_of(session: AsyncSession, person_id: int) -> LovebankAccount | None:
    """Return a person's account as stored now (None: they never had points or answered the consent question)."""
    query = select(LovebankAccount).where(LovebankAccount.person_id == person_id).execution_options(populate_existing=True)
    return (await session.scalars(query)).first()


async def balance_of(session: AsyncSession, person_id: int) -> int:
    """Return a person's balance (0 without an account)."""
    return int(await session.scalar(select(LovebankAccount.balance).where(LovebankAccount.person_id == person_id)) or 0)


async def entries_of(session: AsyncSession, person_id: int, limit: int = 10) -> Sequence[LedgerEntry]:
    """Return a person's latest entries, newest first."""
    query = select(LedgerEntry).where(LedgerEntry.person_id == person_id).order_by(LedgerEntry.id.desc()).limit(limit)
    return (await session.scalars(query)).all()


async def entries_for(session: AsyncSession, reason: str, source_id: int) -> Sequence[LedgerEntry]:
    """Return the entries of one reason and source (e.g. the credits of a wish), in order."""
    query = select(LedgerEntry).where(LedgerEntry.reason == reason, LedgerEntry.source_id == source_id).order_by(LedgerEntry.id)
    return (await session.scalars(query)).all()


async def set_consent(session: AsyncSession, person_id: int, show_name: bool, now: datetime) -> None:
    """Record whether reports may name a person among the most active volunteers."""
    await ensure_account(session, person_id, now)
    await session.execute(
        update(LovebankAccount)
        .where(LovebankAccount.person_id == person_id)
        .values(show_name=show_name, consent_at=now)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Mismatch:
    """An account whose balance is not the sum of its entries."""

    person_id: int
    balance: int
    ledger: int


async def audit(session: AsyncSession) -> list[Mismatch]:
    """Return every account whose balance differs from the sum of its ledger entries (empty: all agree)."""
    sums = dict(
        (int(person), int(total))
        for person, total in (await session.execute(select(LedgerEntry.person_id, func.sum(LedgerEntry.amount)).group_by(LedgerEntry.person_id))).all()
    )
    balances = {int(p): int(b) for p, b in (await session.execute(select(LovebankAccount.person_id, LovebankAccount.balance))).all()}
    people = sorted(set(sums) | set(balances))
    return [Mismatch(p, balances.get(p, 0), sums.get(p, 0)) for p in people if balances.get(p, 0) != sums.get(p, 0)]
