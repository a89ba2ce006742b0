"""Volunteer activities in chat: a community posts one, eight people sign up for five places at once (five
places, a waiting list of three, on SQLite and PostgreSQL), a withdrawal moves the queue up, check-in
with the organiser's code, hours confirmed and credited once."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from handlers.lovebank.buttons import LoveActivity
from handlers.messages import InboundKind
from storage.lovebank.activities import CHECKED_IN, TAKEN, WAITING, get_activity, signups_of
from tests.districts import District
from tests.lovebank.helpers import activity, balance, ledger_agrees, person_id, volunteers
from tests.wishes.helpers import open_pushed


async def _statuses(district: District, activity_id: int) -> list[str]:
    """Return the activity's sign-up states in queue order."""
    async with district.app.uow() as uow:
        return [s.status for s in await signups_of(uow.session, activity_id)]


async def test_a_community_posts_an_activity_and_its_party_members_hear_of_it(local_district: District) -> None:
    worker = local_district.chat("community-guixiang")
    await worker.say("菜单")
    await worker.press("爱心银行管理")
    await worker.press("发布志愿活动")
    await worker.say("桂香苑环境清洁志愿服务")
    await worker.say("下周")
    assert "没看懂这个时间" in worker.text
    await worker.say("11月28日 9点")
    await worker.press("2 小时")
    await worker.say("桂香苑小区广场")
    await worker.say("0")
    assert "1 到 500" in worker.text
    await worker.say("5人")
    await worker.press("每小时 10 分")
    assert "开始：11月28日 09:00，约 2 小时" in worker.text and "名额：5 人；每小时 10 分" in worker.text
    await worker.press("发布")
    code = re.search(r"签到码：(\d{6})", worker.text)
    assert code is not None and "活动 #1 已发布" in worker.text
    party = local_district.chat("party-1")
    notice = await open_pushed(party, "活动 #1")
    assert "【志愿活动】桂香苑社区发布了活动 #1「桂香苑环境清洁志愿服务」" in notice
    assert "已报 0/5" in party.text and "您：未报名" in party.text
    await party.press("报名")
    assert "报名成功！活动 #1「桂香苑环境清洁志愿服务」" in party.text
    await party.say("志愿活动")
    assert "#1【桂香苑社区】桂香苑环境清洁志愿服务 · 11月28日 09:00—11:00（2 小时） · 已报 1/5" in party.text
    await worker.press("管理活动 #1")
    assert f"签到码：{code.group(1)}" in worker.text and "已报名：马甲" in worker.text


async def test_eight_sign_ups_at_once_for_five_places_leave_a_waiting_list_of_three(district: District) -> None:
    activity_id, _ = await activity(district, places=5)
    await volunteers(district, 8)
    chats = [district.chat(f"vol-{i}") for i in range(8)]
    payload = LoveActivity("signup", activity_id).pack()
    replies = await asyncio.gather(*(chat.send(InboundKind.BUTTON, payload) for chat in chats))
    texts = ["\n".join(m.text for m in reply) for reply in replies]
    assert sum("报名成功" in t for t in texts) == 5
    assert sum("名额已满，您已进入候补名单" in t for t in texts) == 3
    assert sorted(int(m.group(1)) for t in texts if (m := re.search(r"排第 (\d) 位", t))) == [1, 2, 3]
    assert sorted(await _statuses(district, activity_id)) == [TAKEN] * 5 + [WAITING] * 3
    async with district.app.uow() as uow:
        found = await get_activity(uow.session, activity_id)
        assert found is not None and (found.taken, found.places) == (5, 5)

    # The same person pressing again keeps one place; a full activity says so in its card.
    first = next(chat for chat, t in zip(chats, texts, strict=True) if "报名成功" in t)
    await first.send(InboundKind.BUTTON, payload)
    assert "您已经报名了" in first.text
    last = next(chat for chat, t in zip(chats, texts, strict=True) if "排第 3 位" in t)
    await last.send(InboundKind.BUTTON, LoveActivity("view", activity_id).pack())
    assert "名额：已报 5/5，候补 3 人" in last.text and "您：候补第 3 位" in last.text

    # A place freed moves the first in the queue up, and they are told.
    await first.send(InboundKind.BUTTON, LoveActivity("withdraw", activity_id).pack())
    assert "已取消报名" in first.text
    head = next(chat for chat, t in zip(chats, texts, strict=True) if "排第 1 位" in t)
    assert "【递补成功】" in await open_pushed(head)
    assert sorted(await _statuses(district, activity_id)) == [TAKEN] * 5 + [WAITING] * 2 + ["withdrawn"]
    await last.send(InboundKind.BUTTON, LoveActivity("view", activity_id).pack())
    assert "您：候补第 2 位" in last.text


