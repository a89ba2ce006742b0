"""Redeeming points for a reward: a one-time code, handed over by the provider, or expired with the points
returned as a new entry.

Redeeming is one transaction: the debit (which refuses to overdraw), one item off the stock (which
refuses to go below zero) and the redemption with its code. Either fails whole. Handing over and
expiring are conditional UPDATEs from `issued`, so a code is used once and an expired redemption
is refunded once, however many workers or job runs see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.lovebank.codes import new_voucher, normalise, unique_code
from storage.lovebank.ledger import REDEEM, REFUND, SYSTEM, NewEntry, Recorder, post
from storage.lovebank.rewards import available, get_reward, put_back, take_one
from storage.models.lovebank import Redemption, Reward

ISSUED, HANDED, EXPIRED = "issued", "handed", "expired"
EXPIRY_BATCH = 200


class RedeemError(Exception):
    """A redemption refused: `code` is gone (no such reward), not_here, sold_out."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Redeemer:
    """Who redeems, and the community they belong to (None: no community known)."""

    person_id: int
    community_id: int | None


async def redeem(session: AsyncSession, reward_id: int, who: Redeemer, now: datetime, *, days: int, today: date) -> Redemption:
    """Redeem a reward: debit its points, take one from the stock, issue a code valid for DAYS.

    Raises RedeemError, or ledger.Overdraw when the balance is short; the caller then rolls back.
    """
    reward = await get_reward(session, reward_id)
    if reward is None:
        raise RedeemError("gone")
    if not available(reward, who.community_id, today):
        raise RedeemError("not_here")
    redemption = Redemption(
        reward_id=reward.id,
        person_id=who.person_id,
        community_id=who.community_id,
        points=reward.points,
        code=await unique_code(session, Redemption.code, new_voucher),
        status=ISSUED,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(redemption)
    await session.flush()
    entry = NewEntry(who.person_id, -reward.points, REDEEM, redemption.id, reward.name, who.community_id, f"redeem:{redemption.id}")
    await post(session, entry, Recorder(who.person_id, "volunteer"), now)
    if not await take_one(session, reward.id, now):
        raise RedeemError("sold_out")
    return redemption


async def by_code(session: AsyncSession, typed: str) -> tuple[Redemption, Reward] | None:
    """Return the redemption a typed code names, with its reward."""
    code = normalise(typed)
    if not code:
        return None
    query = (
        select(Redemption, Reward)
        .join(Reward, Reward.id == Redemption.reward_id)
        .where(Redemption.code == code)
        .execution_options(populate_existing=True)
    )
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row is not None else None


async def get_redemption(session: AsyncSession, redemption_id: int) -> tuple[Redemption, Reward] | None:
    """Return a redemption by id, with its reward."""
    query = (
        select(Redemption, Reward)
        .join(Reward, Reward.id == Redemption.reward_id)
        .where(Redemption.id == redemption_id)
        .execution_options(populate_existing=True)
    )
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row is not None else None


async def hand_over(session: AsyncSession, redemption_id: int, staff_person_id: int, now: datetime) -> bool:
    """Mark a redemption handed over (its code is used up); False when it was used, expired or is past its time."""
    moved = await session.execute(
        update(Redemption)
        .where(Redemption.id == redemption_id, Redemption.status == ISSUED, Redemption.expires_at > now)
        .values(status=HANDED, handed_at=now, handed_by_person_id=staff_person_id)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(moved, "rowcount", 0) == 1)


async def expire(session: AsyncSession, redemption: Redemption, now: datetime) -> bool:
    """Expire an unclaimed redemption: its points come back as a new entry and the item back to stock; once."""
    moved = await session.execute(
        update(Redemption)
        .where(Redemption.id == redemption.id, Redemption.status == ISSUED, Redemption.expires_at <= now)
        .values(status=EXPIRED, expired_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(moved, "rowcount", 0) != 1:
        return False
    entry = NewEntry(redemption.person_id, redemption.points, REFUND, redemption.id, None, redemption.community_id, f"refund:{redemption.id}")
    await post(session, entry, SYSTEM, now)
    await put_back(session, redemption.reward_id, now)
    return True


async def due_to_expire(session: AsyncSession, now: datetime, limit: int = EXPIRY_BATCH) -> Sequence[Redemption]:
    """Return issued redemptions past their time, oldest first."""
    query = (
        select(Redemption)
        .where(Redemption.status == ISSUED, Redemption.expires_at <= now)
        .order_by(Redemption.expires_at, Redemption.id)
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def of_person(session: AsyncSession, person_id: int, limit: int = 20) -> Sequence[tuple[Redemption, Reward]]:
    """Return a person's redemptions with their rewards, open ones first, newest first."""
    query = (
        select(Redemption, Reward)
        .join(Reward, Reward.id == Redemption.reward_id)
        .where(Redemption.person_id == person_id)
        .order_by((Redemption.status == ISSUED).desc(), Redemption.id.desc())
        .limit(limit)
    )
    return [(r, w) for r, w in (await session.execute(query)).all()]
