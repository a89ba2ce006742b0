"""Wish reminders with a fixed clock: each is queued once, however often the job runs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from scheduler.jobs import JOBS
from scheduler.wiring import JobDeps
from scheduler.wish_jobs import wish_reminders
from storage.models.chat import OutboxMessage
from tests.districts import District
from tests.wishes.helpers import op, open_pushed, seeded_wish


async def _keys(district: District) -> list[str]:
    """Return the dedupe keys of the queued wish reminders."""
    async with district.app.uow() as uow:
        rows = (await uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "wish_reminder").order_by(OutboxMessage.id))).all()
        return [row.dedupe_key for row in rows]


async def test_unclaimed_then_overdue_reminders_go_once(local_district: District) -> None:
    deps = JobDeps(session_factory=local_district.app.session_factory, settings=local_district.app.config)
    t0 = local_district.clock()
    unclaimed = await seeded_wish(local_district, by_days=30)
    claimed = await seeded_wish(local_district, by_days=5)
    await op(local_district.chat("party-1"), "claim", claimed)

    assert await wish_reminders(deps, t0 + timedelta(days=5)) == "wish reminders queued: 0 unclaimed, 0 overdue"  # 11-28: due today
    assert await wish_reminders(deps, t0 + timedelta(days=7, hours=1)) == "wish reminders queued: 1 unclaimed, 1 overdue"
    assert await wish_reminders(deps, t0 + timedelta(days=7, hours=2)) == "wish reminders queued: 0 unclaimed, 0 overdue"
    keys = await _keys(local_district)
    assert [k.split(":")[2] for k in keys] == ["unclaimed", "overdue"]
    assert keys[1].endswith(":claimant:p" + keys[1].rsplit(":p", 1)[1])
    community = local_district.chat("community-guixiang")
    assert f"【微心愿无人认领】#{unclaimed}（老人）发布已超过 7 天" in await open_pushed(community, f"心愿 #{unclaimed}")
    assert "· 待认领" in community.text
    party = local_district.chat("party-1")
    assert f"您认领的微心愿 #{claimed} 期望在 2026-11-28 前实现，现已超期" in await open_pushed(party, "报告已实现")
    assert "现场照片" in party.text

    later = t0 + timedelta(days=10, hours=1)  # 2026-12-03: five days past 2026-11-28
    assert await wish_reminders(deps, later) == "wish reminders queued: 0 unclaimed, 1 overdue"
    assert await wish_reminders(deps, later) == "wish reminders queued: 0 unclaimed, 0 overdue"
    assert f"#{claimed}（老人）由党员马甲认领，期望 2026-11-28 前实现，已超期 5 天" in await open_pushed(community)
    assert len(await _keys(local_district)) == 3


async def test_a_released_wish_is_reminded_about_again_for_its_new_listing(local_district: District) -> None:
    deps = JobDeps(session_factory=local_district.app.session_factory, settings=local_district.app.config)
    wish_id = await seeded_wish(local_district)
    await wish_reminders(deps, local_district.clock() + timedelta(days=8))
    local_district.clock.advance(days=8)
    party = local_district.chat("party-1")
    await op(party, "claim", wish_id)
    await op(party, "release", wish_id)
    await wish_reminders(deps, local_district.clock() + timedelta(days=8))
    assert len(await _keys(local_district)) == 2
    assert "wish_reminders" in JOBS and JOBS["wish_reminders"].schedule(local_district.app.config) == "daily at 09:30 (Asia/Shanghai)"
