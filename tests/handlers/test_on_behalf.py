"""An operator files a case for a caller (代为登记): name and phone required, then the resident's report flow;
the revisit goes to the caller's chat when they have one, else to the command center as a phone revisit."""

from __future__ import annotations

from storage.cases.lifecycle import Action
from tests.districts import District
from tests.handlers.chat import Chat, latest_case
from tests.handlers.staff import staff_act

OPERATOR = "operator-1"
POTHOLE = "东湖路上有个大坑，车开过去很危险"


async def _file_for(chat: Chat, name: str, phone: str) -> None:
    await chat.say("菜单")
    await chat.press("代为登记")
    assert "来电人姓名" in chat.text
    await chat.say(name)
    await chat.say("不知道")
    assert "没有识别出电话号码" in chat.text
    await chat.say(phone)
    await chat.press("投诉")
    await chat.say(POTHOLE)
    await chat.press("说完了")
    await chat.say("桂香苑7栋")
    await chat.press("确认")
    assert "请确认" in chat.text or "来电人" in chat.text, chat.text
    assert f"来电人 {name} {phone[:3]}****{phone[-4:]}" in chat.text, chat.text
    await chat.press("提交")
    assert f"已为来电人{name}代为登记" in chat.text and "已受理" in chat.text, chat.text


async def _texts(chat: Chat) -> list[str]:
    return [str(m.payload.get("text")) for m in await chat.inbox()]


async def test_a_caller_without_chat_gets_a_phone_revisit(district: District) -> None:
    operator = district.chat(OPERATOR)
    await _file_for(operator, "李大爷", "13912345678")
    assert "电话回访" in operator.text
    case = await latest_case(district.app)
    async with district.app.uow() as uow:
        caller = await uow.people.get(case.resident_person_id)
        me = await uow.people.by_demo_key(OPERATOR)
        first = (await uow.events.for_case(case.id))[0]
    assert caller is not None and me is not None
    assert caller.name == "李大爷" and caller.phone == "13912345678" and case.contact_phone == "13912345678"
    assert case.source == f"operator:{me.id}" and first.actor_role == "operator" and first.actor_person_id == me.id
    department = "dept-shizheng" if case.department_code == "shizheng" else None
    assert department is not None, case.department_code
    await staff_act(district, department, case.id, Action.SIGN)
    done = await staff_act(district, department, case.id, Action.COMPLETE, note="已修复")
    assert done.status == "revisit"
    assert any(f"【电话回访】{case.number}" in t for t in await _texts(district.chat("dispatcher-1")))


async def test_a_caller_with_a_chat_is_revisited_there(district: District) -> None:
    await _file_for(district.chat(OPERATOR), "张三", "13800000001")  # resident-1's registered phone
    case = await latest_case(district.app)
    async with district.app.uow() as uow:
        resident = await uow.people.by_demo_key("resident-1")
    assert resident is not None and case.resident_person_id == resident.id
    await staff_act(district, "dept-shizheng", case.id, Action.SIGN)
    await staff_act(district, "dept-shizheng", case.id, Action.COMPLETE, note="已修复")
    pushed = await _texts(district.chat("resident-1"))
    assert any(case.number in t and "签收" in t for t in pushed) and any("解决了吗" in t for t in pushed), pushed
    assert not any(f"【电话回访】{case.number}" in t for t in await _texts(district.chat("dispatcher-1")))


async def test_only_operators_file_for_callers(district: District) -> None:
    resident = district.chat("resident-1")
    await resident.say("代为登记")
    assert "只有话务员" in resident.text
    dispatcher = district.chat("dispatcher-1")
    await dispatcher.say("菜单")
    labels = [b.label for m in dispatcher.last for b in m.buttons]
    assert "待分派" in labels and "代为登记" not in labels, labels
    await dispatcher.say("代为登记")
    assert "只有话务员" in dispatcher.text
