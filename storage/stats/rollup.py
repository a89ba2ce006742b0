"""The daily rollup: the headline figures of every closed local day, per place, so that a month or a year of
them is a few thousand small rows to add up instead of every case of the period.

`refresh_rollup` (the `stats_rollup` job) remakes the rows of the days that need it: days not rolled up
yet, and the days on which cases were received that changed since the last run (a case completed
today changes the figures of the day it came in). `headline_stats` answers the cockpit's headline
from the rollup for the whole, unchanged days of a period and counts the rest directly: the part of
today, partial days at the edges, and the days of cases changed since the last run (cases carry
`updated_at`, indexed). So the figures are exact, whenever the job last ran; without a rollup, or
for a department, everything is counted directly. Both ways use the same grouped queries
(storage.stats.compute), so they give the same figures.

A transaction that stays open longer than MARGIN while it changes a case could leave that case's day
stale until the case changes again (no request of QunGong's holds a transaction that long).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, false, func, insert, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.cases import Case, CaseRating
from storage.models.reports import DailyFigures, RollupState
from storage.stats.compute import (
    GRIDS,
    HEADLINE,
    TOTALS,
    Stats,
    Tally,
    case_groups,
    compute_stats,
    count_cases,
    count_ratings,
    rating_groups,
)
from storage.stats.directory import Directory, Scope, scope_filter
from storage.stats.period import Period
from storage.stats.sql import local_day

ROLLUP = "daily_figures"
MARGIN = timedelta(minutes=10)
COHORT = ("received", "withdrawn", "completed", "timed", "on_time", "hours_sum", "hours_n")
RATINGS = ("rated", "solved", "satisfied")
PLACE_SCOPES = {"street": DailyFigures.street_id, "community": DailyFigures.community_id, "grid": DailyFigures.grid_id}


def state_name(tz: ZoneInfo) -> str:
    """Return the rollup's state row for a time zone (days are local: another zone makes it again from scratch)."""
    return f"{ROLLUP}:{tz.key}"


def midnight(day: date, tz: ZoneInfo) -> datetime:
    """Return the moment a local day begins."""
    return datetime.combine(day, time(0, 0), tz)


