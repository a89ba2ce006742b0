"""Every wish action checks the sender's bound role and unit; party members never see private details."""

from __future__ import annotations

from storage.wishes.use_cases import get_wish
from tests.districts import District
from tests.wishes.helpers import actions, op, open_pushed, seeded_wish, status_of


async def test_only_the_beneficiarys_community_reviews(local_district: District) -> None:
    wish_id = await seeded_wish(local_district, "resident-1", publish=False)
    for who in ("community-liuan", "grid-guixiang-1", "party-1", "resident-2"):
        chat = local_district.chat(who)
        reply = await op(chat, "approve", wish_id)
        assert "您无权查看这条微心愿" in reply, (who, reply)
        assert "13912345678" not in reply and "张三" not in reply
    assert await status_of(local_district, wish_id) == "pending"
    resident = local_district.chat("resident-1")
    assert "只有受助人所在社区" in await op(resident, "approve", wish_id)  # the poster sees it, but may not review
    assert await status_of(local_district, wish_id) == "pending"


async def test_residents_cannot_claim_and_only_the_claimant_reports(local_district: District) -> None:
    wish_id = await seeded_wish(local_district)
    resident = local_district.chat("resident-3")
    assert "只对已绑定的党员开放" in await op(resident, "claim", wish_id)
    community = local_district.chat("community-guixiang")
    assert "只对已绑定的党员开放" in await op(community, "claim", wish_id)
    claimant, other = local_district.chat("party-1"), local_district.chat("party-2")
    assert "认领成功" in await op(claimant, "claim", wish_id)
    for chat in (other, resident, community):
        reply = await op(chat, "done", wish_id)
        assert "无权查看" in reply or "只有认领这条微心愿的党员" in reply, (chat.who, reply)
        reply = await op(chat, "release", wish_id)
        assert "无权查看" in reply or "只有认领这条微心愿的党员" in reply, (chat.who, reply)
    assert await status_of(local_district, wish_id) == "claimed"
    assert "您无权查看这条微心愿" in await op(other, "release", wish_id)  # a claimed wish is not theirs to see
    assert "只有受助人本人或其所在社区" in await op(other, "confirm", wish_id)


async def test_only_the_beneficiary_or_the_community_confirms(local_district: District) -> None:
    wish_id = await seeded_wish(local_district)
    claimant = local_district.chat("party-1")
    await op(claimant, "claim", wish_id)
    await op(claimant, "done", wish_id)
    await claimant.photo("done.jpg")
    await claimant.press("提交")
    assert await status_of(local_district, wish_id) == "done"
    for who in ("party-1", "party-2", "resident-2", "community-liuan", "grid-guixiang-1"):
        reply = await op(local_district.chat(who), "confirm", wish_id)
        assert "只有受助人本人或其所在社区" in reply, (who, reply)
    assert await status_of(local_district, wish_id) == "done"
    community = local_district.chat("community-guixiang")
    await community.say("菜单")
    await community.press("待确认心愿")
    await community.press(f"心愿 #{wish_id}")
    await community.press("确认已实现")
    assert f"已确认微心愿 #{wish_id} 实现" in community.text
    assert await actions(local_district, wish_id) == ["post", "approve", "claim", "fulfil", "confirm"]
    assert "这条微心愿目前「已实现」，不能进行这个操作" in await op(local_district.chat("resident-1"), "confirm", wish_id)


async def test_grid_member_posts_on_behalf_and_the_community_writes_or_rejects(local_district: District) -> None:
    grid = local_district.chat("grid-guixiang-1")
    for text, contact in (("隔壁王大爷家住东湖路18号，想要一台收音机，他的身份证号420102195001011234。", "王秀英 13912345678"), ("想要一些过冬的棉被。", "李奶奶 0271234567")):
        await grid.say("菜单")
        await grid.press("代录微心愿")
        await grid.press("残疾人")
        await grid.say(text)
        await grid.press("跳过")
        await grid.say("2026-12-31")
        await grid.say(contact)
        assert "所在社区：桂香苑社区" in grid.text
        await grid.press("提交")
    community = local_district.chat("community-guixiang")
    await community.say("菜单")
    await community.press("待审核心愿")
    assert "共 2 条" in community.text
    await community.press("心愿 #1")
    assert "建议公开文本：隔壁某大爷家住[地址已隐去]，想要一台收音机，他的身份证号[证件号已隐去]。" in community.text
    assert "（网格员）" in community.text and "联系方式（仅社区可见）：王秀英 13912345678" in community.text
    await community.press("自己填写公开文本")
    await community.say("一位老人想要收音机，电话13912345678")
    assert "公开文本中仍有个人信息：电话 13912345678" in community.text
    await community.say("一位行动不便的老人想要一台收音机。")
    assert "微心愿 #1 已发布" in community.text
    await op(community, "reject", 2)
    await community.say("棉被已由民政统一发放，请联系社区领取。")
    assert "已退回发布人" in community.text
    assert "未通过审核：棉被已由民政统一发放" in await open_pushed(grid)
    async with local_district.app.uow() as uow:
        wish = await get_wish(uow.session, 1)
        assert wish is not None and wish.public_text == "一位行动不便的老人想要一台收音机。"
        assert wish.beneficiary_person_id is None and wish.poster_role == "grid_member"
    party = local_district.chat("party-1")
    await party.say("菜单")
    await party.press("浏览微心愿")
    assert "一位行动不便的老人想要一台收音机" in party.text and "王" not in party.text and "13912345678" not in party.text
    assert "这条微心愿现在不能认领" in await op(party, "claim", 2)
