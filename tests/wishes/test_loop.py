"""The whole micro-wish loop in chat: post → review (redaction) → publish → claim → fulfil → confirm → thanks."""

from __future__ import annotations

from datetime import timedelta

from storage.wishes.use_cases import get_wish, wish_counts
from tests.districts import District
from tests.wishes.helpers import WISH_TEXT, actions, open_pushed

PRIVATE = ("13912345678", "13800000001", "张三", "7栋", "301室")


async def test_the_whole_loop(district: District) -> None:
    start = district.clock()
    resident = district.chat("resident-1")
    await resident.say("微心愿")
    await resident.press("发布微心愿")
    await resident.press("老人")
    await resident.say(WISH_TEXT)
    await resident.photo("wish-walker.jpg")
    await resident.press("一个月内")
    await resident.press("使用登记电话")
    assert "所在社区：桂香苑社区" in resident.text and "期望完成：2026-12-23 前" in resident.text
    await resident.press("提交")
    assert "微心愿 #1 已提交" in resident.text

    district.clock.advance(hours=1)
    community = district.chat("community-guixiang")
    notice = await open_pushed(community, "心愿 #1")
    assert "【微心愿待审核】#1（老人）" in notice
    assert "联系方式（仅社区可见）：张三 13800000001" in community.text
    assert "建议公开文本：我是某某，家住[地址已隐去]，电话[电话已隐去]。腿脚不便，想要一台助行器。" in community.text
    assert "地址 桂香苑7栋2单元301室" in community.text and "电话 13912345678" in community.text
    await community.press("采用建议文本并发布")
    assert "微心愿 #1 已发布" in community.text
    assert "已通过审核并公开" in await open_pushed(resident)

    district.clock.advance(hours=3)
    party = district.chat("party-1")
    await party.say("菜单")
    await party.press("浏览微心愿")
    assert "#1【桂香苑社区·老人】我是某某" in party.text
    assert not any(secret in party.text for secret in PRIVATE)
    await party.press("心愿 #1")
    assert "心愿：我是某某，家住[地址已隐去]" in party.text
    assert not any(secret in party.text for secret in PRIVATE) and "联系方式" not in party.text
    await party.press("认领")
    assert "认领成功" in party.text
    assert "由党员马甲认领" in await open_pushed(community)

    district.clock.advance(days=2)
    await party.press("报告已实现")
    await party.say("还没拍照")
    assert "请先发送至少一张" in party.text
    await party.photo("delivered.jpg")
    await party.say("助行器已经送到家中")
    assert "已报告微心愿 #1 实现" in party.text

    confirm = await open_pushed(resident, "确认已实现")
    assert "党员马甲报告您的微心愿 #1 已实现" in confirm
    story = "党员马甲为桂香苑社区的老人实现了心愿：我是某某，家住[地址已隐去]，电话[电话已隐去]。腿脚不便，想要一台助行器。"
    assert story in resident.text
    thanks = await open_pushed(party)
    assert "【感谢您】" in thanks and story in thanks

    assert await actions(district, 1) == ["post", "approve", "claim", "fulfil", "confirm"]
    async with district.app.uow() as uow:
        wish = await get_wish(uow.session, 1)
        assert wish is not None and wish.status == "fulfilled" and wish.fulfil_photos == ["delivered.jpg"]
        assert wish.photos == ["wish-walker.jpg"] and wish.story == story
        counts = await wish_counts(uow.session, start, district.clock() + timedelta(seconds=1))
        elsewhere = await wish_counts(uow.session, start, district.clock() + timedelta(seconds=1), community_ids=[wish.community_id + 1])
    assert (counts.posted, counts.approved, counts.claimed, counts.fulfilled) == (1, 1, 1, 1)
    assert counts.median_hours_to_claim == 3.0 and counts.median_hours_to_fulfil == 48.0
    assert counts.by_category == {"elderly": 1}
    assert elsewhere.posted == 0


async def test_a_new_resident_names_their_place_and_the_date(local_district: District) -> None:
    newcomer = local_district.chat("new:granny")
    await newcomer.say("微心愿")
    await newcomer.press("发布微心愿")
    await newcomer.press("留守儿童")
    await newcomer.say("想要一套课外书")
    await newcomer.say("随便说点")
    assert "请发一张照片，或点「跳过」" in newcomer.text
    await newcomer.press("跳过")
    await newcomer.say("2025-01-01")
    assert "日期不对" in newcomer.text
    await newcomer.say("2027年1月5日")
    await newcomer.say("孙女的奶奶 027-8765432")
    assert "受助人住在哪个小区或社区" in newcomer.text
    await newcomer.say("火星基地")
    assert "没有找到这个地方" in newcomer.text
    await newcomer.say("桂花小区")
    assert "所在社区：桂香苑社区" in newcomer.text and "期望完成：2027-01-05 前" in newcomer.text
    await newcomer.press("提交")
    assert "微心愿 #1 已提交" in newcomer.text
    await newcomer.say("微心愿")
    await newcomer.press("我的微心愿")
    assert "#1【待审核·留守儿童】想要一套课外书" in newcomer.text
    await newcomer.press("心愿 #1")
    assert "心愿原文：想要一套课外书" in newcomer.text and "联系方式" not in newcomer.text
