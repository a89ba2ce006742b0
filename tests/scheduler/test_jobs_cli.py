"""The scheduler's commands, its start-up inside a running loop, and the calendar warning."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App, build_app
from bot.cli.main import main
from scheduler.calendar_check import check_calendar, years_to_check
from scheduler.runner import start_scheduler, stop_scheduler
from storage.cases.supervision import set_calendar_override
from storage.models.chat import OutboxMessage
from tests.databases import copy_sqlite
from tests.scheduler.org import T0, TZ, dispatched_case, seed
from tests.settings import config_for


def test_jobs_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jobs", "list"]) == 0
    out = capsys.readouterr().out
    assert "light_sweep" in out and "every 60 s" in out and "calendar_check" in out


def test_jobs_run_and_lights_report(sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    url = copy_sqlite(sqlite_template, tmp_path)

    async def prepare() -> None:
        app = build_app(config_for(url))
        try:
            await dispatched_case(app, await seed(app))
        finally:
            await app.close()

    asyncio.run(prepare())
    monkeypatch.setenv("QUNGONG_STORAGE__URL", url)
    monkeypatch.setenv("QUNGONG_APP__DEMO", "false")
    later = (T0 + timedelta(hours=49)).astimezone(TZ).replace(tzinfo=None).isoformat()  # local, no offset
    assert main(["jobs", "run", "light_sweep", "--now", later]) == 0
    assert "red 1" in capsys.readouterr().out
    assert main(["lights", "--from", "2026-03-01", "--to", "2026-03-31", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("unit,name,sign_overdue,yellow,red,explanations_owed")
    assert lines[1].split(",")[:5] == ["g1", "第一网格", "1", "1", "1"]
    assert main(["lights", "--from", "2026-03-01", "--to", "2026-03-31"]) == 0
    assert "第一网格" in capsys.readouterr().out
    assert main(["jobs", "run", "light_sweep", "--now", "yesterday"]) == 2


async def test_scheduler_starts_and_stops_inside_the_loop(app: App) -> None:
    scheduler = start_scheduler(app)
    try:
        assert {job.id for job in scheduler.get_jobs()} == {"light_sweep", "calendar_check", "weekly_report", "monthly_report", "wish_reminders", "revisit_followup", "requested_reports", "retention", "lovebank_expiry", "case_categories", "case_keywords", "stats_rollup", "routing_retrain"}
        assert scheduler.running and str(scheduler.timezone) == "Asia/Shanghai"
        await asyncio.sleep(0.2)  # the start-up sweep runs on an empty database
    finally:
        stop_scheduler(scheduler)


async def test_missing_calendar_year_warns_admins_once(app: App) -> None:
    org = await seed(app)
    december = datetime(2026, 12, 1, 1, tzinfo=UTC)
    assert years_to_check(december, TZ, 45) == [2026, 2027]
    assert years_to_check(december, TZ, 10) == [2026]
    assert await check_calendar(app.session_factory, TZ, 45, "zh", december) == [2027]
    assert await check_calendar(app.session_factory, TZ, 45, "zh", december + timedelta(days=1)) == [2027]
    async with app.uow() as uow:
        rows = (await uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "calendar_missing"))).all()
        assert [r.person_id for r in rows] == [org.admin] and "2027" in rows[0].payload["text"]
        await set_calendar_override(uow.session, date(2027, 1, 1), False, "元旦")
        await uow.commit()
    assert await check_calendar(app.session_factory, TZ, 45, "zh", december) == []
