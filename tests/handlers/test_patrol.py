"""A grid member's patrol report (网格员上报): photo first, text, their own grid by default, then routed like a
resident's report (closing without a revisit once completed) or fixed on the spot and closed at once."""

from __future__ import annotations

from sqlalchemy import select

from storage.cases.lifecycle import Action
from storage.models.cases import Case, CaseEvent
from storage.models.people import Person
from tests.districts import District
from tests.handlers.chat import Chat
from tests.handlers.staff import staff_act

GRID_MEMBER = "grid-guixiang-2"
POTHOLE = "东湖路上有个大坑，车开过去很危险"


async def _walk_to_summary(chat: Chat, text: str = POTHOLE) -> None:
    await chat.say("菜单")
    await chat.press("网格员上报")
    assert "请先发送一张现场照片" in chat.text
    await chat.say(text)
    assert "请先发送现场照片" in chat.text
    await chat.photo("scene-1.jpg")
    await chat.say(text)
    assert "桂香苑社区第2网格" in chat.text
    await chat.press("在本网格")
    assert "请确认上报内容" in chat.text and "现场照片 1 张" in chat.text


async def _case(district: District, number: str) -> Case:
    async with district.app.uow() as uow:
        case = await uow.session.scalar(select(Case).where(Case.number == number))
        assert case is not None
        return case


async def _events(district: District, case_id: int) -> list[CaseEvent]:
    async with district.app.uow() as uow:
        return list(await uow.events.for_case(case_id))


def _number(text: str) -> str:
    start = text.index("QG-")
    return text[start : start + len("QG-20261121-0001")]


async def test_a_patrol_report_goes_to_the_department_and_closes_without_a_revisit(district: District) -> None:
    chat = district.chat(GRID_MEMBER)
    await _walk_to_summary(chat)
    await chat.press("上报")
    assert "已上报" in chat.text, chat.text
    case = await _case(district, _number(chat.text))
    async with district.app.uow() as uow:
        member = await uow.people.by_demo_key(GRID_MEMBER)
    assert member is not None
    assert case.source == "patrol" and case.resident_person_id == member.id and case.contact_phone is None
    assert case.photos == ["scene-1.jpg"] and case.department_code == "shizheng" and case.status == "dispatched"
    events = await _events(district, case.id)
    assert events[0].action == "register" and events[0].actor_role == "grid_member"
    department = district.chat("dept-shizheng")
    assert any(f"【新派单】{case.number}" in str(m.payload.get("text")) for m in await department.inbox())
    await staff_act(district, "dept-shizheng", case.id, Action.SIGN)
    closed = await staff_act(district, "dept-shizheng", case.id, Action.COMPLETE, note="已修复")
    assert closed.status == "closed" and closed.resolution == "patrol"
    assert [e.action for e in await _events(district, case.id)][-2:] == ["complete", "close_patrol"]
    pushed = [str(m.payload.get("text")) for m in await chat.inbox()]
    assert not any("解决了吗" in t or "您的诉求" in t for t in pushed), pushed


async def test_fixed_on_the_spot_closes_at_once_with_the_photo_of_the_fix(district: District) -> None:
    chat = district.chat(GRID_MEMBER)
    await _walk_to_summary(chat, "桂香苑7栋门口的垃圾堆了好几天")
    await chat.press("已就地解决")
    await chat.say("清理好了")
    assert "处置后的现场照片" in chat.text
    await chat.photo("fixed-1.jpg")
    await chat.say("已清理干净")
    assert "已记录就地解决" in chat.text and "已结案" in chat.text, chat.text
    case = await _case(district, _number(chat.text))
    assert case.status == "closed" and case.resolution == "patrol" and case.source == "patrol"
    async with district.app.uow() as uow:
        grid = await uow.units.by_code("guixiang-2")
    assert grid is not None and case.current_unit_id == grid.id
    events = await _events(district, case.id)
    assert [e.action for e in events] == ["register", "dispatch", "sign", "complete", "close_patrol"]
    assert events[3].attachments == ["fixed-1.jpg"] and events[3].note == "已清理干净" and events[3].actor_role == "grid_member"
    assert [m for m in await chat.inbox() if case.number in str(m.payload.get("text"))] == []


async def test_only_grid_members_file_patrol_reports(district: District) -> None:
    resident = district.chat("resident-1")
    await resident.say("网格员上报")
    assert "只有网格员" in resident.text
    department = district.chat("dept-shizheng")
    await department.say("菜单")
    assert "网格员上报" not in [b.label for m in department.last for b in m.buttons]
    async with district.app.uow() as uow:
        assert await uow.session.scalar(select(Person).where(Person.name == "郑甲")) is not None
