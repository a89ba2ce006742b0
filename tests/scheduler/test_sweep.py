"""The light sweep on SQLite and PostgreSQL: once per light, nudges to the right people, catch-up."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import App, build_app
from handlers.buttons import ExplainTask, StaffCard
from handlers.staff.explain import explanation_notes
from handlers.texts import load_texts
from scheduler.lights.sweep import sweep_lights
from scheduler.settings import SweepSettings
from storage.cases.lifecycle import Action, Actor, LifecycleError, Request, Role
from storage.cases.supervision import DEFAULT_SUPERVISION, submit_explanation
from storage.models.cases import Case, CaseEvent, ExplanationTask
from tests.scheduler.org import (
    DEADLINES,
    NO_QUIET,
    T0,
    TZ,
    case_act,
    dispatched_case,
    lights,
    outbox,
    outbox_count,
    seed,
)
from tests.settings import config_for


async def sweep(app: App, hours: float, settings: SweepSettings = NO_QUIET) -> None:
    """Sweep at T0 + HOURS."""
    await sweep_lights(app.session_factory, DEFAULT_SUPERVISION, settings, T0 + timedelta(hours=hours))


async def next_alert(app: App, case_id: int) -> object:
    """Return a case's stored next_alert_at."""
    async with app.uow() as uow:
        case = await uow.cases.get(case_id)
        assert case is not None
        return case.next_alert_at


async def test_dispatch_sets_next_alert_and_each_light_fires_once(app: App) -> None:
    org = await seed(app)
    case_id = await dispatched_case(app, org)
    assert await next_alert(app, case_id) == T0 + timedelta(hours=4)
    await sweep(app, 3)
    assert await lights(app) == []
    await sweep(app, 5)
    await sweep(app, 5)
    assert await lights(app) == [(case_id, 1, "sign_overdue")]
    rows = await outbox(app)
    assert {(r.kind, r.person_id) for r in rows} == {("light_sign_overdue", org.grid_member), ("light_sign_overdue", org.community_head)}
    assert await next_alert(app, case_id) == T0 + timedelta(hours=24)
    await case_act(app, case_id, Request(Action.SIGN, Actor(Role.GRID_MEMBER, org.grid_member, org.grid), T0 + timedelta(hours=6)))
    assert await next_alert(app, case_id) == T0 + timedelta(hours=24)  # the fired sign alert is not due again
    await sweep(app, 24)
    await sweep(app, 24.5)
    yellow = [r for r in await outbox(app) if r.kind == "light_yellow"]
    assert sorted(r.person_id for r in yellow) == sorted([org.grid_member, org.community_head])  # assignee + community head
    await sweep(app, 48)
    await sweep(app, 49)
    assert await lights(app) == [(case_id, 1, "sign_overdue"), (case_id, 1, "yellow"), (case_id, 1, "red")]
    red = {r.person_id for r in await outbox(app) if r.kind == "light_red"}
    assert red == {org.grid_member, org.community_head, org.center_head, org.dispatcher}
    prompts = [r for r in await outbox(app) if r.kind == "explanation_request"]
    assert [r.person_id for r in prompts] == [org.grid_member]
    assert await next_alert(app, case_id) is None
    assert {r.payload["buttons"][0]["payload"] for r in await outbox(app) if r.kind.startswith("light_")} == {StaffCard(case_id).pack()}
    async with app.uow() as uow:
        events = [e.action for e in await uow.events.for_case(case_id) if e.action.startswith("light_")]
        assert events == ["light_sign_overdue", "light_yellow", "light_red"]
        task = (await uow.session.scalars(select(ExplanationTask))).one()
        assert task.due_at == T0 + timedelta(hours=48 + 24)
        assert prompts[0].payload["meta"]["explanation_task_id"] == task.id
        assert prompts[0].payload["buttons"][0]["payload"] == ExplainTask(task.id).pack()


async def test_extension_moves_the_lights_and_redo_starts_a_new_cycle(app: App) -> None:
    org = await seed(app)
    member = Actor(Role.GRID_MEMBER, org.grid_member, org.grid)
    center = Actor(Role.COMMAND_CENTER, org.dispatcher, org.center)
    case_id = await dispatched_case(app, org)
    await case_act(app, case_id, Request(Action.SIGN, member, T0 + timedelta(hours=1)))
    await case_act(app, case_id, Request(Action.REQUEST_EXTENSION, member, T0 + timedelta(hours=2), note="需要采购", until=T0 + timedelta(hours=96)))
    await case_act(app, case_id, Request(Action.APPROVE_EXTENSION, center, T0 + timedelta(hours=3)))
    assert await next_alert(app, case_id) == T0 + timedelta(hours=72)
    await sweep(app, 50)
    assert await lights(app) == []
    await sweep(app, 72)
    assert await lights(app) == [(case_id, 1, "yellow")]
    await case_act(app, case_id, Request(Action.COMPLETE, member, T0 + timedelta(hours=80), note="已修好"))
    assert await next_alert(app, case_id) is None
    resident = Actor(Role.RESIDENT, org.resident)
    redo_at = T0 + timedelta(hours=81)
    await case_act(app, case_id, Request(Action.REDO, resident, redo_at, note="又坏了", deadlines=DEADLINES))
    assert await next_alert(app, case_id) == redo_at + timedelta(hours=24)
    await sweep(app, 81 + 49)
    assert await lights(app) == [(case_id, 1, "yellow"), (case_id, 2, "yellow"), (case_id, 2, "red")]


