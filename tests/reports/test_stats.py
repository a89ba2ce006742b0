"""Figures over a period match a hand-computed dataset, on SQLite and PostgreSQL; periods are local and half-open."""

from __future__ import annotations

from datetime import date

import pytest

from bot.app import App
from handlers.reports.build import build_report
from handlers.reports.settings import ReportsSection
from handlers.reports.text import full_text, push_text
from storage.stats.compute import compute_stats, ranking
from storage.stats.directory import load_directory, resolve_scope
from storage.stats.period import parse_period, week_of
from tests.reports.fixture_data import NOW, TZ, load_fixture


async def test_week_figures_match_the_hand_computed_values(app: App) -> None:
    async with app.uow() as uow:
        await load_fixture(uow)
        await uow.commit()
    period = week_of(date(2026, 11, 18), TZ)
    async with app.session_factory() as session:
        scope = resolve_scope(await load_directory(session), None)
        stats = await compute_stats(session, period, scope, TZ, NOW)
    t = stats.total
    # E (Sunday 23:30 local) and G (Monday 00:00 local, still Sunday in UTC) fall outside the week.
    assert (t.received, t.withdrawn, t.completed, t.on_time, t.timed) == (5, 1, 3, 2, 3)
    assert t.completion_rate == pytest.approx(0.75)
    assert t.on_time_rate == pytest.approx(2 / 3)
    assert t.avg_hours == pytest.approx(71 / 3)
    assert t.p90_hours == pytest.approx(60.0)
    assert (t.rated, t.solved, t.satisfied) == (3, 2, 2)
    assert t.solution_rate == pytest.approx(2 / 3) and t.satisfaction_rate == pytest.approx(2 / 3)
    assert (t.returns, t.returns_upheld, t.returns_overruled) == (1, 0, 1)
    assert (t.extensions_requested, t.extensions_approved, t.redos) == (1, 1, 1)
    assert (t.yellow, t.red, t.sign_overdue) == (2, 1, 0)
    assert (t.explanations_owed, t.explanations_late, t.explanations_missing) == (1, 1, 0)
    c1, c2 = stats.units["community"]["c1"].figures, stats.units["community"]["c2"].figures
    assert (c1.received, c1.completed, c1.on_time, c1.yellow, c1.red, c1.rated) == (3, 3, 2, 1, 1, 3)
    assert (c2.received, c2.withdrawn, c2.completed, c2.yellow, c2.returns) == (2, 1, 0, 1, 1)
    assert c1.completion_rate == 1.0 and c2.completion_rate == 0.0
    assert {k: u.figures.received for k, u in stats.units["department"].items()} == {"chengguan": 3, "zhujian": 2}
    assert stats.units["street"]["s1"].figures.received == 5
    trend = {day: (received, completed) for day, received, completed in stats.trend}
    assert len(trend) == 7 and trend[date(2026, 11, 22)] == (1, 0) and trend[date(2026, 11, 16)] == (1, 2)
    assert [u.code for u in ranking(stats, "community", "completion_rate", 2)] == ["c1", "c2"]
    assert [u.code for u in ranking(stats, "community", "completion_rate", 3)] == ["c1"]


async def test_month_and_unit_scope(app: App) -> None:
    async with app.uow() as uow:
        await load_fixture(uow)
        await uow.commit()
    november = parse_period("2026-11-01..2026-12-01", NOW, TZ)
    assert november.key == "2026-11-01..2026-12-01"
    async with app.session_factory() as session:
        directory = await load_directory(session)
        whole = await compute_stats(session, november, resolve_scope(directory, None), TZ, NOW)
        c2 = await compute_stats(session, november, resolve_scope(directory, "c2"), TZ, NOW)
        chengguan = await compute_stats(session, november, resolve_scope(directory, "chengguan"), TZ, NOW)
    assert whole.total.received == 7 and whole.total.returns_upheld == 1 and whole.total.red == 2
    assert (c2.total.received, c2.total.red, c2.total.returns) == (2, 1, 1)
    assert "community" not in c2.units and set(c2.units["grid"]) == {"g2"}
    assert chengguan.total.received == 5 and chengguan.total.redos == 2


async def test_report_text_names_rates_in_chinese_and_finds_compounds(app: App) -> None:
    async with app.uow() as uow:
        await load_fixture(uow)
        await uow.commit()
    period = week_of(date(2026, 11, 18), TZ)
    async with app.session_factory() as session:
        report = await build_report(session, period, unit_code=None, tz=TZ, now=NOW, settings=ReportsSection(min_volume=1), keywords=None)
    text = full_text(report, TZ, 1)
    for word in ("办结率 75.0%", "按时办结率 66.7%", "解决率 66.7%", "满意率 66.7%", "2026年第47周（11月16日—11月22日）"):
        assert word in text
    compounds = {h.name: h.current for h in report.hotspots.top["compound"]}
    assert compounds == {"桂香苑小区": 1, "柳岸新村": 1}  # the longer name wins over 桂香苑
    assert report.previous.received == 1  # E, the Sunday before


async def test_an_empty_period_has_zeros_and_no_rates(app: App) -> None:
    async with app.uow() as uow:
        await load_fixture(uow)
        await uow.commit()
    period = parse_period("2025-01-01..2025-02-01", NOW, TZ)
    async with app.session_factory() as session:
        report = await build_report(session, period, unit_code=None, tz=TZ, now=NOW, settings=ReportsSection(), keywords=None)
    t = report.stats.total
    assert (t.received, t.completed, t.rated, t.red) == (0, 0, 0, 0)
    assert t.completion_rate is None and t.satisfaction_rate is None and t.avg_hours is None and t.p90_hours is None
    assert "本期没有受理诉求" in push_text(report, TZ, 10)
    assert all(received == 0 for _, received, _ in report.stats.trend) and len(report.stats.trend) == 31
