"""Statistics over a period for the district (or one unit) and per street, community, grid, department and category.

Cases are attributed by where they are (their street, community and grid), what they are about (their
department and their problem category), not by who happens to hold them, so a transferred case still
counts for its place. Cohort figures (received, completed, on time, handling time) follow the cases
received in the period as they stand now; event figures count what happened in the period.

The database counts (GROUP BY place, department and category), so a year of a district is a few
hundred grouped rows; Python adds each group to the total and to the units it belongs to. The
indexes behind it: cases by created_at and completed_at, events by (action, created_at, case_id),
ratings and lights by their time (see storage/models/cases.py). The p90 handling hours are picked
by PostgreSQL (storage/stats/p90.py); SQLite, a small district's database, sorts them here. A year
of 1,000,000 cases on PostgreSQL: bench/report_bench.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Executable, Select, and_, func, select
from sqlalchemy import case as when
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases.lifecycle import Status
from storage.models.cases import Case, CaseEvent, CaseRating, ExplanationTask, Light
from storage.stats.directory import Directory, FallbackNames, Scope, load_directory, scope_filter
from storage.stats.figures import Figures
from storage.stats.p90 import p90_hours
from storage.stats.period import Period
from storage.stats.sources import PatrolFigures, add_source_rows, patrol_figures
from storage.stats.sql import hours_between, local_day

KINDS = ("street", "community", "grid", "department")
COMPLETED_STATES = frozenset({Status.COMPLETED.value, Status.REVISIT.value, Status.CLOSED.value})
SOLVED, SATISFIED, FAIRLY_SATISFIED = 1, 1, 2
UNCATEGORISED = "other"
EVENT_FIELDS = {
    "return": "returns",
    "uphold_return": "returns_upheld",
    "overrule_return": "returns_overruled",
    "request_extension": "extensions_requested",
    "approve_extension": "extensions_approved",
    "redo": "redos",
}
PLACE = (Case.street_id, Case.community_id, Case.grid_id, Case.department_code, Case.category)
GRIDS = (Case.street_id, Case.community_id, Case.grid_id)
# How finely compute_stats counts: everything per unit and category (reports); the headline figures per
# street, community and grid (the cockpit's map); or the scope's totals alone (the previous period).
FULL, HEADLINE, TOTALS = "full", "headline", "totals"


@dataclass
class UnitFigures:
    """A unit's figures in a report."""

    kind: str
    code: str
    name: str
    figures: Figures = field(default_factory=Figures)


@dataclass
class Stats:
    """A period's figures for a scope: the total, each unit's and category's, and received/completed per local day."""

    period: Period
    scope: Scope
    total: Figures
    units: dict[str, dict[str, UnitFigures]]
    trend: list[tuple[date, int, int]]
    known: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    categories: dict[str, Figures] = field(default_factory=dict)
    sources: dict[str, Figures] = field(default_factory=dict)  # the cohort per source group (storage/stats/sources.py)
    patrol: list[PatrolFigures] = field(default_factory=list)  # each grid member's patrol reports

    def rows(self, kind: str) -> list[UnitFigures]:
        """Return the units of one kind that had anything, most cases first."""
        return sorted(self.units.get(kind, {}).values(), key=lambda u: (-u.figures.received, u.code))

    def all_rows(self, kind: str) -> list[UnitFigures]:
        """Return every unit of a kind in code order, those with nothing to count included."""
        found = dict(self.units.get(kind, {}))
        for code, name in self.known.get(kind, []):
            found.setdefault(code, UnitFigures(kind, code, name))
        return [found[code] for code in sorted(found)]