def _dialect(session: AsyncSession) -> str:
    """Return the session's database dialect name."""
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def _ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """Return days as runs of consecutive days (first, last)."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


async def changed_days(session: AsyncSession, since: datetime, tz: ZoneInfo) -> set[date]:
    """Return the local days on which the cases changed since SINCE were received."""
    moments = (await session.scalars(select(Case.created_at).where(Case.updated_at >= since))).all()
    return {moment.astimezone(tz).date() for moment in moments}


async def _day_rows(session: AsyncSession, first: date, last: date, tz: ZoneInfo) -> dict[tuple[date, int, int, int], dict[str, Any]]:
    """Count the headline figures of a run of days, per day and place."""
    span = Period("range", midnight(first, tz), midnight(last + timedelta(days=1), tz), "rollup")
    dialect = _dialect(session)
    found: dict[tuple[date, int, int, int], dict[str, Any]] = {}

    def row_for(day: date, row: Any) -> dict[str, Any]:
        key = (day, row.street_id or 0, row.community_id or 0, row.grid_id or 0)
        return found.setdefault(key, {"day": key[0], "street_id": key[1], "community_id": key[2], "grid_id": key[3]} | dict.fromkeys(COHORT + RATINGS, 0))

    bucket, day_of = local_day(Case.created_at, span, tz, dialect)
    received = (Case.created_at >= span.start) & (Case.created_at < span.end)
    for row in (await session.execute(case_groups(received, true(), (bucket.label("day"), *GRIDS)))).all():
        values = row_for(day_of(row.day), row)
        for name in COHORT:
            values[name] += getattr(row, name) or 0
    bucket, day_of = local_day(CaseRating.created_at, span, tz, dialect)
    given = (CaseRating.created_at >= span.start) & (CaseRating.created_at < span.end)
    district = Scope("district", "-", "-")
    for row in (await session.execute(rating_groups(given, district, (bucket.label("day"), *GRIDS)))).all():
        values = row_for(day_of(row.day), row)
        values["rated"] += row.n
        values["solved"] += row.solved or 0
        values["satisfied"] += row.satisfied or 0
    return found


async def refresh_rollup(session: AsyncSession, tz: ZoneInfo, now: datetime) -> str:
    """Remake the rollup rows of every closed day that needs it, and record how far it reaches (the caller commits)."""
    yesterday = now.astimezone(tz).date() - timedelta(days=1)
    state = await session.get(RollupState, state_name(tz))
    if state is None:
        first = await session.scalar(select(func.min(Case.created_at)))
        days = set()
        if first is not None:
            start = first.astimezone(tz).date()
            days = {start + timedelta(days=i) for i in range((yesterday - start).days + 1)}
    else:
        days = {d for d in await changed_days(session, state.watermark, tz) if d <= yesterday}
        days |= {state.through_day + timedelta(days=i) for i in range(1, (yesterday - state.through_day).days + 1)}
    for first_day, last_day in _ranges(days):
        rows = await _day_rows(session, first_day, last_day, tz)
        await session.execute(delete(DailyFigures).where(DailyFigures.day >= first_day, DailyFigures.day <= last_day))
        if rows:
            await session.execute(insert(DailyFigures), list(rows.values()))
    if state is None:
        session.add(RollupState(name=state_name(tz), through_day=yesterday, watermark=now - MARGIN, refreshed_at=now))
    else:
        state.through_day, state.watermark, state.refreshed_at = yesterday, now - MARGIN, now
    return f"{len(days)} days rolled up (through {yesterday.isoformat()})"


@dataclass(frozen=True)
class Split:
    """A period split into the days the rollup answers and the time ranges counted directly."""

    first: date
    last: date
    skipped: tuple[date, ...]
    direct: tuple[tuple[datetime, datetime], ...]


def split_period(period: Period, tz: ZoneInfo, through: date, changed: set[date]) -> Split | None:
    """Return which whole, unchanged, rolled-up days of a period the rollup answers (None: none of them)."""
    whole = [
        d for d in period.local_days(tz)
        if midnight(d, tz) >= period.start and midnight(d + timedelta(days=1), tz) <= period.end and d <= through
    ]
    rolled = [d for d in whole if d not in changed]
    if not rolled:
        return None
    first, last = rolled[0], rolled[-1]
    skipped = tuple(d for d in whole if first <= d <= last and d in changed)
    direct = [(period.start, midnight(first, tz)), (midnight(last + timedelta(days=1), tz), period.end)]
    direct += [(midnight(d, tz), midnight(d + timedelta(days=1), tz)) for d in skipped]
    return Split(first, last, skipped, tuple((a, b) for a, b in direct if a < b))


def _during(column: Any, ranges: tuple[tuple[datetime, datetime], ...]) -> ColumnElement[bool]:
    """Return the condition: the time column falls in one of the ranges."""
    return or_(false(), *[(column >= a) & (column < b) for a, b in ranges])


async def headline_stats(
    session: AsyncSession, period: Period, scope: Scope, tz: ZoneInfo, now: datetime, *, directory: Directory, totals: bool = False
) -> Stats:
    """Return the headline figures of a period (per street, community and grid, or the TOTALS alone), from the rollup where it can."""
    state = await session.get(RollupState, state_name(tz)) if scope.kind == "district" or scope.kind in PLACE_SCOPES else None
    split = split_period(period, tz, state.through_day, await changed_days(session, state.watermark, tz)) if state else None
    if split is None:
        detail = TOTALS if totals else HEADLINE
        return await compute_stats(session, period, scope, tz, now, fallback=directory.fallback, detail=detail, trend=False)
    tally = Tally(directory)
    group = () if totals else (DailyFigures.street_id, DailyFigures.community_id, DailyFigures.grid_id)
    sums = [func.sum(getattr(DailyFigures, name)).label(name) for name in COHORT + RATINGS]
    query = select(*group, *sums).where(DailyFigures.day >= split.first, DailyFigures.day <= split.last)
    if split.skipped:
        query = query.where(DailyFigures.day.not_in(split.skipped))
    if scope.kind in PLACE_SCOPES:
        query = query.where(PLACE_SCOPES[scope.kind] == scope.unit_id)
    rolled = (await session.execute(query.group_by(*group))).all()
    tally.add([row for row in rolled if row.received], count_cases)  # places with answers only, not cases
    for row in rolled:
        tally.total.rated += row.rated or 0
        tally.total.solved += row.solved or 0
        tally.total.satisfied += row.satisfied or 0
    cohort = case_groups(_during(Case.created_at, split.direct), scope_filter(scope), () if totals else GRIDS)
    tally.add((await session.execute(cohort)).all(), count_cases)
    tally.add((await session.execute(rating_groups(_during(CaseRating.created_at, split.direct), scope, ()))).all(), count_ratings)
    units = {kind: found for kind, found in tally.units.items() if scope.kind != kind and found}
    return Stats(period=period, scope=scope, total=tally.total, units=units, trend=[])
