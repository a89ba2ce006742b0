"""Abuse: a flooding chat is slowed without slowing others, a resident's new cases per hour are capped, and an
administrator bans a case's reporter from its card (told once, messages recorded, not handled)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.buttons import BanUser
from handlers.messages import InboundKind
from nlp import Classifier
from storage.invites import issue_invite
from storage.models.access import Ban
from storage.models.chat import InboundUpdate
from tests.districts import start_district
from tests.handlers.chat import Chat, latest_case, report
from tests.handlers.conftest import District


@pytest.fixture
async def strict(district_db: str, classifier: Classifier) -> AsyncIterator[District]:
    """The demo district where a chat may send 10 messages a minute."""
    started = await start_district(district_db, classifier, QUNGONG_ABUSE__MESSAGES_PER_MINUTE="10")
    yield started
    await started.app.close()


@pytest.fixture
async def capped(district_db: str, classifier: Classifier) -> AsyncIterator[District]:
    """The demo district where a resident may open 2 cases an hour."""
    started = await start_district(district_db, classifier, QUNGONG_ABUSE__NEW_CASES_PER_HOUR="2")
    yield started
    await started.app.close()


async def _statuses(district: District, prefix: str) -> list[str]:
    """Return the recorded statuses of updates whose platform ids start with PREFIX."""
    async with district.app.uow() as uow:
        rows = await uow.session.scalars(select(InboundUpdate.status).where(InboundUpdate.platform_id.like(f"{prefix}%")).order_by(InboundUpdate.id))
        return list(rows.all())


async def test_a_flood_is_slowed_and_others_are_served(strict: District) -> None:
    """The eleventh message in a minute is answered once with a request to slow down; another chat is unaffected."""
    flooder, neighbour = strict.chat("resident-1"), strict.chat("resident-2")
    answers = [await flooder.say("你好", platform_id=f"flood-{i}") for i in range(14)]
    assert all(any("您好" in m.text for m in a) for a in answers[:10])
    assert "您发送得太快了" in "\n".join(m.text for m in answers[10])
    assert answers[11:] == [[], [], []]
    await neighbour.say("我要反映")
    assert neighbour.button("投诉")
    assert len(await _statuses(strict, "flood-")) == 10  # the slowed messages were never taken in


async def test_new_cases_per_hour_are_capped_and_the_draft_kept(capped: District) -> None:
    """Two cases an hour: the third waits with its draft kept, and goes once the hour has passed."""
    chat = capped.chat("resident-1")
    await report(chat, "东湖路1号门口的路灯不亮了")
    await report(chat, "东湖路2号门口的井盖坏了")
    await chat.say("我要反映")
    await chat.press("投诉")
    await chat.say("东湖路3号门口的垃圾没人清")
    await chat.press("说完了")
    await chat.say("桂香苑7栋")
    await chat.press("确认")
    await chat.press("使用登记电话")
    await chat.press("提交")
    assert "一小时内已经提交了 2 件诉求，请于 11月23日 10:00 以后再提交" in chat.text, chat.text
    capped.clock.advance(minutes=59)
    await chat.press("提交")
    assert "一小时内已经提交了 2 件" in chat.text
    capped.clock.advance(minutes=2)
    await chat.press("提交")
    assert "已受理" in chat.text
    assert "垃圾没人清" in (await latest_case(capped.app)).text


async def _admin(district: District) -> Chat:
    """Return the chat of a newly bound administrator."""
    async with district.app.uow() as uow:
        issued = await issue_invite(uow, "admin", "dispatch", district.clock(), timedelta(hours=1), person_name="管理员")
        await uow.commit()
    admin = district.chat("new:admin")
    await admin.say(f"绑定 {issued.code}")
    assert "绑定成功" in admin.text, admin.text
    return admin


async def test_an_administrator_bans_a_reporter_from_the_card(district: District) -> None:
    """最近诉求 → the case → 屏蔽此用户 → 7 days → reason: the reporter is told once, then recorded and ignored."""
    resident = district.chat("resident-3")
    case = await report(resident, "楼上天天半夜装修，吵得没法睡")
    admin = await _admin(district)
    await admin.say("/start")
    await admin.press("最近诉求")
    await admin.press(case.number)
    await admin.press("屏蔽此用户")
    await admin.press("7 天")
    await admin.say("连续发送辱骂内容")
    assert f"已屏蔽诉求 {case.number} 的反映人" in admin.text
    await resident.say("你好", platform_id="banned-1")
    assert "已被暂停使用" in resident.text
    await resident.say("我要反映", platform_id="banned-2")
    assert resident.last == []
    assert await _statuses(district, "banned-") == ["banned", "banned"]
    async with district.app.uow() as uow:
        record = await uow.session.scalar(select(Ban))
        assert record is not None and record.reason == "连续发送辱骂内容"
    district.clock.advance(days=7, minutes=1)
    await resident.say("你好")
    assert "已被暂停使用" not in resident.text and resident.last


async def test_only_administrators_may_ban(district: District) -> None:
    """A grid member replaying the ban button, or a resident, is refused and nobody is banned."""
    resident = district.chat("resident-3")
    case = await report(resident, "小区门口的路灯坏了")
    for who in ("grid-guixiang-1", "resident-2"):
        chat = district.chat(who)
        await chat.send(InboundKind.BUTTON, BanUser(case.id).pack())
        assert "屏蔽" not in chat.text
    async with district.app.uow() as uow:
        assert await uow.session.scalar(select(Ban)) is None


async def test_concurrent_floods_do_not_starve_a_quiet_chat(strict: District) -> None:
    """Five chats flooding at once: a quiet chat's one message is still answered."""
    floods = [strict.chat(f"new:flood{i}") for i in range(5)]
    quiet = strict.chat("resident-2")
    results = await asyncio.gather(*(c.say("你好") for c in floods for _ in range(12)), quiet.say("我要反映"))
    assert any(b.label == "投诉" for m in results[-1] for b in m.buttons)
