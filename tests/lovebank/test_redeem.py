"""Redeeming in chat: 我的积分 → 兑换 → a one-time code; the provider's staff confirm it once; a short balance
or an empty stock is refused and changes nothing; an uncollected code expires and the points come back."""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.lovebank.buttons import LoveReward, LoveVoucher
from handlers.messages import InboundKind
from scheduler.jobs import JOBS
from scheduler.lovebank_jobs import expire_redemptions
from scheduler.wiring import JobDeps
from storage.lovebank.ledger import REFUND, entries_of
from storage.lovebank.rewards import get_reward
from tests.districts import District
from tests.lovebank.helpers import balance, give, ledger_agrees, person_id, reward
from tests.wishes.helpers import open_pushed


async def _stock(district: District, reward_id: int) -> int:
    """Return a reward's stock."""
    async with district.app.uow() as uow:
        found = await get_reward(uow.session, reward_id)
        assert found is not None
        return found.stock


async def test_points_redeemed_for_a_code_that_the_community_confirms_once(local_district: District) -> None:
    party_id = await person_id(local_district, "party-1")
    await give(local_district, party_id, 50, "试运行奖励")
    rice = await reward(local_district, points=30, stock=2)
    await reward(local_district, points=20, unit="liuan", name="理发券")  # another community's: not offered here
    party = local_district.chat("party-1")
    await party.say("我的积分")
    assert "【爱心银行】马甲，您的积分：50 分" in party.text and "+50 积分调整：试运行奖励" in party.text
    assert "是否同意" in party.text
    await party.press("同意显示我的姓名")
    assert "您的姓名会出现在社区志愿者榜单上" in party.text
    await party.say("我的积分")
    await party.press("兑换")
    assert "可兑换的奖品（共 1 件，您有 50 分）" in party.text and "理发券" not in party.text
    await party.press("大米5斤")
    assert "领取地点：桂香苑社区" in party.text
    await party.press("确认兑换（30 分）")
    found = re.search(r"兑换码：([A-Z0-9]{4}-[A-Z0-9]{4})", party.text)
    assert found is not None and "已扣除 30 分，余额 20 分" in party.text
    code = found.group(1)
    assert await _stock(local_district, rice) == 1

    # Another community's worker cannot confirm it; a resident cannot either.
    elsewhere = local_district.chat("community-liuan")
    await elsewhere.say(f"核销 {code}")
    assert "不由您所在的单位发放" in elsewhere.text
    resident = local_district.chat("resident-1")
    await resident.say(f"核销 {code}")
    assert "只对社区工作人员和区群工指挥中心开放" in resident.text

    worker = local_district.chat("community-guixiang")
    await worker.say("菜单")
    await worker.press("爱心银行管理")
    await worker.press("核销兑换码")
    await worker.say("NOPE-CODE")
    assert "没有这个兑换码" in worker.text
    await worker.say(f"核销 {code.lower()}")
    assert "大米5斤（30 分），兑换人 马*" in worker.text and "待领取" in worker.text
    await worker.press("确认已发放")
    assert f"已核销：大米5斤（兑换码 {code}）" in worker.text
    await worker.say(f"核销 {code}")
    assert "已于" in worker.text and "不能再次使用" in worker.text
    assert "【兑换已领取】大米5斤" in await open_pushed(party)
    await party.say("我的积分")
    await party.press("我的兑换")
    assert f"大米5斤（30 分）兑换码 {code}：已于" in party.text


async def test_a_short_balance_and_an_empty_stock_are_refused_and_change_nothing(local_district: District) -> None:
    party_id = await person_id(local_district, "party-1")
    await give(local_district, party_id, 25)
    rice = await reward(local_district, points=30, stock=1)
    party = local_district.chat("party-1")
    await party.send(InboundKind.BUTTON, LoveReward("redeem", rice).pack())
    assert "积分不足：需要 30 分，您现在有 25 分" in party.text
    assert await balance(local_district, party_id) == 25 and await _stock(local_district, rice) == 1

    other = await person_id(local_district, "party-2")
    await give(local_district, other, 100)
    shared = await reward(local_district, points=10, stock=1, unit="guixiang", communities=())  # a community reward offered everywhere
    await local_district.chat("party-2").send(InboundKind.BUTTON, LoveReward("redeem", shared).pack())
    await give(local_district, party_id, 10)
    await party.send(InboundKind.BUTTON, LoveReward("redeem", shared).pack())
    assert "这件奖品刚刚兑完了" in party.text
    assert await balance(local_district, party_id) == 35 and await _stock(local_district, shared) == 0
    await party.send(InboundKind.BUTTON, LoveVoucher("hand", 1).pack())
    assert "只对社区工作人员" in party.text
    assert await ledger_agrees(local_district)


