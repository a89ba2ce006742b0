"""A red light from the real sweep reaches the unit in chat, which answers with its explanation."""

from __future__ import annotations

from datetime import timedelta

from handlers.messages import InboundKind, outbound_from_payload
from scheduler.jobs import light_sweep
from scheduler.wiring import JobDeps
from storage.cases.lifecycle import Action
from tests.handlers.chat import latest_case, report
from tests.handlers.conftest import District
from tests.handlers.staff import staff_act


async def test_red_light_nudges_and_explanation_in_chat(district: District) -> None:
    resident = district.chat("resident-1")
    case = await report(resident, "东湖路上有个大坑")
    await staff_act(district, "dept-shizheng", case.id, Action.SIGN)
    staff = district.chat("dept-shizheng")
    await staff.inbox()
    deps = JobDeps(session_factory=district.app.session_factory, settings=district.app.config)
    await light_sweep(deps, district.clock() + timedelta(hours=49))
    await light_sweep(deps, district.clock() + timedelta(hours=49, minutes=1))  # a second run adds nothing
    pushed = await staff.inbox()
    kinds = sorted(p.kind for p in pushed)
    assert kinds == ["explanation_request", "light_red", "light_yellow"]
    district.clock.advance(hours=50)
    red = next(p for p in pushed if p.kind == "light_red")
    staff.last = [outbound_from_payload(red.payload)]
    await staff.press("查看办理")
    assert "🔴红灯" in staff.text
    request = next(p for p in pushed if p.kind == "explanation_request")
    staff.last = [outbound_from_payload(request.payload)]
    await staff.press("提交情况说明")
    assert "请输入情况说明" in staff.text
    await staff.say("沥青供应延误，已协调明天施工")
    assert "情况说明已提交" in staff.text
    submit = next(b for b in outbound_from_payload(request.payload).buttons if b.label == "提交情况说明")
    await staff.send(InboundKind.BUTTON, submit.payload)
    await staff.say("再交一次")
    assert "已经提交过了" in staff.text
    async with district.app.uow() as uow:
        actions = [e.action for e in await uow.events.for_case(case.id)]
    assert actions[-3:] == ["light_yellow", "light_red", "explanation"]
    intruder = district.chat("dept-chengguan")
    intruder.last = [outbound_from_payload(request.payload)]
    await intruder.press("提交情况说明")
    await intruder.say("冒充")
    assert "没有权限" in intruder.text or "已经提交过了" in intruder.text
    await resident.say("我的诉求")
    await resident.press(f"查看 {case.number}")
    assert "红灯" not in resident.text and "情况说明" not in resident.text
    assert (await latest_case(district.app)).status == "signed"