async def test_check_in_with_the_code_then_hours_confirmed_credit_once(local_district: District) -> None:
    activity_id, code = await activity(local_district, places=3, starts_in=timedelta(hours=3), minutes=150, per_hour=10)
    party = local_district.chat("party-1")
    await party.send(InboundKind.BUTTON, LoveActivity("signup", activity_id).pack())
    other = local_district.chat("party-2")
    await other.send(InboundKind.BUTTON, LoveActivity("signup", activity_id).pack())
    stranger = local_district.chat("resident-2")
    await stranger.say(f"签到 {code}")
    assert "您没有报名活动" in stranger.text
    await party.say(f"签到 {code}")
    assert "还没到签到时间" in party.text

    local_district.clock.advance(hours=2, minutes=30)
    await party.say("签到 000000" if code != "000000" else "签到 111111")
    assert "签到码不对" in party.text
    await party.say(f"签到 {code}")
    assert "签到成功" in party.text
    await party.say(f"签到 {code}")
    assert "您已经签到过" in party.text
    await other.say("菜单")
    await other.press("爱心银行")
    await other.press("活动签到")
    await other.say(code)
    assert "签到成功" in other.text

    worker = local_district.chat("community-guixiang")
    await worker.send(InboundKind.BUTTON, LoveActivity("org", activity_id).pack())
    assert "已签到待确认：马甲；苗甲" in worker.text
    assert "确认服务时长" not in " ".join(b.label for m in worker.last for b in m.buttons)
    local_district.clock.advance(minutes=40)
    await worker.send(InboundKind.BUTTON, LoveActivity("org", activity_id).pack())
    await worker.press("确认服务时长")
    assert "已签到待确认 2 人" in worker.text
    await worker.press("苗甲：其他时长")
    await worker.say("1.5")
    assert "已确认服务 1.5 小时，发放 15 分" in worker.text
    await worker.send(InboundKind.BUTTON, LoveActivity("hours", activity_id).pack())
    await worker.press("全部按 2.5 小时确认")
    assert "已确认 1 人各 2.5 小时，共发放 25 分" in worker.text
    await worker.send(InboundKind.BUTTON, LoveActivity("confirm_all", activity_id).pack())
    assert "没有已签到、待确认时长的志愿者" in worker.text

    credit = await open_pushed(party)
    assert "【积分到账】志愿活动 #1「环境清洁志愿服务」服务 2.5 小时，获得 25 分，当前余额 25 分。" in credit
    assert "是否同意" in credit
    assert await balance(local_district, await person_id(local_district, "party-1")) == 25
    assert await balance(local_district, await person_id(local_district, "party-2")) == 15
    assert await ledger_agrees(local_district)
    assert CHECKED_IN not in await _statuses(local_district, activity_id)


async def test_only_the_organising_community_manages_an_activity(local_district: District) -> None:
    activity_id, _ = await activity(local_district, starts_in=timedelta(hours=-1))
    for who in ("resident-1", "community-liuan", "party-1"):
        chat = local_district.chat(who)
        for op in ("org", "hours", "confirm_all", "cancel_yes"):
            await chat.send(InboundKind.BUTTON, LoveActivity(op, activity_id).pack())
            assert "只有活动所在社区的工作人员" in chat.text, (who, op, chat.text)
    await local_district.chat("resident-1").send(InboundKind.BUTTON, LoveActivity("explode", activity_id).pack())
    assert await _statuses(local_district, activity_id) == []


async def test_an_organiser_cancels_and_everyone_signed_up_is_told(local_district: District) -> None:
    activity_id, _ = await activity(local_district, places=1)
    await local_district.chat("party-1").send(InboundKind.BUTTON, LoveActivity("signup", activity_id).pack())
    await local_district.chat("party-2").send(InboundKind.BUTTON, LoveActivity("signup", activity_id).pack())
    worker = local_district.chat("community-guixiang")
    await worker.send(InboundKind.BUTTON, LoveActivity("org", activity_id).pack())
    await worker.press("取消活动")
    await worker.press("确认取消活动")
    assert "已通知 2 人" in worker.text
    for who in ("party-1", "party-2"):
        assert "【活动取消】" in await open_pushed(local_district.chat(who))
    party = local_district.chat("party-3")
    await party.send(InboundKind.BUTTON, LoveActivity("signup", activity_id).pack())
    assert "不能报名了" in party.text


async def test_a_walk_in_signs_up_while_it_runs_but_not_after_it_ends(local_district: District) -> None:
    activity_id, code = await activity(local_district, places=4, starts_in=timedelta(minutes=-30), minutes=60)
    walk_in = local_district.chat("resident-3")
    await walk_in.send(InboundKind.BUTTON, LoveActivity("view", activity_id).pack())
    await walk_in.press("报名")
    assert "报名成功" in walk_in.text
    await walk_in.say(f"签到 {code}")
    assert "签到成功" in walk_in.text
    await walk_in.send(InboundKind.BUTTON, LoveActivity("withdraw", activity_id).pack())
    assert "没有可以取消的报名" in walk_in.text
    local_district.clock.advance(minutes=31)
    late = local_district.chat("resident-4")
    await late.send(InboundKind.BUTTON, LoveActivity("signup", activity_id).pack())
    assert "这个活动已结束或已取消" in late.text
    await late.say("志愿活动")
    assert "目前没有可报名的志愿活动" in late.text


async def test_the_check_in_word_alone_asks_for_the_code(local_district: District) -> None:
    activity_id, code = await activity(local_district, starts_in=timedelta(minutes=-5))
    party = local_district.chat("party-1")
    await party.send(InboundKind.BUTTON, LoveActivity("signup", activity_id).pack())
    await party.say("签到")
    assert "请输入组织者出示的签到码" in party.text
    await party.say(f" {code} ")
    assert "签到成功" in party.text
