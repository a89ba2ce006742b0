"""Claiming: exactly one winner among many presses at once, group claims, the cap, releasing."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from handlers.buttons import WishOp
from handlers.messages import InboundKind
from nlp import Classifier
from storage.models.wishes import WishEvent
from storage.wishes.use_cases import get_wish
from tests.districts import District, start_district
from tests.wishes.helpers import actions, add_party_members, op, open_pushed, seeded_wish, status_of


async def test_fifty_party_members_press_claim_at_once_and_one_wins(district: District) -> None:
    wish_id = await seeded_wish(district)
    keys = await add_party_members(district, 50)
    chats = [district.chat(key) for key in keys]
    payload = WishOp("claim", wish_id).pack()
    replies = await asyncio.gather(*(chat.send(InboundKind.BUTTON, payload) for chat in chats))
    texts = ["\n".join(m.text for m in reply) for reply in replies]
    winners = [key for key, text in zip(keys, texts, strict=True) if "认领成功" in text]
    assert len(winners) == 1
    assert sum("刚刚被其他党员认领了" in text for text in texts) == 49
    async with district.app.uow() as uow:
        wish = await get_wish(uow.session, wish_id)
        winner = await uow.people.by_demo_key("party-1")
        claims = await uow.session.scalar(select(func.count(WishEvent.id)).where(WishEvent.wish_id == wish_id, WishEvent.action == "claim"))
        account = await uow.people.account("sim", winners[0])
    assert wish is not None and account is not None and winner is not None
    assert wish.status == "claimed" and wish.claimant_person_id == account.person_id
    assert claims == 1


async def test_group_claim_release_and_the_cap(local_district: District, classifier: Classifier) -> None:
    first, second, third = [await seeded_wish(local_district) for _ in range(3)]
    party = local_district.chat("party-1")
    await party.say("菜单")
    await party.press("浏览微心愿")
    assert "共 3 条" in party.text
    await party.press(f"心愿 #{first}")
    await party.press("以帮帮团认领")
    await party.say("桂香苑党员帮帮团")
    assert "认领成功" in party.text
    assert "由党员马甲（帮帮团：桂香苑党员帮帮团）认领" in await open_pushed(local_district.chat("community-guixiang"))
    async with local_district.app.uow() as uow:
        wish = await get_wish(uow.session, first)
        assert wish is not None and wish.claim_group == "桂香苑党员帮帮团"

    # The same district with a cap of two open claims per member.
    capped = await start_district(local_district.app.config.storage.url, classifier, QUNGONG_WISHES__MAX_OPEN_CLAIMS="2")
    try:
        capped.clock.now = local_district.clock()
        again = capped.chat("party-1")
        assert "认领成功" in await op(again, "claim", second)
        assert "您已有 2 条认领中的心愿" in await op(again, "claim", third)
        await again.say("菜单")
        await again.press("我认领的心愿")
        assert "共 2 条" in again.text
        await again.press(f"心愿 #{second}")
        await again.press("退回心愿")
        assert "重新回到认领列表" in again.text
        assert await status_of(capped, second) == "published"
        assert "认领成功" in await op(again, "claim", third)
    finally:
        await capped.app.close()
    assert await actions(local_district, second) == ["post", "approve", "claim", "release"]


async def test_a_wish_that_is_not_published_cannot_be_claimed(local_district: District) -> None:
    pending = await seeded_wish(local_district, publish=False)
    party = local_district.chat("party-2")
    assert "现在不能认领" in await op(party, "claim", pending)
    assert "这条微心愿现在不能认领" in await op(party, "group", pending)
    assert await status_of(local_district, pending) == "pending"
