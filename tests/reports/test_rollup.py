"""The daily rollup gives the cockpit's headline the same figures as counting every case, whenever it last ran."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.app import App, build_app
from storage.demo.history import load_demo_history
from storage.models.cases import Case, CaseRating
from storage.models.reports import DailyFigures
from storage.stats.compute import HEADLINE, TOTALS, compute_stats
from storage.stats.directory import load_directory, resolve_scope
from storage.stats.period import parse_period
from storage.stats.rollup import headline_stats, refresh_rollup, split_period
from tests.reports.fixture_data import TZ
from tests.settings import config_for

NOW = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)  # 14:30 local on a Wednesday
FIELDS = ("received", "withdrawn", "completed", "timed", "on_time", "hours_n", "rated", "solved", "satisfied")
PERIODS = ("today", "week", "month", "2026-10-03..2026-11-20", "2026-10-15T09:30..2026-11-24T18:00")


@pytest.fixture
async def history_app(district_db: str) -> AsyncIterator[App]:
    """The demo district with 40 days of history before NOW."""
    app = build_app(config_for(district_db))
    async with app.uow() as uow:
        await load_demo_history(uow.session, NOW, TZ, days=40)
        await uow.commit()
    yield app
    await app.close()


async def _compare(app: App, now: datetime) -> None:
    """Assert that the rollup's answer equals the direct count for several periods and scopes."""
    async with app.session_factory() as session:
        directory = await load_directory(session)
        for text in PERIODS:
            period = parse_period(text, now, TZ)
            for code in (None, "dh", "guixiang", "liuan-2", "shizheng"):
                scope = resolve_scope(directory, code)
                for totals in (False, True):
                    rolled = await headline_stats(session, period, scope, TZ, now, directory=directory, totals=totals)
                    direct = await compute_stats(session, period, scope, TZ, now, detail=TOTALS if totals else HEADLINE, trend=False)
                    where = f"{text} {code} totals={totals}"
                    assert [getattr(rolled.total, f) for f in FIELDS] == [getattr(direct.total, f) for f in FIELDS], where
                    assert rolled.total.hours_sum == pytest.approx(direct.total.hours_sum), where
                    for kind in ("street", "community", "grid"):
                        got = {c: u.figures.received for c, u in rolled.units.get(kind, {}).items()}
                        want = {c: u.figures.received for c, u in direct.units.get(kind, {}).items()}
                        assert got == want, (where, kind)


async def test_the_rollup_answers_like_the_cases_before_and_after_changes(history_app: App) -> None:
    app = history_app
    async with app.uow() as uow:
        await refresh_rollup(uow.session, TZ, NOW)
        await uow.commit()
        rows = (await uow.session.scalars(select(DailyFigures))).all()
    assert rows and max(r.day for r in rows) == (NOW.astimezone(TZ) - timedelta(days=1)).date()
    await _compare(app, NOW)

    # After the run: an old open case is completed, another withdrawn, and a revisit answered today.
    later = NOW + timedelta(hours=2)
    async with app.uow() as uow:
        cases = (await uow.session.scalars(select(Case).where(Case.status.in_(["in_progress", "signed"])).order_by(Case.id).limit(2))).all()
        assert len(cases) == 2
        cases[0].status, cases[0].completed_at, cases[0].updated_at = "completed", later, later
        cases[1].status, cases[1].updated_at = "withdrawn", later
        uow.session.add(CaseRating(case_id=cases[0].id, cycle=cases[0].cycle + 5, solved=1, satisfied=1, created_at=later))
        await uow.commit()
    await _compare(app, later)

    # The next day's run folds the changes (and yesterday) into the rollup; the answers stay the same.
    next_day = NOW + timedelta(days=1)
    async with app.uow() as uow:
        await refresh_rollup(uow.session, TZ, next_day)
        await uow.commit()
    await _compare(app, next_day + timedelta(minutes=11))


def test_a_period_splits_into_rolled_days_and_direct_ranges() -> None:
    period = parse_period("2026-11-02T09:30..2026-11-10", NOW, TZ)
    through = (NOW.astimezone(TZ) - timedelta(days=1)).date()
    split = split_period(period, TZ, through, changed={date(2026, 11, 5)})
    assert split is not None
    assert (split.first.day, split.last.day, [d.day for d in split.skipped]) == (3, 9, [5])
    assert [(a.astimezone(TZ).day, b.astimezone(TZ).day) for a, b in split.direct] == [(2, 3), (5, 6)]
    assert split_period(parse_period("today", NOW, TZ), TZ, through, set()) is None


async def test_the_jobs_categorise_older_cases_and_keep_the_rollup(history_app: App) -> None:
    from scheduler.jobs import JOBS
    from scheduler.wiring import JobDeps

    deps = JobDeps(session_factory=history_app.session_factory, settings=history_app.config)
    async with history_app.session_factory() as session:
        before = await session.scalar(select(func.count()).select_from(Case).where(Case.category.is_(None)))
    assert before and before > 100  # bulk-loaded history comes without categories
    assert await JOBS["case_categories"].func(deps, NOW) == f"{before} cases categorised"
    assert await JOBS["case_categories"].func(deps, NOW) == "0 cases categorised"
    assert "days rolled up" in await JOBS["stats_rollup"].func(deps, NOW)
    again = await JOBS["stats_rollup"].func(deps, NOW + timedelta(minutes=1))
    assert int(again.split()[0]) <= 1  # a minute later: at most the day of a case changed just before the first run
    async with history_app.session_factory() as session:
        kinds = set((await session.scalars(select(Case.category).distinct())).all())
    assert None not in kinds and {"water_supply", "fumes"} <= kinds
