"""What stands now, for the cockpit: open cases and their lights per grid, the red-light cases to mark on the map,
the cases behind a figure (a drill-down list) and one case's history.

A case is red now while it is being worked past its handling deadline (as the command center's 红灯督办
list counts it), yellow while its current cycle's yellow light has fired and it is not red yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy import case as when

from storage.cases.lifecycle import OPEN_STATES, WORKING_STATES
from storage.models.cases import (
    Case,
    CaseEvent,
    CasePublication,
    CaseRating,
    ExplanationTask,
    Light,
)
from storage.stats.directory import Scope, scope_filter
from storage.stats.period import Period

OPEN = [s.value for s in OPEN_STATES]
WORKING = [s.value for s in WORKING_STATES]
MARKER_LIMIT = 300
PAGE_SIZE = 50


@dataclass
class Load:
    """Cases open now, and how many of them show a red or a yellow light."""

    open: int = 0
    red: int = 0
    yellow: int = 0


@dataclass
class Live:
    """What stands now in a scope: the total and each grid's load (None: cases with no grid)."""

    total: Load = field(default_factory=Load)
    grids: dict[int | None, Load] = field(default_factory=dict)


@dataclass(frozen=True)
class Marker:
    """A red-light case on the map: where it is (its own place, or None to put it in its grid)."""

    case_id: int
    number: str
    grid_id: int | None
    lat: float | None
    lon: float | None
    overdue_hours: float


def red_now(now: datetime) -> ColumnElement[bool]:
    """Return the condition: being worked, past the handling deadline."""
    return and_(Case.status.in_(WORKING), Case.handle_deadline.is_not(None), Case.handle_deadline <= now)


def yellow_now(now: datetime) -> ColumnElement[bool]:
    """Return the condition: being worked, not red, and the current cycle's yellow light has fired."""
    fired = exists().where(Light.case_id == Case.id, Light.cycle == Case.cycle, Light.kind == "yellow")
    return and_(Case.status.in_(WORKING), ~red_now(now), fired)


async def live_load(session: Any, scope: Scope, now: datetime) -> Live:
    """Return the open cases and their lights now, in total and per grid."""
    query = (
        select(
            Case.grid_id,
            func.count().label("open"),
            func.sum(when((red_now(now), 1), else_=0)).label("red"),
            func.sum(when((yellow_now(now), 1), else_=0)).label("yellow"),
        )
        .where(Case.status.in_(OPEN), scope_filter(scope))
        .group_by(Case.grid_id)
    )
    live = Live()
    for row in (await session.execute(query)).all():
        load = Load(int(row.open), int(row.red or 0), int(row.yellow or 0))
        live.grids[row.grid_id] = load
        live.total.open += load.open
        live.total.red += load.red
        live.total.yellow += load.yellow
    return live


async def red_markers(session: Any, scope: Scope, now: datetime, limit: int = MARKER_LIMIT) -> list[Marker]:
    """Return the red-light cases now (most overdue first), for the map."""
    query = (
        select(Case.id, Case.number, Case.grid_id, Case.lat, Case.lon, Case.handle_deadline)
        .where(red_now(now), scope_filter(scope))
        .order_by(Case.handle_deadline, Case.id)
        .limit(limit)
    )
    return [
        Marker(row.id, row.number, row.grid_id, row.lat, row.lon, (now - row.handle_deadline).total_seconds() / 3600)
        for row in (await session.execute(query)).all()
    ]


@dataclass(frozen=True)
class CaseFilter:
    """Which cases a drill-down lists: received in a period, in a scope, and optionally one grid, category, light or state."""

    period: Period | None = None
    grid_id: int | None = None
    category: str | None = None
    light: str | None = None  # "red" or "yellow": lit now
    open_only: bool = False


def _conditions(scope: Scope, wanted: CaseFilter, now: datetime) -> list[ColumnElement[bool]]:
    """Return the conditions a drill-down puts on cases."""
    found = [scope_filter(scope)]
    if wanted.period is not None:
        found += [Case.created_at >= wanted.period.start, Case.created_at < wanted.period.end]
    if wanted.grid_id is not None:
        found.append(Case.grid_id == wanted.grid_id)
    if wanted.category is not None:
        found.append(Case.category == wanted.category)
    if wanted.light == "red":
        found.append(red_now(now))
    elif wanted.light == "yellow":
        found.append(yellow_now(now))
    if wanted.open_only:
        found.append(Case.status.in_(OPEN))
    return found


async def case_list(session: Any, scope: Scope, wanted: CaseFilter, now: datetime, page: int = 0) -> tuple[int, Sequence[Case]]:
    """Return how many cases match a drill-down, and one page of them (newest first)."""
    where = _conditions(scope, wanted, now)
    total = int(await session.scalar(select(func.count()).select_from(Case).where(*where)) or 0)
    query = select(Case).where(*where).order_by(Case.created_at.desc(), Case.id.desc()).offset(page * PAGE_SIZE).limit(PAGE_SIZE)
    return total, (await session.scalars(query)).all()


@dataclass
class History:
    """One case with everything that happened to it."""

    case: Case
    events: Sequence[CaseEvent]
    lights: Sequence[Light]
    explanations: Sequence[ExplanationTask]
    ratings: Sequence[CaseRating]
    publication: CasePublication | None


async def case_history(session: Any, number: str) -> History | None:
    """Return a case by its number with its events, lights, explanations, ratings and publication."""
    case = (await session.scalars(select(Case).where(Case.number == number))).first()
    if case is None:
        return None
    events = (await session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))).all()
    lights = (await session.scalars(select(Light).where(Light.case_id == case.id).order_by(Light.fired_at, Light.id))).all()
    tasks = (await session.scalars(select(ExplanationTask).where(ExplanationTask.case_id == case.id).order_by(ExplanationTask.id))).all()
    ratings = (await session.scalars(select(CaseRating).where(CaseRating.case_id == case.id).order_by(CaseRating.cycle))).all()
    publication = await session.get(CasePublication, case.id)
    return History(case, events, lights, tasks, ratings, publication)
