"""A revisit nobody answers: one reminder, then a phone-revisit task the command center records."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from handlers.messages import outbound_from_payload
from scheduler.jobs import revisit_followup
from scheduler.wiring import JobDeps
from storage.cases.lifecycle import Action
from storage.models.cases import CaseRating
from tests.handlers.chat import latest_case, report
from tests.handlers.conftest import District
from tests.handlers.staff import staff_act


async def test_reminder_then_phone_revisit(district: District) -> None:
    resident = district.chat("resident-1")
    case = await report(resident, "东湖路上有个大坑")
    await staff_act(district, "dept-shizheng", case.id, Action.SIGN)
    await staff_act(district, "dept-shizheng", case.id, Action.COMPLETE, note="已修补")
    await resident.inbox()
    deps = JobDeps(session_factory=district.app.session_factory, settings=district.app.config)
    start = district.clock()

    assert await revisit_followup(deps, start + timedelta(hours=2)) == "0 revisit reminder(s), 0 phone-revisit task(s) queued"
    for hours in (25, 26):
        await revisit_followup(deps, start + timedelta(hours=hours))
    reminders = await resident.inbox()
    assert len(reminders) == 1 and "还没有收到您的评价" in reminders[0].payload["text"]

    center = district.chat("dispatcher-1")
    await center.inbox()
    for hours in (73, 74):
        await revisit_followup(deps, start + timedelta(hours=hours))
    tasks = await center.inbox()
    assert len(tasks) == 1 and "【电话回访】" in tasks[0].payload["text"] and "13800000001" in tasks[0].payload["text"]
    assert len(await resident.inbox()) == 0  # still only the one reminder

    district.clock.advance(hours=74)
    center.last = [outbound_from_payload(tasks[0].payload)]
    await center.press("查看办理")
    await center.press("电话回访")
    await center.press("已解决")
    await center.press("满意")
    assert "已记录电话回访" in center.text
    closed = await latest_case(district.app)
    assert closed.status == "closed" and closed.resolution == "resolved"


async def test_unanswered_revisit_can_be_closed_without_one(local_district: District) -> None:
    case = await report(local_district.chat("resident-1"), "东湖路上有个大坑")
    await staff_act(local_district, "dept-shizheng", case.id, Action.SIGN)
    await staff_act(local_district, "dept-shizheng", case.id, Action.COMPLETE, note="已修补")
    center = local_district.chat("dispatcher-1")
    from handlers.messages import InboundKind

    await center.send(InboundKind.BUTTON, f"sc:{case.id}")
    await center.press("无法回访，结案")
    closed = await latest_case(local_district.app)
    assert closed.status == "closed" and closed.resolution == "unrated"
    async with local_district.app.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(CaseRating)) == 0
