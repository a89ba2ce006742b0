"""Statistics over a period for the district (or one unit) and per street, community, grid and department.

Cases are attributed by where they are (their street, community and grid) and what they are about
(their department), not by who happens to hold them, so a transferred case still counts for its
place. Cohort figures (received, completed, on time, handling time) follow the cases received in
the period as they stand now; event figures count what happened in the period. The rows are read
once and counted in Python: a district's year is tens of thousands of small tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Executable, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases.lifecycle import Status
from storage.models.cases import Case, CaseEvent, CaseRating, ExplanationTask, Light
from storage.models.people import Unit
from storage.stats.figures import Figures
from storage.stats.period import Period

KINDS = ("street", "community", "grid", "department")
COMPLETED_STATES = frozenset({Status.COMPLETED.value, Status.REVISIT.value, Status.CLOSED.value})
UNITLESS_DEPARTMENTS = ("shequ",)  # department codes cases are routed to that have no unit row
SOLVED, SATISFIED, FAIRLY_SATISFIED = 1, 1, 2
EVENT_FIELDS = {
    "return": "returns",
    "uphold_return": "returns_upheld",
    "overrule_return": "returns_overruled",
    "request_extension": "extensions_requested",
    "approve_extension": "extensions_approved",
    "redo": "redos",
}


class StatsError(ValueError):
    """A report that cannot be made (e.g. an unknown unit); the message is safe to show."""


@dataclass(frozen=True)
class Scope:
    """What a report covers: the whole district, or one street, community, grid or department."""

    kind: str
    code: str
    name: str
    unit_id: int | None = None


@dataclass
class UnitFigures:
    """A unit's figures in a report."""

    kind: str
    code: str
    name: str
    figures: Figures = field(default_factory=Figures)


@dataclass
class Stats:
    """A period's figures for a scope: the total, each unit's, and received/completed per local day."""

    period: Period
    scope: Scope
    total: Figures
    units: dict[str, dict[str, UnitFigures]]
    trend: list[tuple[date, int, int]]
    known: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def rows(self, kind: str) -> list[UnitFigures]:
        """Return the units of one kind that had anything, most cases first."""
        return sorted(self.units.get(kind, {}).values(), key=lambda u: (-u.figures.received, u.code))

    def all_rows(self, kind: str) -> list[UnitFigures]:
        """Return every unit of a kind in code order, those with nothing to count included."""
        found = dict(self.units.get(kind, {}))
        for code, name in self.known.get(kind, []):
            found.setdefault(code, UnitFigures(kind, code, name))
        return [found[code] for code in sorted(found)]


@dataclass(frozen=True)
class FallbackNames:
    """Names, in the user's language, for what has no unit row: the district, and UNITLESS_DEPARTMENTS.

    Storage holds no wording; the caller supplies these (without them, codes stand in for names).
    """

    district: str = "-"
    departments: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Directory:
    """Unit codes and names by id, and the district."""

    by_id: dict[int, Unit]
    by_code: dict[str, Unit]
    fallback: FallbackNames = field(default_factory=FallbackNames)

    def name_of(self, kind: str, code: str) -> str:
        """Return a unit's name by kind and code (department codes without a unit get a fallback)."""
        unit = self.by_code.get(code)
        return unit.name if unit is not None else self.fallback.departments.get(code, code) if kind == "department" else code

    def code_of(self, unit_id: int | None) -> str | None:
        """Return a unit's code."""
        unit = self.by_id.get(unit_id) if unit_id is not None else None
        return unit.code if unit is not None else None


async def load_directory(session: AsyncSession, fallback: FallbackNames | None = None) -> Directory:
    """Load every unit once (FALLBACK: names for what has no unit row)."""
    units = (await session.scalars(select(Unit))).all()
    return Directory({u.id: u for u in units}, {u.code: u for u in units}, fallback or FallbackNames())


def resolve_scope(directory: Directory, code: str | None) -> Scope:
    """Return the scope a unit code names (None or the district's code: the whole district)."""
    districts = [u for u in directory.by_id.values() if u.kind == "district"]
    if code is None or (districts and code == districts[0].code):
        district = districts[0] if districts else None
        return Scope("district", district.code if district else "-", district.name if district else directory.fallback.district)
    unit = directory.by_code.get(code)
    if unit is not None and unit.kind in ("street", "community", "grid"):
        return Scope(unit.kind, unit.code, unit.name, unit.id)
    if unit is not None and unit.kind in ("department", "command_center") or code in UNITLESS_DEPARTMENTS:
        return Scope("department", code, directory.name_of("department", code))
    known = ", ".join(sorted(u.code for u in directory.by_id.values() if u.kind != "district")) or "none"
    raise StatsError(f"unknown unit {code!r} (known: {known})")


def scope_filter(scope: Scope) -> ColumnElement[bool]:
    """Return the condition on cases that keeps the scope's cases."""
    columns = {"street": Case.street_id, "community": Case.community_id, "grid": Case.grid_id}
    if scope.kind in columns:
        return columns[scope.kind] == scope.unit_id
    if scope.kind == "department":
        return Case.department_code == scope.code
    return true()


PLACE = (Case.street_id, Case.community_id, Case.grid_id, Case.department_code)


