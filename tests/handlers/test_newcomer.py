"""What a newcomer meets in chat: staff free text and help, rating from 我的诉求, answering a reply,
督办 on red lights, the extension's reason, confirming a dropped report, changing text and place."""

from __future__ import annotations

from handlers.messages import outbound_from_payload
from storage.cases.lifecycle import Action
from tests.handlers.chat import Chat, report
from tests.handlers.conftest import District
from tests.handlers.staff import staff_act


async def _pushed(chat: Chat, containing: str = "") -> str:
    """Take the chat's pushes and show the newest one containing a text as the last reply."""
    rows = [r for r in await chat.inbox() if containing in str(r.payload.get("text", ""))]
    assert rows, f"nothing containing {containing!r} was pushed to {chat.who}"
    chat.last = [outbound_from_payload(rows[-1].payload)]
    return chat.text


async def _state(district: District, who: str) -> str:
    async with district.app.uow() as uow:
        chat = await uow.conversations.get("sim", who)
        return chat.state if chat else "idle"


async def test_staff_free_text_shows_their_work_menu_not_a_complaint_draft(local_district: District) -> None:
    grid = local_district.chat("grid-guixiang-1")
    for text in ("工作菜单", "本周数据报告", "看看今天有什么事"):
        await grid.say(text)
        assert "已记下" not in grid.text and "工作菜单" in grid.text
        assert await _state(local_district, "grid-guixiang-1") == "idle"
    await grid.press("我要反映")
    assert "哪一类" in grid.text
    leader = local_district.chat("leader-district")
    await leader.say("帮助")
    assert "工作人员帮助" in leader.text and "领导" in leader.text and "「我要反映」" in leader.text
    resident = local_district.chat("resident-2")
    await resident.say("帮助")
    assert "工作人员帮助" not in resident.text and "我要反映" in resident.text


async def test_a_new_resident_is_greeted_without_a_made_up_name(local_district: District) -> None:
    visitor = local_district.chat("new:visitor")
    await visitor.say("/start")
    assert visitor.text.startswith("您好！") and "居民，" not in visitor.text


async def test_a_completed_case_is_rated_from_my_cases_or_by_typing(local_district: District) -> None:
    resident = local_district.chat("resident-1")
    case = await report(resident, "桂香苑7栋门口的井盖松动了，晚上很危险")
    for action, note in ((Action.SIGN, None), (Action.COMPLETE, "井盖已更换")):
        await staff_act(local_district, "dept-shizheng", case.id, action, note)
    await resident.say("我的诉求")
    await resident.press(f"查看 {case.number}")
    assert "待评价" in resident.text and "请点下方按钮评价" in resident.text
    await resident.press("未解决")
    await resident.press("不满意")
    await resident.say("井盖还是松的")
    assert "重新交办" in resident.text
    await staff_act(local_district, "dept-shizheng", case.id, Action.COMPLETE, "重新固定了")
    await resident.say("不满意")
    assert f"您的诉求 {case.number} 已办结。请问问题解决了吗？" in resident.text
    await resident.press("已解决")
    await resident.press("满意")
    assert "已结案" in resident.text
    await resident.say("满意")
    assert "没有待评价的诉求" in resident.text


async def test_a_resident_answers_a_staff_reply_with_its_button_or_in_free_text(local_district: District) -> None:
    resident = local_district.chat("resident-1")
    case = await report(resident, "桂香苑7栋门口的井盖松动了，晚上很危险")
    await staff_act(local_district, "dept-shizheng", case.id, Action.SIGN)
    await staff_act(local_district, "dept-shizheng", case.id, Action.REPLY, "我们明天上午去现场")
    assert "工作人员回复：我们明天上午去现场" in await _pushed(resident, "回复")
    await resident.press("回复")
    await resident.say("好的，我上午在家")
    assert f"已补充到诉求 {case.number}" in resident.text
    await resident.say("好的谢谢，请问什么时候能修好？")
    assert "这条消息是对它的回复，还是要反映新的问题？" in resident.text
    await resident.press(f"回复 {case.number}")
    assert f"已补充到诉求 {case.number}" in resident.text
    department = local_district.chat("dept-shizheng")
    assert "【居民补充】" in await _pushed(department, "请问什么时候能修好")
    async with local_district.app.uow() as uow:
        notes = [e.note for e in await uow.events.for_case(case.id) if e.action == "add_details"]
    assert notes == ["好的，我上午在家", "好的谢谢，请问什么时候能修好？"]
    await resident.say("楼下的路灯也坏了好几天了")
    await resident.press("反映新问题")
    assert "已记下" in resident.text and await _state(local_district, "resident-1") == "report.describe"


async def test_the_command_center_presses_the_unit_of_a_red_light_case(local_district: District) -> None:
    case = await report(local_district.chat("resident-1"), "桂香苑7栋门口的井盖松动了，晚上很危险")
    center = local_district.chat("dispatcher-1")
    await center.say("菜单")
    await center.press("红灯督办")
    assert "没有亮红灯" in center.text
    local_district.clock.advance(hours=60)
    await center.say("菜单")
    await center.press("红灯督办")
    await center.press(case.number)
    await center.press("督办")
    await center.say("今天下班前必须处理")
    assert f"已督办诉求 {case.number}" in center.text
    assert "【督办】" in await _pushed(local_district.chat("dept-shizheng"), "今天下班前必须处理")
    async with local_district.app.uow() as uow:
        assert "supervise" in [e.action for e in await uow.events.for_case(case.id)]


async def test_the_resident_learns_why_their_case_was_extended(local_district: District) -> None:
    resident = local_district.chat("resident-1")
    case = await report(resident, "桂香苑7栋门口的井盖松动了，晚上很危险")
    await staff_act(local_district, "dept-shizheng", case.id, Action.SIGN)
    department = local_district.chat("dept-shizheng")
    await department.say("我的任务")
    await department.press(case.number)
    await department.press("申请延期")
    await department.press("延期3天")
    await department.say("需要等厂家供货")
    center = local_district.chat("dispatcher-1")
    await _pushed(center, "【延期申请】")
    await center.press("查看办理")
    await center.press("批准延期")
    assert "原因：需要等厂家供货" in await _pushed(resident, "办理期限已延长")


async def test_dropping_a_report_asks_first_and_text_and_place_can_be_changed(local_district: District) -> None:
    resident = local_district.chat("resident-1")
    await resident.say("我要反映")
    await resident.press("投诉")
    await resident.say("小区门口的路灯坏了")
    await resident.press("说完了")
    await resident.say("桂香苑7栋")
    await resident.press("确认")
    await resident.press("使用登记电话")
    await resident.press("不提交了")
    assert "确定不提交" in resident.text
    await resident.press("返回确认")
    assert "请确认您的诉求" in resident.text
    await resident.press("修改描述")
    await resident.say("东湖路上有个大坑，车开过去很危险")
    assert "将转交：区市政设施管理处" in resident.text
    await resident.press("确认")
    assert "请确认您的诉求" in resident.text and "东湖路上有个大坑" in resident.text  # the contact is not asked again
    await resident.press("修改地点")
    await resident.say("柳岸新村")
    await resident.press("确认")
    assert "地点：柳岸新村" in resident.text
    await resident.press("不提交了")
    await resident.press("确定不提交")
    assert "没有提交" in resident.text
    async with local_district.app.uow() as uow:
        person = await uow.people.by_demo_key("resident-1")
        assert person is not None and list(await uow.cases.for_resident(person.id)) == []
