"""Leaders (and the command center) ask for this week's or month's report in chat; a job answers once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.messages import outbound_from_payload
from scheduler.reports import requested_reports
from scheduler.wiring import JobDeps
from storage.models.reports import ReportRequest
from tests.districts import District


async def test_a_leader_asks_and_the_report_arrives_once(district: District) -> None:
    leader = district.chat("leader-district")
    await leader.say("菜单")
    await leader.press("本周报告")
    assert "正在生成本周" in leader.text
    await leader.say("本周报告")  # asked twice before the job runs: one request, one report
    deps = JobDeps(session_factory=district.app.session_factory, settings=district.app.config)
    now = district.clock() + timedelta(seconds=5)
    assert await requested_reports(deps, now) == "1 asked-for reports queued"
    assert await requested_reports(deps, now) == "no reports asked for"
    pushed = await leader.inbox()
    assert len(pushed) == 1
    report = outbound_from_payload(pushed[0].payload)
    assert "区" in report.text and report.image is not None and report.image.startswith("media:")
    street = district.chat("leader-dh")
    await street.say("本月报告")
    await requested_reports(deps, now)
    assert "东湖" in outbound_from_payload((await street.inbox())[0].payload).text


async def test_only_leaders_and_the_center_may_ask(district: District) -> None:
    for who in ("resident-1", "grid-guixiang-1"):
        chat = district.chat(who)
        await chat.say("本周报告")
        assert "只对领导和区群工指挥中心开放" in chat.text
    center = district.chat("dispatcher-1")
    await center.say("菜单")
    await center.press("本月报告")
    async with district.app.uow() as uow:
        assert [r.kind for r in (await uow.session.scalars(select(ReportRequest))).all()] == ["month"]
