"""The rewards catalogue: what a community (or the district) offers for points, for which communities,
how many are left and until when. Stock only moves by conditional UPDATEs, so it never goes negative."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.lovebank import Reward

MAX_STOCK = 100_000


@dataclass(frozen=True)
class NewReward:
    """A reward to offer: who keeps it, what it is and who gave it, its price, stock, validity and communities."""

    unit_id: int
    name: str
    points: int
    stock: int
    valid_until: date
    provider: str | None = None
    community_ids: tuple[int, ...] = ()  # empty: every community
    created_by_person_id: int | None = None


async def add_reward(session: AsyncSession, new: NewReward, now: datetime) -> Reward:
    """Put a reward in the catalogue."""
    reward = Reward(
        unit_id=new.unit_id,
        name=new.name,
        provider=new.provider,
        points=new.points,
        stock=new.stock,
        valid_until=new.valid_until,
        community_ids=list(new.community_ids),
        active=True,
        created_by_person_id=new.created_by_person_id,
        created_at=now,
        updated_at=now,
    )
    session.add(reward)
    await session.flush()
    return reward


async def get_reward(session: AsyncSession, reward_id: int) -> Reward | None:
    """Return a reward as stored now."""
    query = select(Reward).where(Reward.id == reward_id).execution_options(populate_existing=True)
    return (await session.scalars(query)).first()


def offered_in(reward: Reward, community_id: int | None) -> bool:
    """Tell whether a reward is offered to a volunteer of a community (one without a community sees the district-wide ones)."""
    return not reward.community_ids or (community_id is not None and community_id in reward.community_ids)


def available(reward: Reward, community_id: int | None, today: date) -> bool:
    """Tell whether a volunteer of a community may redeem a reward today (stock aside)."""
    return reward.active and reward.valid_until >= today and offered_in(reward, community_id)


async def catalogue(session: AsyncSession, community_id: int | None, today: date) -> list[Reward]:
    """Return the rewards a volunteer of a community may redeem today, cheapest first (sold-out ones included)."""
    query = select(Reward).where(Reward.active.is_(True), Reward.valid_until >= today).order_by(Reward.points, Reward.id)
    return [r for r in (await session.scalars(query)).all() if offered_in(r, community_id)]


async def of_units(session: AsyncSession, unit_ids: Sequence[int]) -> Sequence[Reward]:
    """Return the rewards some units keep, active ones first, newest first."""
    query = select(Reward).where(Reward.unit_id.in_(list(unit_ids))).order_by(Reward.active.desc(), Reward.id.desc())
    return (await session.scalars(query)).all()


async def take_one(session: AsyncSession, reward_id: int, now: datetime) -> bool:
    """Take one from a reward's stock; False when none is left (or it was withdrawn)."""
    moved = await session.execute(
        update(Reward)
        .where(Reward.id == reward_id, Reward.stock > 0, Reward.active.is_(True))
        .values(stock=Reward.stock - 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(moved, "rowcount", 0) == 1)


async def put_back(session: AsyncSession, reward_id: int, now: datetime, count: int = 1) -> None:
    """Return items to a reward's stock (an expired redemption, or a restock)."""
    await session.execute(
        update(Reward)
        .where(Reward.id == reward_id)
        .values(stock=Reward.stock + count, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def withdraw_reward(session: AsyncSession, reward_id: int, now: datetime) -> bool:
    """Take a reward off the catalogue (open redemptions stay valid); False when it was off already."""
    moved = await session.execute(
        update(Reward)
        .where(Reward.id == reward_id, Reward.active.is_(True))
        .values(active=False, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(moved, "rowcount", 0) == 1)
