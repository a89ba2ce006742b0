"""A fulfilled wish credits its claimant exactly once — pressed twice, pressed by the beneficiary and the
community at once, or confirmed on two workers — and a group claim's team shares the points."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from handlers.buttons import WishOp
from handlers.messages import InboundKind
from nlp import Classifier
from storage.cases.lifecycle import Role
from storage.lovebank.ledger import WISH, entries_for
from storage.models.lovebank import LedgerEntry
from storage.wishes.use_cases import Actor, report_done
from tests.districts import District, start_district
from tests.lovebank.helpers import balance, ledger_agrees, person_id, volunteers
from tests.wishes.helpers import op, open_pushed, seeded_wish, status_of


async def done_wish(district: District, claimant: str = "party-1", *, group: str | None = None) -> int:
    """A published wish claimed in chat by CLAIMANT (for GROUP, if given) and reported done in storage."""
    wish_id = await seeded_wish(district)
    party = district.chat(claimant)
    if group is None:
        assert "认领成功" in await op(party, "claim", wish_id)
    else:
        await op(party, "group", wish_id)
        await party.say(group)
        assert "认领成功" in party.text and "帮帮团口令" in party.text
    async with district.app.uow() as uow:
        claimant_id = await person_id(district, claimant)
        await report_done(uow.session, wish_id, Actor(claimant_id, Role.PARTY_MEMBER.value), district.clock(), photos=["done.jpg"], note=None)
        await uow.commit()
    return wish_id


async def _credits(district: District, wish_id: int) -> list[tuple[int, int]]:
    """Return the wish's credits as (person, points)."""
    async with district.app.uow() as uow:
        return [(e.person_id, e.amount) for e in await entries_for(uow.session, WISH, wish_id)]


async def test_confirming_twice_credits_the_claimant_once(local_district: District) -> None:
    wish_id = await done_wish(local_district)
    resident = local_district.chat("resident-1")
    await op(resident, "confirm", wish_id)
    assert await status_of(local_district, wish_id) == "fulfilled"
    await op(resident, "confirm", wish_id)
    assert "不能进行这个操作" in resident.text
    community = local_district.chat("community-guixiang")
    await op(community, "confirm", wish_id)
    party_id = await person_id(local_district, "party-1")
    assert await _credits(local_district, wish_id) == [(party_id, 10)]
    assert await balance(local_district, party_id) == 10
    pushed = [m.payload["text"] for m in await local_district.chat("party-1").inbox()]
    assert sum("【积分到账】微心愿 #1 实现，获得 10 分" in t for t in pushed) == 1
    assert sum("【感谢您】" in t for t in pushed) == 1


async def test_the_beneficiary_and_the_community_confirming_at_once_credit_once(district: District) -> None:
    wish_id = await done_wish(district)
    payload = WishOp("confirm", wish_id).pack()
    chats = [district.chat("resident-1"), district.chat("community-guixiang")] * 3
    await asyncio.gather(*(chat.send(InboundKind.BUTTON, payload, platform_id=f"confirm-{i}") for i, chat in enumerate(chats)))
    assert await status_of(district, wish_id) == "fulfilled"
    assert await _credits(district, wish_id) == [(await person_id(district, "party-1"), 10)]
    assert await ledger_agrees(district)


@pytest.mark.postgres
async def test_confirmations_on_two_workers_credit_once(postgres_district: District, classifier: Classifier) -> None:
    wish_id = await done_wish(postgres_district)
    second = await start_district(postgres_district.app.config.storage.url, classifier)
    second.clock.now = postgres_district.clock()
    try:
        payload = WishOp("confirm", wish_id).pack()
        workers = [postgres_district.chat("resident-1"), second.chat("resident-1"), postgres_district.chat("community-guixiang"), second.chat("community-guixiang")]
        await asyncio.gather(*(chat.send(InboundKind.BUTTON, payload, platform_id=f"w-{i}") for i, chat in enumerate(workers)))
    finally:
        await second.app.close()
    assert await _credits(postgres_district, wish_id) == [(await person_id(postgres_district, "party-1"), 10)]
    async with postgres_district.app.uow() as uow:
        assert await uow.session.scalar(select(func.count(LedgerEntry.id))) == 1


async def test_a_group_claims_team_shares_the_points(local_district: District) -> None:
    await volunteers(local_district, 2, party=True)
    wish_id = await seeded_wish(local_district)
    party = local_district.chat("party-1")
    await op(party, "group", wish_id)
    await party.say("桂香苑党员帮帮团")
    code = party.text.split("帮帮团口令：")[1][:6]
    first, second = local_district.chat("vol-0"), local_district.chat("vol-1")
    await first.say(f"加入帮帮团 {code}")
    assert "已加入微心愿 #1 的帮帮团" in first.text
    await first.say(f"加入帮帮团 {code}")
    assert "已经在微心愿 #1 的帮帮团中" in first.text
    await second.say(f"加入帮帮团：{code}")
    await party.say(f"加入帮帮团 {code}")
    assert "您就是认领人" in party.text
    await local_district.chat("resident-2").say("加入帮帮团 999999" if code != "999999" else "加入帮帮团 888888")
    await party.send(InboundKind.BUTTON, WishOp("done", wish_id).pack())
    await party.photo("team.jpg")
    await party.press("提交")
    await op(local_district.chat("resident-1"), "confirm", wish_id)
    ids = [await person_id(local_district, key) for key in ("party-1", "vol-0", "vol-1")]
    assert await _credits(local_district, wish_id) == [(ids[0], 4), (ids[1], 3), (ids[2], 3)]
    assert "获得 3 分" in await open_pushed(first)
    await second.say(f"加入帮帮团 {code}")
    assert "这次认领已结束" in second.text


async def test_a_released_claims_team_is_not_the_next_claims(local_district: District) -> None:
    [helper] = await volunteers(local_district, 1, party=True)
    wish_id = await seeded_wish(local_district)
    party = local_district.chat("party-1")
    await op(party, "group", wish_id)
    await party.say("第一队")
    code = party.text.split("帮帮团口令：")[1][:6]
    await local_district.chat("vol-0").say(f"加入帮帮团 {code}")
    await op(party, "release", wish_id)
    other = local_district.chat("party-2")
    assert "认领成功" in await op(other, "claim", wish_id)
    async with local_district.app.uow() as uow:
        await report_done(uow.session, wish_id, Actor(await person_id(local_district, "party-2"), Role.PARTY_MEMBER.value), local_district.clock(), photos=["x.jpg"], note=None)
        await uow.commit()
    await op(local_district.chat("community-guixiang"), "confirm", wish_id)
    assert await _credits(local_district, wish_id) == [(await person_id(local_district, "party-2"), 10)]
    assert await balance(local_district, helper) == 0
