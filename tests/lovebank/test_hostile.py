"""Forged love bank buttons and odd input: a polite answer, a warning in the log, and nothing changes."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from handlers.lovebank.buttons import (
    LoveActivity,
    LoveMenu,
    LovePage,
    LoveReward,
    LoveSignup,
    LoveVoucher,
)
from handlers.messages import InboundKind
from storage.models.lovebank import ActivitySignup, LedgerEntry, Redemption
from tests.districts import District
from tests.lovebank.helpers import activity, reward


async def _nothing_moved(district: District) -> None:
    """No entry, sign-up or redemption exists."""
    async with district.app.uow() as uow:
        for model in (LedgerEntry, ActivitySignup, Redemption):
            assert await uow.session.scalar(select(func.count(model.id))) == 0, model


async def test_forged_buttons_are_refused_with_a_warning(local_district: District, caplog: pytest.LogCaptureFixture) -> None:
    activity_id, _ = await activity(local_district, starts_in=timedelta(hours=-1))
    rice = await reward(local_district)
    resident = local_district.chat("resident-1")
    forged = [
        (LoveMenu("org_post"), "只对社区工作人员开放"),
        (LoveMenu("nope"), "这个按钮"),
        (LovePage("secret", 3), "这个按钮"),
        (LoveActivity("explode", activity_id), "这个按钮"),
        (LoveActivity("confirm_all", activity_id), "只有活动所在社区"),
        (LoveSignup("hours", 1), "这个按钮"),
        (LoveReward("withdraw", rice), "只对社区工作人员"),
        (LoveReward("redeem", 2**31 - 1), "不在您可兑换的目录中"),
        (LoveVoucher("hand", 1), "这个按钮"),
    ]
    with caplog.at_level(logging.WARNING, logger="handlers.lovebank.access"):
        for data, answer in forged:
            await resident.send(InboundKind.BUTTON, data.pack())
            assert answer in resident.text, (data, resident.text)
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) >= 6 and all("love bank: refused" in w for w in warned)
    assert not any("13800000001" in w or "张三" in w for w in warned)
    await _nothing_moved(local_district)


async def test_odd_numbers_and_codes_change_nothing(local_district: District) -> None:
    activity_id, code = await activity(local_district, starts_in=timedelta(minutes=-10))
    party = local_district.chat("party-1")
    for text in ("签到 " + "9" * 30, "签到 ../../etc", "签到 １２", "核销 ' OR 1=1 --", "加入帮帮团 \u0000123456"):
        await party.say(text)
        assert party.text, text
    worker = local_district.chat("community-guixiang")
    await worker.say("菜单")
    await worker.press("爱心银行管理")
    await worker.press("发布志愿活动")
    await worker.say("清洁")
    await worker.say("明天 25:00")
    assert "没看懂这个时间" in worker.text
    await worker.say("2099-01-01 09:00")
    assert "没看懂这个时间" in worker.text
    await worker.say("明天 9:00")
    await worker.say("1e9")
    assert "0 到 12" in worker.text
    await worker.say("99999999999999999999")
    assert "0 到 12" in worker.text
    await worker.say("取消")
    await worker.send(InboundKind.BUTTON, LoveActivity("org", activity_id).pack())
    assert f"签到码：{code}" in worker.text
    await _nothing_moved(local_district)
