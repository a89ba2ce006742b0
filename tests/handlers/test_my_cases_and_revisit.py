"""My cases (list, detail, add details, withdraw) and the revisit after completion."""

from __future__ import annotations

from handlers.messages import InboundKind, outbound_from_payload
from storage.cases.lifecycle import Action
from tests.handlers.chat import latest_case, report
from tests.handlers.conftest import District
from tests.handlers.staff import staff_act


async def _events(district: District, case_id: int) -> list[str]:
    async with district.app.uow() as uow:
        return [e.action for e in await uow.events.for_case(case_id)]


async def test_list_detail_and_paging(local_district: District) -> None:
    chat = local_district.chat("resident-1")
    await chat.say("我的诉求")
    assert "您还没有反映过诉求" in chat.text
    numbers = [(await report(chat, f"东湖路{i}号门口的路灯不亮了")).number for i in range(7)]
    await chat.say("我的诉求")
    assert "第 1 页" in chat.text and numbers[-1] in chat.text and numbers[0] not in chat.text
    await chat.press("下一页")
    assert "第 2 页" in chat.text and numbers[0] in chat.text
    await chat.press(f"查看 {numbers[0]}")
    assert f"诉求 {numbers[0]}【已派单】" in chat.text and "受理" in chat.text and "派单" in chat.text


async def test_add_details_reaches_the_handler_and_the_history(district: District) -> None:
    chat = district.chat("resident-1")
    case = await report(chat, "东湖路上有个大坑")
    await district.chat("dept-shizheng").inbox()
    await chat.say("我的诉求")
    await chat.press(f"查看 {case.number}")
    await chat.press("补充材料")
    await chat.say("坑越来越大了，今天还有电动车摔倒")
    assert "已补充到诉求" in chat.text
    await chat.say("我的诉求")
    await chat.press(f"查看 {case.number}")
    await chat.press("补充材料")
    await chat.photo("hole.jpg")
    pushed = await district.chat("dept-shizheng").inbox()
    assert len(pushed) == 2 and "【居民补充】" in pushed[0].payload["text"] and "电动车摔倒" in pushed[0].payload["text"]
    assert await _events(district, case.id) == ["register", "dispatch", "add_details", "add_details"]


async def test_withdraw_asks_first(local_district: District) -> None:
    chat = local_district.chat("resident-1")
    case = await report(chat, "楼下烧烤店油烟太大")
    await chat.say("我的诉求")
    await chat.press(f"查看 {case.number}")
    await chat.press("撤回诉求")
    assert "确定要撤回" in chat.text
    await chat.press("再想想")
    assert "【已派单】" in chat.text
    await chat.press("撤回诉求")
    await chat.press("确定撤回")
    assert f"诉求 {case.number} 已撤回" in chat.text
    assert (await latest_case(local_district.app)).status == "withdrawn"
    await chat.say("我的诉求")
    await chat.press(f"查看 {case.number}")
    assert "补充材料" not in [b.label for m in chat.last for b in m.buttons]


async def test_revisit_satisfied_closes_the_case(district: District) -> None:
    chat = district.chat("resident-1")
    case = await report(chat, "东湖路上有个大坑")
    await staff_act(district, "dept-shizheng", case.id, Action.SIGN)
    await staff_act(district, "dept-shizheng", case.id, Action.COMPLETE, note="已修补路面")
    pushed = await chat.inbox()
    texts = [p.payload["text"] for p in pushed]
    assert any("已由区市政设施管理处签收" in t for t in texts)
    assert any("已办结：已修补路面" in t for t in texts)
    revisit = next(p for p in pushed if p.kind == "revisit")
    chat.last = [outbound_from_payload(revisit.payload)]
    await chat.press("已解决")
    assert "满意吗" in chat.text
    replay = chat.button("满意")
    await chat.press("基本满意")
    assert "感谢您的评价" in chat.text
    closed = await latest_case(district.app)
    assert closed.status == "closed" and closed.resolution == "resolved"
    assert (await _events(district, case.id))[-2:] == ["start_revisit", "confirm_solved"]
    await chat.send(InboundKind.BUTTON, replay.payload)  # replaying an old revisit button
    assert "已经评价过了" in chat.text


async def test_revisit_not_satisfied_starts_a_redo_then_escalates(local_district: District) -> None:
    chat = local_district.chat("resident-1")
    case = await report(chat, "楼道里堆满了杂物", place="桂香苑")
    for round_ in (1, 2):
        if round_ == 1:
            await staff_act(local_district, "grid-guixiang-1", case.id, Action.SIGN)
        await staff_act(local_district, "grid-guixiang-1", case.id, Action.COMPLETE, note="已清理")
        revisit = [p for p in await chat.inbox() if p.kind == "revisit"][-1]
        chat.last = [outbound_from_payload(revisit.payload)]
        await chat.press("未解决")
        await chat.press("不满意")
        assert "哪里还没解决" in chat.text
        await chat.say(f"第{round_}次：杂物还在")
        assert "已重新交办" in chat.text
    final = await latest_case(local_district.app)
    assert final.redo_count == 2
    async with local_district.app.uow() as uow:
        unit = await uow.units.get(final.current_unit_id)  # type: ignore[arg-type]
        assert unit is not None and unit.code == "guixiang"  # escalated from the grid to its community
        events = [(e.action, e.note) for e in await uow.events.for_case(case.id)]
    assert ("redo", "未解决 / 不满意。原因：第1次：杂物还在") in events
    assert events[-1][0] == "escalate"
    pushed = await local_district.chat("community-guixiang").inbox()
    assert any("【升级】" in p.payload["text"] for p in pushed)