async def test_catch_up_after_six_hours_down(app: App) -> None:
    org = await seed(app)
    # Ten cases whose lights fall due at different moments of a six-hour outage.
    ids = [await dispatched_case(app, org, T0 + timedelta(minutes=36 * i)) for i in range(10)]
    await sweep(app, 3.9)
    assert await lights(app) == []
    await sweep(app, 3.9 + 6)  # the first sweep after the outage
    kinds = Counter(kind for _, _, kind in await lights(app))
    assert kinds == Counter({"sign_overdue": 10})
    before = await outbox_count(app)
    await sweep(app, 3.9 + 6)
    assert await outbox_count(app) == before == 20
    await sweep(app, 60)  # a long outage: yellow and red together, once each
    assert Counter(kind for _, _, kind in await lights(app)) == Counter({"sign_overdue": 10, "yellow": 10, "red": 10})
    async with app.uow() as uow:
        assert all(c.next_alert_at is None for c in (await uow.session.scalars(select(Case).where(Case.id.in_(ids)))).all())


async def test_quiet_hours_defer_yellow_but_not_red(app: App) -> None:
    org = await seed(app)
    quiet = SweepSettings(tz=TZ, quiet_start=NO_QUIET.quiet_start.replace(hour=22), quiet_end=NO_QUIET.quiet_start.replace(hour=7))
    night = T0 + timedelta(hours=13)  # 23:00 in Shanghai
    case_id = await dispatched_case(app, org, night - timedelta(hours=24))
    await sweep_lights(app.session_factory, DEFAULT_SUPERVISION, quiet, night)
    yellow = [r for r in await outbox(app) if r.kind == "light_yellow"]
    assert yellow and all(r.next_attempt_at == T0 + timedelta(hours=21) for r in yellow)  # 07:00 next morning
    async with app.uow() as uow:
        await uow.session.execute(Case.__table__.update().where(Case.id == case_id).values(next_alert_at=night))
        await uow.commit()
    red_night = night + timedelta(hours=24)
    await sweep_lights(app.session_factory, DEFAULT_SUPERVISION, quiet, red_night)
    red = [r for r in await outbox(app) if r.kind in ("light_red", "explanation_request")]
    assert red and all(r.next_attempt_at == red_night for r in red)


async def test_submit_explanation_checks_the_unit(app: App) -> None:
    org = await seed(app)
    case_id = await dispatched_case(app, org)
    await sweep(app, 49)
    async with app.uow() as uow:
        task = (await uow.session.scalars(select(ExplanationTask))).one()
    late = T0 + timedelta(hours=49 + 30)
    zh = load_texts("zh")
    async with app.uow() as uow:
        with pytest.raises(LifecycleError) as refused:
            await submit_explanation(uow, task.id, org.dispatcher, "不是我们的", late, notes=explanation_notes(zh, "不是我们的"))
        assert refused.value.code == "forbidden"
        with pytest.raises(LifecycleError):
            await submit_explanation(uow, task.id, org.grid_member, "  ", late, notes=explanation_notes(zh, "  "))
        await submit_explanation(uow, task.id, org.grid_member, "材料未到，已催办", late, notes=explanation_notes(zh, "材料未到，已催办"))
        await uow.commit()
    async with app.uow() as uow:
        with pytest.raises(LifecycleError) as twice:
            await submit_explanation(uow, task.id, org.grid_member, "再说一次", late, notes=explanation_notes(zh, "再说一次"))
        assert twice.value.code == "already_submitted"
        event = (await uow.session.scalars(select(CaseEvent).where(CaseEvent.action == "explanation"))).one()
        assert event.case_id == case_id and event.actor_person_id == org.grid_member and "逾期" in (event.note or "")


@pytest.mark.postgres
async def test_two_sweeps_at_once_nudge_once_per_light(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("concurrent writers are the PostgreSQL case (SQLite serialises writers)")
    first, second = build_app(config_for(db_url)), build_app(config_for(db_url))
    try:
        org = await seed(first)
        for i in range(60):
            await dispatched_case(first, org, T0 + timedelta(minutes=i))
        small = SweepSettings(tz=TZ, batch=7, quiet_start=NO_QUIET.quiet_start, quiet_end=NO_QUIET.quiet_end)
        at = T0 + timedelta(hours=30)
        for _ in range(3):
            await asyncio.gather(
                sweep_lights(first.session_factory, DEFAULT_SUPERVISION, small, at),
                sweep_lights(second.session_factory, DEFAULT_SUPERVISION, small, at),
                sweep_lights(second.session_factory, DEFAULT_SUPERVISION, small, at),
            )
        assert Counter(kind for _, _, kind in await lights(first)) == Counter({"sign_overdue": 60, "yellow": 60})
        rows = await outbox(first)
        assert len(rows) == 60 * 2 * 2  # each light: grid member + community head, exactly once
        async with first.uow() as uow:
            events = (await uow.session.scalars(select(CaseEvent.action).where(CaseEvent.action.like("light_%")))).all()
        assert len(events) == 120
    finally:
        await first.close()
        await second.close()


async def test_working_calendar_sets_deadlines_at_dispatch(app: App) -> None:
    from storage.cases.supervision import Supervision
    from storage.cases.workclock import Hours, WorkingClock, WorkingDays

    org = await seed(app)
    working = Supervision(hours_for=lambda _code: Hours(), clock=WorkingClock(TZ, WorkingDays()))
    friday = T0 + timedelta(days=3)  # Friday 13 March 2026, 10:00 in Shanghai
    case_id = await dispatched_case(app, org, friday, working)
    async with app.uow() as uow:
        case = await uow.cases.get(case_id)
        assert case is not None
        assert case.handle_deadline == friday + timedelta(days=4)  # Tuesday: the weekend does not count
        assert case.next_alert_at == friday + timedelta(hours=4)
    await sweep_lights(app.session_factory, working, NO_QUIET, friday + timedelta(days=2))  # Sunday
    assert [k for _, _, k in await lights(app)] == ["sign_overdue"]
