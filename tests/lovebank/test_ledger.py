"""The ledger: append-only, never overdrawn, stock never negative — 50 redemptions at once, and 1,000 mixed
operations after which every balance is still the sum of its entries (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.lovebank.activities import check_in, confirm_hours, sign_up, withdraw
from storage.lovebank.ledger import CORRECTION, NewEntry, Overdraw, audit, entries_of, post
from storage.lovebank.redemptions import (
    ISSUED,
    Redeemer,
    RedeemError,
    due_to_expire,
    expire,
    hand_over,
    redeem,
)
from storage.lovebank.rewards import get_reward
from storage.models.lovebank import LedgerEntry, Redemption
from tests.districts import District
from tests.lovebank.helpers import ADMIN, activity, balance, give, ledger_agrees, reward, volunteers


async def _redeem(district: District, reward_id: int, person: int) -> str:
    """Try one redemption in its own transaction; return ok, short or the refusal's code."""
    async with district.app.uow() as uow:
        try:
            await redeem(uow.session, reward_id, Redeemer(person, None), district.clock(), days=14, today=district.clock().date())
        except Overdraw:
            return "short"
        except RedeemError as exc:
            return exc.code
        await uow.commit()
        return "ok"


async def test_the_ledger_refuses_update_and_delete(district: District) -> None:
    [person] = await volunteers(district, 1)
    await give(district, person, 10)
    for statement in ("UPDATE lovebank_entries SET amount = 1000", "DELETE FROM lovebank_entries"):
        async with district.app.uow() as uow:
            with pytest.raises((IntegrityError, DBAPIError), match="append-only"):
                await uow.session.execute(text(statement))
    assert await balance(district, person) == 10


async def test_a_debit_larger_than_the_balance_writes_nothing(district: District) -> None:
    [person] = await volunteers(district, 1)
    await give(district, person, 10)
    async with district.app.uow() as uow:
        with pytest.raises(Overdraw) as refused:
            await post(uow.session, NewEntry(person, -11, CORRECTION, None, "too much"), ADMIN, district.clock())
        assert (refused.value.balance, refused.value.wanted) == (10, 11)
        assert len(await entries_of(uow.session, person)) == 1
    assert await balance(district, person) == 10


async def test_fifty_redemptions_at_once_cannot_overdraw(district: District) -> None:
    [person] = await volunteers(district, 1)
    await give(district, person, 100)
    rice = await reward(district, points=30, stock=100, communities=())
    outcomes = await asyncio.gather(*(_redeem(district, rice, person) for _ in range(50)))
    assert outcomes.count("ok") == 3 and outcomes.count("short") == 47
    assert await balance(district, person) == 10
    async with district.app.uow() as uow:
        left = await get_reward(uow.session, rice)
        assert left is not None and left.stock == 97
    assert await ledger_agrees(district)


async def test_fifty_people_at_once_cannot_take_more_than_the_stock(district: District) -> None:
    people = await volunteers(district, 50)
    for person in people:
        await give(district, person, 50)
    rice = await reward(district, points=30, stock=7, communities=())
    outcomes = await asyncio.gather(*(_redeem(district, rice, person) for person in people))
    assert outcomes.count("ok") == 7 and outcomes.count("sold_out") == 43
    async with district.app.uow() as uow:
        left = await get_reward(uow.session, rice)
        issued = await uow.session.scalar(select(func.count(Redemption.id)).where(Redemption.reward_id == rice))
    assert left is not None and left.stock == 0 and issued == 7
    assert sorted([await balance(district, p) for p in people]) == [20] * 7 + [50] * 43
    assert await ledger_agrees(district)


OPERATIONS = ("credit", "debit", "redeem", "hand_over", "expire", "sign_up", "withdraw", "check_in", "confirm")