class Tally:
    """Adds each row to the total and to the units it belongs to."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.total = Figures()
        self.units: dict[str, dict[str, UnitFigures]] = {kind: {} for kind in KINDS}

    def targets(self, row: Any) -> list[Figures]:
        """Return the figures a row counts for: the total and its street, community, grid and department."""
        codes = [
            self.directory.code_of(row.street_id),
            self.directory.code_of(row.community_id),
            self.directory.code_of(row.grid_id),
            row.department_code,
        ]
        found = [self.total]
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


def _count_case(figures: Figures, row: Any) -> None:
    """Count a case received in the period."""
    figures.received += 1
    if row.status == Status.WITHDRAWN.value:
        figures.withdrawn += 1
        return
    if row.status in COMPLETED_STATES:
        figures.completed += 1
        if row.completed_at is not None:
            figures.hours.append((row.completed_at - row.created_at).total_seconds() / 3600)
            if row.handle_deadline is not None:
                figures.timed += 1
                figures.on_time += row.completed_at <= row.handle_deadline


def _count_event(figures: Figures, row: Any) -> None:
    """Count a return, ruling, extension or redo."""
    name = EVENT_FIELDS[row.action]
    setattr(figures, name, getattr(figures, name) + 1)


def _count_rating(figures: Figures, row: Any) -> None:
    """Count a revisit answer."""
    figures.rated += 1
    figures.solved += row.solved == SOLVED
    figures.satisfied += row.satisfied in (SATISFIED, FAIRLY_SATISFIED)


def _count_light(figures: Figures, row: Any) -> None:
    """Count a light that fired."""
    setattr(figures, row.kind, getattr(figures, row.kind) + 1)


def _explanation_counter(now: datetime) -> Callable[[Figures, Any], None]:
    """Return a counter of explanations owed, late (submitted after the due time) and missing (overdue)."""

    def count(figures: Figures, row: Any) -> None:
        figures.explanations_owed += 1
        if row.submitted_at is not None:
            figures.explanations_late += row.submitted_at > row.due_at
        elif row.due_at < now:
            figures.explanations_missing += 1

    return count


def _in(column: Any, period: Period) -> ColumnElement[bool]:
    """Return the half-open period condition on a time column."""
    return (column >= period.start) & (column < period.end)  # type: ignore[no-any-return]


async def _rows(session: AsyncSession, query: Executable) -> list[Any]:
    """Run a query and return its rows."""
    return list((await session.execute(query)).all())


async def compute_stats(
    session: AsyncSession, period: Period, scope: Scope, tz: ZoneInfo, now: datetime, *, fallback: FallbackNames | None = None
) -> Stats:
    """Compute every figure of a period for a scope, in total and per unit (FALLBACK: names for what has no unit)."""
    tally = Tally(await load_directory(session, fallback))
    where = scope_filter(scope)
    cases = select(
        *PLACE, Case.status, Case.resolution, Case.created_at, Case.completed_at, Case.handle_deadline
    ).where(_in(Case.created_at, period), where)
    tally.add(await _rows(session, cases), _count_case)
    events = (
        select(*PLACE, CaseEvent.action)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.action.in_(list(EVENT_FIELDS)), _in(CaseEvent.created_at, period), where)
    )
    tally.add(await _rows(session, events), _count_event)
    ratings = select(*PLACE, CaseRating.solved, CaseRating.satisfied).join(Case, Case.id == CaseRating.case_id)
    tally.add(await _rows(session, ratings.where(_in(CaseRating.created_at, period), where)), _count_rating)
    lights = select(*PLACE, Light.kind).join(Case, Case.id == Light.case_id)
    tally.add(await _rows(session, lights.where(_in(Light.fired_at, period), where)), _count_light)
    tasks = select(*PLACE, ExplanationTask.due_at, ExplanationTask.submitted_at).join(Case, Case.id == ExplanationTask.case_id)
    tally.add(await _rows(session, tasks.where(_in(ExplanationTask.created_at, period), where)), _explanation_counter(now))
    trend = await _trend(session, period, where, tz)
    units = {kind: found for kind, found in tally.units.items() if scope.kind != kind}
    known = _known_units(tally.directory, scope) if scope.kind == "district" else {}
    return Stats(period=period, scope=scope, total=tally.total, units=units, trend=trend, known=known)


def _known_units(directory: Directory, scope: Scope) -> dict[str, list[tuple[str, str]]]:
    """Return every street, community, grid and department of the district by kind."""
    known: dict[str, list[tuple[str, str]]] = {kind: [] for kind in KINDS}
    for unit in directory.by_id.values():
        kind = "department" if unit.kind == "department" else unit.kind
        if kind in known:
            known[kind].append((unit.code, unit.name))
    return known


async def _trend(session: AsyncSession, period: Period, where: ColumnElement[bool], tz: ZoneInfo) -> list[tuple[date, int, int]]:
    """Return cases received and completed per local day of the period."""
    days = {day: [0, 0] for day in period.local_days(tz)}
    received = await session.scalars(select(Case.created_at).where(_in(Case.created_at, period), where))
    for moment in received:
        days[moment.astimezone(tz).date()][0] += 1
    completed = await session.scalars(select(Case.completed_at).where(_in(Case.completed_at, period), where))
    for done in completed:
        if done is not None:
            days[done.astimezone(tz).date()][1] += 1
    return [(day, counts[0], counts[1]) for day, counts in days.items()]


def ranking(stats: Stats, kind: str, metric: str, min_volume: int, *, lowest_first: bool = False) -> list[UnitFigures]:
    """Rank the units of a kind by a rate or count, keeping only those with at least MIN_VOLUME cases."""
    eligible = [u for u in stats.rows(kind) if u.figures.received >= min_volume and u.figures.value(metric) is not None]

    def key(unit: UnitFigures) -> tuple[float, int, str]:
        value = float(unit.figures.value(metric) or 0.0)
        return (value if lowest_first else -value, -unit.figures.received, unit.code)

    return sorted(eligible, key=key)