async def test_an_uncollected_code_expires_and_the_points_come_back_once(local_district: District) -> None:
    party_id = await person_id(local_district, "party-1")
    await give(local_district, party_id, 40)
    rice = await reward(local_district, points=30, stock=1)
    party = local_district.chat("party-1")
    await party.send(InboundKind.BUTTON, LoveReward("redeem", rice).pack())
    code = re.search(r"兑换码：(\S+)", party.text)
    assert code is not None and await balance(local_district, party_id) == 10
    deps = JobDeps(session_factory=local_district.app.session_factory, settings=local_district.app.config)
    now = local_district.clock()
    assert await expire_redemptions(deps, now + timedelta(days=13)) == "0 uncollected redemptions expired, points returned"
    later = now + timedelta(days=14, minutes=1)
    assert await expire_redemptions(deps, later) == "1 uncollected redemptions expired, points returned"
    assert await expire_redemptions(deps, later) == "0 uncollected redemptions expired, points returned"
    assert await balance(local_district, party_id) == 40 and await _stock(local_district, rice) == 1
    async with local_district.app.uow() as uow:
        assert [e.reason for e in await entries_of(uow.session, party_id)][:2] == [REFUND, "redeem"]
    assert "【兑换已过期】大米5斤" in await open_pushed(party) and "30 分已退回，当前余额 40 分" in party.text
    local_district.clock.now = later
    worker = local_district.chat("community-guixiang")
    await worker.say(f"核销 {code.group(1)}")
    assert "已过期，积分已退回" in worker.text
    assert JOBS["lovebank_expiry"].schedule(local_district.app.config) == "every 15 min"
    assert await ledger_agrees(local_district)


async def test_the_community_keeps_its_catalogue_in_chat(local_district: District) -> None:
    worker = local_district.chat("community-guixiang")
    await worker.say("菜单")
    await worker.press("爱心银行管理")
    await worker.press("添加兑换奖品")
    await worker.say("理发券")
    await worker.press("跳过")
    await worker.say("二十")
    assert "1 到 100000" in worker.text
    await worker.say("20")
    await worker.say("10件")
    await worker.press("三个月")
    assert "需要 20 分，库存 10 件" in worker.text and "适用社区：桂香苑社区" in worker.text
    await worker.press("发布")
    assert "奖品 #1「理发券」已上架" in worker.text
    await worker.say("菜单")
    await worker.press("爱心银行管理")
    await worker.press("兑换目录")
    await worker.press("管理 #1")
    await worker.press("补充库存")
    await worker.say("5")
    assert "库存现为 15 件" in worker.text
    await worker.send(InboundKind.BUTTON, LoveReward("withdraw", 1).pack())
    assert "已下架" in worker.text
    party = local_district.chat("party-1")
    await party.say("兑换")
    assert "目前没有可兑换的奖品" in party.text
    elsewhere = local_district.chat("community-liuan")
    await elsewhere.send(InboundKind.BUTTON, LoveReward("restock", 1).pack())
    assert "这件奖品不在您单位的兑换目录中" in elsewhere.text


async def test_the_command_center_offers_a_district_reward_in_one_community(local_district: District) -> None:
    center = local_district.chat("dispatcher-1")
    await center.say("菜单")
    await center.press("爱心银行管理")
    assert "发布志愿活动" not in " ".join(b.label for m in center.last for b in m.buttons)
    await center.press("添加兑换奖品")
    await center.say("公交卡充值20元")
    await center.say("区公交公司")
    await center.say("200")
    await center.say("3")
    await center.say("2027-03-31")
    await center.press("柳岸社区")
    assert "适用社区：柳岸社区" in center.text
    await center.press("发布")
    for who, offered in (("party-2", True), ("party-1", False)):
        chat = local_district.chat(who)
        await chat.say("兑换")
        assert ("公交卡充值20元" in chat.text) is offered, chat.text