class Tally:
    """Adds each grouped row to the total, to the units it belongs to and to its category."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.total = Figures()
        self.units: dict[str, dict[str, UnitFigures]] = {kind: {} for kind in KINDS}
        self.categories: dict[str, Figures] = {}

    def targets(self, row: Any) -> list[Figures]:
        """Return the figures a row counts for: the total, and the street, community, grid, department and category it has."""
        mapping = row._mapping
        if "street_id" not in mapping:
            return [self.total]
        codes = [
            self.directory.code_of(row.street_id),
            self.directory.code_of(row.community_id),
            self.directory.code_of(row.grid_id),
            mapping.get("department_code"),
        ]
        found = [self.total]
        if "category" in mapping:
            found.append(self.categories.setdefault(row.category or UNCATEGORISED, Figures()))
        for kind, code in zip(KINDS, codes, strict=True):
            if code is not None:
                units = self.units[kind]
                if code not in units:
                    units[code] = UnitFigures(kind, code, self.directory.name_of(kind, code))
                found.append(units[code].figures)
        return found

    def add(self, rows: Iterable[Any], count: Callable[[Figures, Any], None]) -> None:
        """Count every row for each of its targets."""
        for row in rows:
            for figures in self.targets(row):
                count(figures, row)


def _total(value: Any) -> int:
    """Return a SUM that may be NULL as an int."""
    return int(value or 0)


def count_cases(figures: Figures, row: Any) -> None:
    """Count a group of cases received in the period (a row of case_groups)."""
    figures.received += row.received
    figures.withdrawn += _total(row.withdrawn)
    figures.completed += _total(row.completed)
    figures.timed += _total(row.timed)
    figures.on_time += _total(row.on_time)
    figures.hours_sum += float(row.hours_sum or 0.0)
    figures.hours_n += _total(row.hours_n)


def _count_hours(figures: Figures, row: Any) -> None:
    """Keep one completed case's handling hours (for percentiles)."""
    figures.hours.append(float(row.hours))


def _count_events(figures: Figures, row: Any) -> None:
    """Count returns, rulings, extensions or redos of one kind."""
    name = EVENT_FIELDS[row.action]
    setattr(figures, name, getattr(figures, name) + row.n)


def count_ratings(figures: Figures, row: Any) -> None:
    """Count revisit answers (a row of rating_groups)."""
    figures.rated += row.n
    figures.solved += _total(row.solved)
    figures.satisfied += _total(row.satisfied)


def _count_lights(figures: Figures, row: Any) -> None:
    """Count the lights of one kind that fired."""
    setattr(figures, row.kind, getattr(figures, row.kind) + row.n)


def _count_explanations(figures: Figures, row: Any) -> None:
    """Count explanations owed, late (submitted after the due time) and missing (overdue)."""
    figures.explanations_owed += row.n
    figures.explanations_late += _total(row.late)
    figures.explanations_missing += _total(row.missing)


def _in(column: Any, period: Period) -> ColumnElement[bool]:
    """Return the half-open period condition on a time column."""
    return (column >= period.start) & (column < period.end)  # type: ignore[no-any-return]


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """Return 1 where a condition holds, else 0 (to SUM)."""
    return when((condition, 1), else_=0)


async def _rows(session: AsyncSession, query: Executable) -> list[Any]:
    """Run a query and return its rows."""
    return list((await session.execute(query)).all())


def in_period(column: Any, period: Period) -> ColumnElement[bool]:
    """Return the half-open period condition on a time column."""
    return _in(column, period)


def case_groups(received: ColumnElement[bool], where: ColumnElement[bool], group: tuple[Any, ...] = PLACE) -> Select[Any]:
    """Return the cohort query: the cases RECEIVED (a condition on created_at) and WHERE, counted per GROUP."""
    completed = Case.status.in_(COMPLETED_STATES)
    finished = and_(completed, Case.completed_at.is_not(None))
    timed = and_(finished, Case.handle_deadline.is_not(None))
    return (
        select(
            *group,
            func.count().label("received"),
            func.sum(_flag(Case.status == Status.WITHDRAWN.value)).label("withdrawn"),
            func.sum(_flag(completed)).label("completed"),
            func.sum(_flag(timed)).label("timed"),
            func.sum(_flag(and_(timed, Case.completed_at <= Case.handle_deadline))).label("on_time"),
            func.sum(when((finished, hours_between(Case.created_at, Case.completed_at)), else_=None)).label("hours_sum"),
            func.sum(_flag(finished)).label("hours_n"),
        )
        .where(received, where)
        .group_by(*group)
    )


