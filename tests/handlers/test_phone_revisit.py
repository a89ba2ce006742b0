"""A phone revisit recorded by the command center is the resident's rating: once per cycle, like a chat answer."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers.buttons import Choice, StaffOp
from handlers.messages import InboundKind, outbound_from_payload
from storage.cases.lifecycle import Action
from storage.models.cases import Case, CaseRating
from storage.stats.compute import compute_stats
from storage.stats.directory import load_directory, resolve_scope
from storage.stats.period import week_of
from tests.handlers.chat import Chat, report
from tests.handlers.conftest import District
from tests.handlers.staff import staff_act

TZ = ZoneInfo("Asia/Shanghai")


async def _completed(district: District) -> tuple[Case, Chat]:
    """Report a case as resident-1, have it completed, and return it with the resident's chat holding the revisit."""
    resident = district.chat("resident-1")
    case = await report(resident, "东湖路上有个大坑")
    await staff_act(district, "dept-shizheng", case.id, Action.SIGN)
    case = await staff_act(district, "dept-shizheng", case.id, Action.COMPLETE, note="已修补")
    revisit = [p for p in await resident.inbox() if p.kind == "revisit"][-1]
    resident.last = [outbound_from_payload(revisit.payload)]
    return case, resident


async def _phone(district: District, who: str, case_id: int, *answers: str) -> Chat:
    """Open the case card as command-center staff and record a phone revisit with these button answers."""
    center = district.chat(who)
    await center.send(InboundKind.BUTTON, f"sc:{case_id}")
    await center.press("电话回访")
    for label in answers:
        await center.press(label)
    return center


async def _ratings(district: District, case_id: int) -> list[tuple[int, int, int, int | None]]:
    async with district.app.session_factory() as session:
        rows = await session.execute(
            select(CaseRating.cycle, CaseRating.solved, CaseRating.satisfied, CaseRating.person_id)
            .where(CaseRating.case_id == case_id)
            .order_by(CaseRating.id)
        )
        return [tuple(r) for r in rows.all()]


async def _case_and_events(district: District, case_id: int) -> tuple[Case, list[tuple[str, str, str | None]]]:
    async with district.app.uow() as uow:
        case = await uow.cases.get(case_id)
        assert case is not None
        return case, [(e.action, e.actor_role, e.note) for e in await uow.events.for_case(case_id)]


async def _resident_id(district: District) -> int:
    async with district.app.uow() as uow:
        person = await uow.people.by_demo_key("resident-1")
        assert person is not None
        return person.id


async def test_phone_revisit_solved_and_satisfied_closes_the_case_and_rates_it(district: District) -> None:
    case, _ = await _completed(district)
    center = await _phone(district, "dispatcher-1", case.id, "已解决")
    assert "居民对办理满意吗" in center.text
    assert [b.label for m in center.last for b in m.buttons] == ["满意", "基本满意", "不满意"]
    await center.press("满意")
    assert f"已记录电话回访，诉求 {case.number} 已结案" in center.text
    closed, events = await _case_and_events(district, case.id)
    assert closed.status == "closed" and closed.resolution == "resolved"
    assert events[-1] == ("confirm_solved", "command_center", "电话回访：已解决 / 满意")
    assert await _ratings(district, case.id) == [(case.cycle, 1, 1, await _resident_id(district))]


async def test_phone_revisit_not_solved_starts_a_redo_with_the_reason(district: District) -> None:
    case, _ = await _completed(district)
    center = await _phone(district, "dispatcher-1", case.id, "未解决", "不满意")
    assert "原因" in center.text
    await center.say("居民说坑只补了一半")
    assert f"诉求 {case.number} 已重新交办" in center.text
    redone, events = await _case_and_events(district, case.id)
    assert redone.status == "in_progress" and redone.redo_count == 1 and redone.cycle == case.cycle + 1
    assert events[-1] == ("redo", "command_center", "电话回访：未解决 / 不满意。原因：居民说坑只补了一半")
    assert await _ratings(district, case.id) == [(case.cycle, 3, 3, await _resident_id(district))]


async def test_a_late_chat_answer_or_a_second_phone_rating_changes_nothing(district: District) -> None:
    case, resident = await _completed(district)
    stale = district.chat("dispatcher-2")
    await stale.send(InboundKind.BUTTON, f"sc:{case.id}")
    await stale.press("电话回访")
    await stale.press("已解决")  # dispatcher-2 is now asked about satisfaction
    await _phone(district, "dispatcher-1", case.id, "已解决", "基本满意")
    rated = [(case.cycle, 1, 2, await _resident_id(district))]
    assert await _ratings(district, case.id) == rated
    _, events = await _case_and_events(district, case.id)

    await resident.press("已解决")
    assert f"诉求 {case.number} 已经评价过了" in resident.text
    await stale.press("不满意")
    assert f"诉求 {case.number} 已有回访结果" in stale.text
    await stale.send(InboundKind.BUTTON, StaffOp("phone", case.id).pack())
    assert "不能进行这个操作" in stale.text

    after, events_after = await _case_and_events(district, case.id)
    assert after.status == "closed" and events_after == events
    assert await _ratings(district, case.id) == rated


async def test_a_resident_reason_after_a_phone_redo_is_not_a_second_answer(district: District) -> None:
    case, resident = await _completed(district)
    await resident.press("部分解决")
    await resident.press("不满意")  # the resident is now asked why
    center = await _phone(district, "dispatcher-1", case.id, "未解决", "不满意")
    await center.say("居民电话里说坑还在")
    await resident.say("坑还在")
    assert f"诉求 {case.number} 已经评价过了" in resident.text
    redone, events = await _case_and_events(district, case.id)
    assert redone.redo_count == 1 and [e[0] for e in events].count("redo") == 1
    assert await _ratings(district, case.id) == [(case.cycle, 3, 3, await _resident_id(district))]


async def test_leader_satisfaction_counts_the_phone_rating(district: District) -> None:
    week = week_of(date(2026, 11, 23), TZ)

    async def figures() -> tuple[int, int, float | None]:
        async with district.app.session_factory() as session:
            stats = await compute_stats(session, week, resolve_scope(await load_directory(session), None), TZ, district.clock())
        return stats.total.rated, stats.total.satisfied, stats.total.satisfaction_rate

    assert await figures() == (0, 0, None)
    satisfied, _ = await _completed(district)
    await _phone(district, "dispatcher-1", satisfied.id, "已解决", "满意")
    assert await figures() == (1, 1, 1.0)
    unhappy, _ = await _completed(district)
    center = await _phone(district, "dispatcher-1", unhappy.id, "部分解决", "不满意")
    await center.say("居民说还有积水")
    assert await figures() == (2, 1, 0.5)


async def test_only_the_command_center_records_a_phone_revisit(district: District) -> None:
    case, _ = await _completed(district)
    handler = district.chat("dept-shizheng")
    await handler.send(InboundKind.BUTTON, f"sc:{case.id}")
    assert not any("电话回访" in b.label for m in handler.last for b in m.buttons)
    for who, refusal in (("dept-shizheng", "不能进行这个操作"), ("grid-guixiang-1", "无权"), ("leader-district", "无权")):
        chat = district.chat(who)
        await chat.send(InboundKind.BUTTON, StaffOp("phone", case.id).pack())
        assert refusal in chat.text, (who, chat.text)
        await chat.send(InboundKind.BUTTON, Choice("staff.phone_satisfied", "1").pack())
        assert "已经过期" in chat.text, (who, chat.text)
    unchanged, _ = await _case_and_events(district, case.id)
    assert unchanged.status == "revisit"
    assert await _ratings(district, case.id) == []