async def _activity_op(session: AsyncSession, name: str, rng: random.Random, person: int, *, activities: list[tuple[int, str]], now: datetime) -> None:
    """Sign up, withdraw, check in, or confirm someone's hours."""
    activity_id, code = rng.choice(activities)
    if name == "sign_up":
        await sign_up(session, activity_id, person, now)
    elif name == "withdraw":
        await withdraw(session, activity_id, person, now)
    elif name == "check_in":
        await check_in(session, code, person, now + timedelta(hours=2), early=timedelta(hours=1), late=timedelta(hours=2))
    else:
        checked = (await session.execute(text("SELECT id FROM lovebank_signups WHERE status = 'checked_in'"))).scalars().all()
        if checked:
            await confirm_hours(session, rng.choice(checked), rng.randint(30, 240), ADMIN, now)


async def _redemption_op(session: AsyncSession, name: str, rng: random.Random, person: int, *, rewards: list[int], now: datetime) -> None:
    """Redeem, hand a code over, or expire what is due a few days on."""
    if name == "redeem":
        await redeem(session, rng.choice(rewards), Redeemer(person, None), now, days=rng.choice((1, 3)), today=now.date())
    elif name == "hand_over":
        issued = (await session.scalars(select(Redemption.id).where(Redemption.status == ISSUED).limit(20))).all()
        if issued:
            await hand_over(session, rng.choice(issued), person, now)
    else:
        later = now + timedelta(days=rng.choice((2, 4)))
        for due in await due_to_expire(session, later, limit=5):
            await expire(session, due, later)


async def _operate(district: District, rng: random.Random, people: list[int], rewards: list[int], activities: list[tuple[int, str]]) -> str:
    """Run one random operation in its own transaction; refusals roll back, like a chat's would."""
    name = rng.choice(OPERATIONS)
    person = rng.choice(people)
    now = district.clock()
    async with district.app.uow() as uow:
        try:
            if name in ("credit", "debit"):
                amount = rng.randint(1, 40) * (1 if name == "credit" else -1)
                await post(uow.session, NewEntry(person, amount, CORRECTION, None, name), ADMIN, now)
            elif name in ("redeem", "hand_over", "expire"):
                await _redemption_op(uow.session, name, rng, person, rewards=rewards, now=now)
            else:
                await _activity_op(uow.session, name, rng, person, activities=activities, now=now)
        except (Overdraw, RedeemError):
            return f"{name}: refused"
        await uow.commit()
    return name


async def test_a_thousand_mixed_operations_leave_every_balance_the_sum_of_its_entries(district: District) -> None:
    rng = random.Random(20261202)
    people = await volunteers(district, 12)
    for person in people:
        await give(district, person, rng.randint(0, 100) or 1)
    rewards = [await reward(district, points=p, stock=s, communities=()) for p, s in ((15, 40), (40, 10), (90, 3))]
    activities = [await activity(district, places=p, starts_in=timedelta(hours=1, minutes=30)) for p in (3, 6)]
    done: list[str] = []
    for _ in range(100):  # 100 rounds of 10 operations at once
        done += await asyncio.gather(*(_operate(district, rng, people, rewards, activities) for _ in range(10)))
    assert len(done) == 1000
    assert sum("refused" in d for d in done) > 20 and {d.split(":")[0] for d in done} == set(OPERATIONS)
    async with district.app.uow() as uow:
        assert await audit(uow.session) == []
        entries = int(await uow.session.scalar(select(func.count(LedgerEntry.id))) or 0)
        for reward_id, (_, stock) in zip(rewards, ((15, 40), (40, 10), (90, 3)), strict=True):
            left = await get_reward(uow.session, reward_id)
            out = await uow.session.scalar(
                select(func.count(Redemption.id)).where(Redemption.reward_id == reward_id, Redemption.status != "expired")
            )
            assert left is not None and left.stock >= 0 and left.stock + int(out or 0) == stock
        negative = await uow.session.scalar(text("SELECT count(*) FROM lovebank_accounts WHERE balance < 0"))
    assert entries > 200 and negative == 0