def rating_groups(given: ColumnElement[bool], scope: Scope, group: tuple[Any, ...] = PLACE) -> Select[Any]:
    """Return the revisit answers GIVEN (a condition on their created_at), counted per GROUP (no join for the district's totals)."""
    query = select(
        *group,
        func.count().label("n"),
        func.sum(_flag(CaseRating.solved == SOLVED)).label("solved"),
        func.sum(_flag(CaseRating.satisfied.in_((SATISFIED, FAIRLY_SATISFIED)))).label("satisfied"),
    ).where(given)
    if group or scope.kind != "district":
        query = query.join(Case, Case.id == CaseRating.case_id).where(scope_filter(scope))
    return query.group_by(*group) if group else query


async def compute_stats(
    session: AsyncSession,
    period: Period,
    scope: Scope,
    tz: ZoneInfo,
    now: datetime,
    *,
    fallback: FallbackNames | None = None,
    detail: str = FULL,
    trend: bool = True,
) -> Stats:
    """Compute the figures of a period for a scope, in total, per unit and per category.

    FALLBACK names what has no unit; TREND counts per day. DETAIL: FULL counts everything (with each
    handling time, for p90); HEADLINE only the cohort (per street, community and grid) and the revisit
    answers (in total); TOTALS the same in total only. The counts they share are the same counts.
    """
    tally = Tally(await load_directory(session, fallback))
    where = scope_filter(scope)
    group = {FULL: PLACE, HEADLINE: GRIDS, TOTALS: ()}[detail]
    tally.add(await _rows(session, case_groups(_in(Case.created_at, period), where, group)), count_cases)
    if detail != FULL:
        tally.add(await _rows(session, rating_groups(_in(CaseRating.created_at, period), scope, ())), count_ratings)
        days = await daily_trend(session, period, where, tz) if trend else []
        units = {kind: found for kind, found in tally.units.items() if scope.kind != kind and found}
        return Stats(period=period, scope=scope, total=tally.total, units=units, trend=days)
    finished = Case.status.in_(COMPLETED_STATES) & Case.completed_at.is_not(None)
    if _dialect(session) == "postgresql":
        await _p90_postgresql(session, tally, _in(Case.created_at, period) & where & finished)
    else:
        hours = select(*PLACE, hours_between(Case.created_at, Case.completed_at).label("hours"))
        tally.add(await _rows(session, hours.where(_in(Case.created_at, period), where, finished)), _count_hours)
    events = (
        select(*PLACE, CaseEvent.action, func.count().label("n"))
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.action.in_(list(EVENT_FIELDS)), _in(CaseEvent.created_at, period), where)
        .group_by(*PLACE, CaseEvent.action)
    )
    tally.add(await _rows(session, events), _count_events)
    tally.add(await _rows(session, rating_groups(_in(CaseRating.created_at, period), scope)), count_ratings)
    lights = select(*PLACE, Light.kind, func.count().label("n")).join(Case, Case.id == Light.case_id)
    tally.add(await _rows(session, lights.where(_in(Light.fired_at, period), where).group_by(*PLACE, Light.kind)), _count_lights)
    submitted = ExplanationTask.submitted_at
    tasks = select(
        *PLACE,
        func.count().label("n"),
        func.sum(_flag(submitted.is_not(None) & (submitted > ExplanationTask.due_at))).label("late"),
        func.sum(_flag(submitted.is_(None) & (ExplanationTask.due_at < now))).label("missing"),
    ).join(Case, Case.id == ExplanationTask.case_id)
    tally.add(await _rows(session, tasks.where(_in(ExplanationTask.created_at, period), where).group_by(*PLACE)), _count_explanations)
    days = await daily_trend(session, period, where, tz) if trend else []
    units = {kind: found for kind, found in tally.units.items() if scope.kind != kind}
    known = _known_units(tally.directory, scope) if scope.kind == "district" else {}
    sources = add_source_rows(await _rows(session, case_groups(_in(Case.created_at, period), where, (Case.source,))), count_cases)
    patrol = await patrol_figures(session, _in(Case.created_at, period), where)
    return Stats(
        period=period, scope=scope, total=tally.total, units=units, trend=days, known=known, categories=tally.categories, sources=sources, patrol=patrol
    )


