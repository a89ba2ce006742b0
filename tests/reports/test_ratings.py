"""The revisit answers are stored in case_ratings, in the same transaction as the close or the redo."""

from __future__ import annotations

from sqlalchemy import select

from handlers.messages import outbound_from_payload
from storage.cases.lifecycle import Action
from storage.models.cases import CaseRating
from tests.handlers.chat import report
from tests.handlers.conftest import District
from tests.handlers.staff import staff_act


async def _ratings(district: District, case_id: int) -> list[tuple[int, int, int]]:
    async with district.app.session_factory() as session:
        rows = await session.execute(
            select(CaseRating.cycle, CaseRating.solved, CaseRating.satisfied).where(CaseRating.case_id == case_id).order_by(CaseRating.cycle)
        )
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]


async def test_answers_are_recorded_per_cycle(district: District) -> None:
    chat = district.chat("resident-1")
    case = await report(chat, "楼道里堆满了杂物", place="桂香苑")
    await staff_act(district, "grid-guixiang-1", case.id, Action.SIGN)
    for solved, satisfied in (("部分解决", "不满意"), ("已解决", "基本满意")):
        await staff_act(district, "grid-guixiang-1", case.id, Action.COMPLETE, note="已清理")
        revisit = [p for p in await chat.inbox() if p.kind == "revisit"][-1]
        chat.last = [outbound_from_payload(revisit.payload)]
        await chat.press(solved)
        await chat.press(satisfied)
        if satisfied == "不满意":
            await chat.say("还有一半没清")
    assert await _ratings(district, case.id) == [(1, 2, 3), (2, 1, 2)]
