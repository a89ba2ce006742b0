"""Reports count keywords cut once per case and places with GROUP BY, and give the same hotspots as cutting every text;
p90 handling hours picked by PostgreSQL are those of every case's hours sorted in Python.

The way before is kept here only: load every case of the period and its text, find the compounds and cut
the words of each (`old_subjects`, `old_keywords`). The demo district gets a year of history; the week,
month and year to date are compared for the district and a street, community and department, before
any case is cut (the report cuts them all itself), with every case cut, with a few cases not cut yet,
and after the gazetteer changed (before and after the job cuts again). The old p90 is every completed
case's hours loaded into Python per unit (what SQLite still does).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update

from bot.app import App, build_app
from handlers.reports.build import Hotspots, Keywords, build_hotspots, fallback_names
from handlers.reports.keywords import fill_all_keywords, shared_keywords
from handlers.reports.settings import ReportsSection
from nlp.hotspots import keyword_hotspots
from scheduler.jobs import JOBS
from scheduler.wiring import JobDeps
from storage.demo.history import load_demo_history
from storage.models.cases import Case
from storage.models.people import Unit
from storage.models.reports import CaseKeyword
from storage.stats.compute import (
    COMPLETED_STATES,
    PLACE,
    UNCATEGORISED,
    Tally,
    _count_hours,
    compute_stats,
)
from storage.stats.directory import Directory, Scope, load_directory, resolve_scope, scope_filter
from storage.stats.figures import percentile
from storage.stats.keywords import compounds_of, find_compounds, forget_keywords
from storage.stats.period import Period, parse_period
from storage.stats.sql import hours_between
from tests.reports.fixture_data import TZ
from tests.settings import config_for

NOW = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)
PERIODS = ("week", "month", "year")
UNITS = (None, "dh", "guixiang", "shizheng")
SETTINGS = ReportsSection(min_volume=1, hotspot_min_volume=2, top=8)


@dataclass
class OldSubjects:
    """The period's cases as the hotspots saw them before: one row per case, loaded into Python."""

    texts: list[str] = field(default_factory=list)
    kinds: dict[str, Counter[str]] = field(default_factory=dict)


async def old_subjects(app: App, directory: Directory, period: Period, scope: Scope) -> OldSubjects:
    """Load every case of the period and count categories, places and compounds one by one (the way before)."""
    names = list(compounds_of(directory))
    query = select(Case.text, Case.address, Case.category, Case.community_id, Case.grid_id).where(
        Case.created_at >= period.start, Case.created_at < period.end, scope_filter(scope)
    )
    found = OldSubjects(kinds={kind: Counter() for kind in ("category", "community", "grid", "compound")})
    async with app.session_factory() as session:
        rows = (await session.execute(query)).all()
    for row in rows:
        found.texts.append(row.text)
        found.kinds["category"][row.category or UNCATEGORISED] += 1
        for kind, unit_id in (("community", row.community_id), ("grid", row.grid_id)):
            unit = directory.by_id.get(unit_id) if unit_id is not None else None
            if unit is not None:
                found.kinds[kind][unit.name] += 1
        found.kinds["compound"].update(find_compounds(f"{row.text} {row.address or ''}", names))
    return found


async def old_keywords(app: App, keywords: Keywords, period: Period, scope: Scope, directory: Directory) -> dict[str, object]:
    """Return the keyword hotspots and the place counts as they were computed before (every text cut)."""
    now, before = await old_subjects(app, directory, period, scope), await old_subjects(app, directory, period.previous(TZ), scope)
    best, rose = keyword_hotspots(
        now.texts, before.texts, keywords.tokenizer, keywords.stopwords, limit=SETTINGS.top * 2, min_volume=SETTINGS.hotspot_min_volume
    )
    return {"keywords": (best, rose[: SETTINGS.top]), "now": now.kinds, "before": before.kinds}


async def new_hotspots(app: App, keywords: Keywords | None, period: Period, scope: Scope, directory: Directory) -> Hotspots:
    """Return the hotspots as reports make them now."""
    async with app.session_factory() as session:
        return await build_hotspots(session, directory, (period, period.previous(TZ)), scope, settings=SETTINGS, keywords=keywords)