async def _p90_postgresql(session: AsyncSession, tally: Tally, finished: ColumnElement[bool]) -> None:
    """Set each unit's, category's and the total's p90 handling hours, picked in the database (storage/stats/p90.py).

    The same nearest rank as figures.percentile, instead of every completed case's hours fetched into
    Python (a million at city scale).
    """
    directory = tally.directory
    for (kind, value), hours in (await p90_hours(session, finished, UNCATEGORISED)).items():
        if kind == "total":
            tally.total.p90 = hours
        elif kind == "category":
            tally.categories.setdefault(value, Figures()).p90 = hours
        else:
            code = value if kind == "department" else directory.code_of(value)
            if code is not None:
                units = tally.units[kind]
                if code not in units:
                    units[code] = UnitFigures(kind, code, directory.name_of(kind, code))
                units[code].figures.p90 = hours


def _known_units(directory: Directory, scope: Scope) -> dict[str, list[tuple[str, str]]]:
    """Return every street, community, grid and department of the district by kind."""
    known: dict[str, list[tuple[str, str]]] = {kind: [] for kind in KINDS}
    for unit in directory.by_id.values():
        if unit.kind in known:
            known[unit.kind].append((unit.code, unit.name))
    return known


def _dialect(session: AsyncSession) -> str:
    """Return the name of the session's database dialect (sqlite, postgresql)."""
    bind = session.bind
    return bind.dialect.name if bind is not None else "sqlite"


async def daily_trend(session: AsyncSession, period: Period, where: ColumnElement[bool], tz: ZoneInfo) -> list[tuple[date, int, int]]:
    """Return cases received and completed per local day of the period."""
    days = {day: [0, 0] for day in period.local_days(tz)}
    dialect = _dialect(session)
    for index, column in enumerate((Case.created_at, Case.completed_at)):
        bucket, day_of = local_day(column, period, tz, dialect)
        query = select(bucket.label("day"), func.count().label("n")).where(_in(column, period), where).group_by(bucket)
        for row in await _rows(session, query):
            day = day_of(row.day)
            if day in days:
                days[day][index] += row.n
    return [(day, counts[0], counts[1]) for day, counts in days.items()]


async def category_trend(session: AsyncSession, period: Period, where: ColumnElement[bool], tz: ZoneInfo) -> dict[str, dict[date, int]]:
    """Return the cases received per category and local day of the period."""
    bucket, day_of = local_day(Case.created_at, period, tz, _dialect(session))
    query = (
        select(Case.category, bucket.label("day"), func.count().label("n"))
        .where(_in(Case.created_at, period), where)
        .group_by(Case.category, bucket)
    )
    found: dict[str, dict[date, int]] = {}
    for row in await _rows(session, query):
        per_day = found.setdefault(row.category or UNCATEGORISED, {})
        day = day_of(row.day)
        per_day[day] = per_day.get(day, 0) + row.n
    return found


async def category_counts(session: AsyncSession, period: Period, where: ColumnElement[bool]) -> dict[str, int]:
    """Return the cases received in the period per category."""
    query = select(Case.category, func.count().label("n")).where(_in(Case.created_at, period), where).group_by(Case.category)
    found: dict[str, int] = {}
    for row in await _rows(session, query):
        key = row.category or UNCATEGORISED
        found[key] = found.get(key, 0) + row.n
    return found


def ranking(stats: Stats, kind: str, metric: str, min_volume: int, *, lowest_first: bool = False) -> list[UnitFigures]:
    """Rank the units of a kind by a rate or count, keeping only those with at least MIN_VOLUME cases."""
    eligible = [u for u in stats.rows(kind) if u.figures.received >= min_volume and u.figures.value(metric) is not None]

    def key(unit: UnitFigures) -> tuple[float, int, str]:
        value = float(unit.figures.value(metric) or 0.0)
        return (value if lowest_first else -value, -unit.figures.received, unit.code)

    return sorted(eligible, key=key)
