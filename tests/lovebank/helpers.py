"""Helpers for the love bank tests: volunteers with simulator accounts, points, rewards and activities in storage."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from storage.cases.lifecycle import Role
from storage.lovebank.activities import NewActivity, create_activity
from storage.lovebank.ledger import CORRECTION, NewEntry, Recorder, audit, balance_of, post
from storage.lovebank.rewards import NewReward, add_reward
from storage.models.people import ChannelAccount, Person
from tests.districts import District

ADMIN = Recorder(None, "admin")


async def volunteers(district: District, count: int, *, prefix: str = "vol", community: str = "guixiang", party: bool = False) -> list[int]:
    """Create residents of a community (party members when asked), each with a simulator account KEY = PREFIX-N; return their ids."""
    now = district.clock()
    ids = []
    async with district.app.uow() as uow:
        unit = await uow.units.by_code(community)
        assert unit is not None
        for index in range(count):
            key = f"{prefix}-{index}"
            person = uow.people.add(Person(name=f"志愿者{prefix}{index}", registered_unit_id=unit.id, created_at=now))
            await uow.flush()
            if party:
                await uow.people.bind(person.id, Role.PARTY_MEMBER.value, unit.id, now)
            uow.people.add_account(ChannelAccount(channel="sim", external_id=key, chat_id=key, person_id=person.id, created_at=now))
            ids.append(person.id)
        await uow.commit()
    return ids


async def person_id(district: District, key: str) -> int:
    """Return the id of a demo person (or a volunteer made above) by their simulator key."""
    async with district.app.uow() as uow:
        account = await uow.people.account("sim", key)
        assert account is not None
        return account.person_id


async def give(district: District, person: int, points: int, note: str = "test") -> None:
    """Credit (or debit) a person by a correction entry."""
    async with district.app.uow() as uow:
        await post(uow.session, NewEntry(person, points, CORRECTION, None, note), ADMIN, district.clock())
        await uow.commit()


async def balance(district: District, person: int) -> int:
    """Return a person's balance."""
    async with district.app.uow() as uow:
        return await balance_of(uow.session, person)


async def ledger_agrees(district: District) -> bool:
    """Tell whether every balance equals the sum of its ledger entries."""
    async with district.app.uow() as uow:
        return await audit(uow.session) == []


async def reward(district: District, *, points: int = 30, stock: int = 5, unit: str = "guixiang", name: str = "大米5斤", communities: tuple[str, ...] | None = None) -> int:
    """Put a reward in a unit's catalogue (for its own community by default); return its id."""
    now = district.clock()
    async with district.app.uow() as uow:
        owner = await uow.units.by_code(unit)
        assert owner is not None
        codes = (unit,) if communities is None and owner.kind == "community" else communities or ()
        ids = []
        for code in codes:
            found = await uow.units.by_code(code)
            assert found is not None
            ids.append(found.id)
        new = NewReward(owner.id, name, points, stock, date(2027, 6, 30), provider="爱心超市", community_ids=tuple(ids))
        made = await add_reward(uow.session, new, now)
        await uow.commit()
        return made.id


async def activity(district: District, *, places: int = 5, starts_in: timedelta = timedelta(days=2), minutes: int = 120, per_hour: int = 10, community: str = "guixiang", organiser: str = "community-guixiang") -> tuple[int, str]:
    """Post an activity in storage; return its id and check-in code."""
    now: datetime = district.clock()
    async with district.app.uow() as uow:
        unit = await uow.units.by_code(community)
        account = await uow.people.account("sim", organiser)
        assert unit is not None and account is not None
        new = NewActivity(unit.id, account.person_id, "环境清洁志愿服务", "桂香苑小区广场", now + starts_in, minutes, places, per_hour)
        made = await create_activity(uow.session, new, now)
        await uow.commit()
        return made.id, made.checkin_code