async def compare(app: App, keywords: Keywords, where: str) -> int:
    """Assert that old and new hotspots agree for every period and unit; return how many keywords were compared."""
    compared = 0
    async with app.session_factory() as session:
        directory = await load_directory(session, fallback_names("zh"))
    for text in PERIODS:
        period = parse_period(text, NOW, TZ)
        for code in UNITS:
            scope = resolve_scope(directory, code)
            old = await old_keywords(app, keywords, period, scope, directory)
            new = await new_hotspots(app, keywords, period, scope, directory)
            label = f"{where}: {text} {code}"
            assert (new.top["keyword"], new.rising["keyword"]) == old["keywords"], label
            compared += len(new.top["keyword"])
            without = await new_hotspots(app, None, period, scope, directory)  # no tokenizer: places and compounds only
            for hotspots in (new, without):
                for kind in ("community", "grid", "compound"):
                    now, before = old["now"][kind], old["before"][kind]
                    expected = sorted(now.items(), key=lambda i: (-i[1], i[0]))[: SETTINGS.top]
                    assert [(h.name, h.current, h.previous) for h in hotspots.top[kind]] == [(n, c, before.get(n, 0)) for n, c in expected], label
    return compared


async def compare_p90(app: App) -> int:
    """Assert that every unit's, category's and the total's p90 hours are those of every completed case's hours in Python (the way before)."""
    compared = 0
    async with app.session_factory() as session:
        directory = await load_directory(session, fallback_names("zh"))
        for text in PERIODS:
            period = parse_period(text, NOW, TZ)
            for code in UNITS:
                scope = resolve_scope(directory, code)
                new = await compute_stats(session, period, scope, TZ, NOW)
                finished = Case.status.in_(COMPLETED_STATES) & Case.completed_at.is_not(None)
                query = select(*PLACE, hours_between(Case.created_at, Case.completed_at).label("hours")).where(
                    Case.created_at >= period.start, Case.created_at < period.end, scope_filter(scope), finished
                )
                old = Tally(directory)
                old.add((await session.execute(query)).all(), _count_hours)
                label = f"p90: {text} {code}"
                assert new.total.p90_hours == percentile(old.total.hours, 90) is not None, label
                for kind, units in old.units.items():
                    if kind == scope.kind:
                        continue  # a unit's report has no rows of its own kind
                    for unit_code, unit in units.items():
                        assert new.units[kind][unit_code].figures.p90_hours == percentile(unit.figures.hours, 90), f"{label} {kind} {unit_code}"
                        compared += 1
                for name, figures in old.categories.items():
                    assert new.categories[name].p90_hours == percentile(figures.hours, 90), f"{label} {name}"
                    compared += 1
    return compared


@pytest.fixture
async def year_app(district_db: str) -> AsyncIterator[App]:
    """The demo district with a year of history before NOW."""
    app = build_app(config_for(district_db))
    async with app.uow() as uow:
        await load_demo_history(uow.session, NOW, TZ, days=365)
        await uow.commit()
    yield app
    await app.close()


async def test_stored_keywords_give_the_same_hotspots_as_cutting_every_text(year_app: App) -> None:
    app = year_app
    keywords = await shared_keywords(app.config)
    assert await compare_p90(app) > 100
    assert await compare(app, keywords, "nothing cut yet") > 0
    async with app.session_factory() as session:
        cases = await session.scalar(select(func.count()).select_from(Case))
    assert await fill_all_keywords(app.session_factory, keywords, NOW) == cases
    async with app.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Case).where(Case.keywords_cut.is_(False))) == 0
        assert ((await session.scalar(select(func.count()).select_from(CaseKeyword))) or 0) > cases
    await compare(app, keywords, "every case cut")

    async with app.session_factory() as session, session.begin():  # the last cases came in after the job ran
        latest = (await session.scalars(select(Case.id).order_by(Case.created_at.desc()).limit(7))).all()
        await forget_keywords(session, list(latest))
    await compare(app, keywords, "a few cases not cut yet")
    deps = JobDeps(app.session_factory, app.config)
    assert await JOBS["case_keywords"].func(deps, NOW) == "7 cases' keywords cut"
    assert await JOBS["case_keywords"].func(deps, NOW) == "0 cases' keywords cut"

    async with app.session_factory() as session, session.begin():  # the gazetteer changes: stored compounds no longer agree
        grid = (await session.scalars(select(Unit).where(Unit.kind == "grid", Unit.gazetteer.is_not(None)).order_by(Unit.id).limit(1))).one()
        gazetteer = dict(grid.gazetteer or {})
        gazetteer["compounds"] = [*gazetteer.get("compounds", []), "路灯"]  # a "compound" many texts name
        await session.execute(update(Unit).where(Unit.id == grid.id).values(gazetteer=gazetteer))
    await compare(app, keywords, "gazetteer changed, not cut again yet")
    assert await JOBS["case_keywords"].func(deps, NOW) == f"{cases} cases' keywords cut"
    await compare(app, keywords, "gazetteer changed, cut again")
