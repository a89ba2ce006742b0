"""Where a period's cases came in (their source: chat, open311:<key>, patrol, operator:<person>), and the grid
members' patrol reports: how many each found and reported (发现/上报) and how many they fixed themselves (自行处置)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy import case as when
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases.lifecycle import Action, Role
from storage.models.cases import Case, CaseEvent
from storage.models.people import Person, RoleBinding, Unit
from storage.stats.figures import Figures

PATROL = "patrol"
OPERATOR_PREFIX = "operator:"
OPERATOR = "operator"
SOURCE_ORDER = ("chat", PATROL, OPERATOR)  # then the API's clients by name


@dataclass(frozen=True)
class PatrolFigures:
    """One grid member's patrol reports in a period: found and reported, and fixed on the spot by themself."""

    person_id: int
    name: str
    grid: str
    reported: int
    self_handled: int


def source_group(source: str) -> str:
    """Return the group a source counts in: every operator together, each API client apart."""
    return OPERATOR if source.startswith(OPERATOR_PREFIX) else source


def source_order(group: str) -> tuple[int, str]:
    """Return the sort key of a source group: chat, patrol, operators, then the API's clients by name."""
    return (SOURCE_ORDER.index(group), "") if group in SOURCE_ORDER else (len(SOURCE_ORDER), group)


def add_source_rows(rows: Sequence[Any], count: Any) -> dict[str, Figures]:
    """Add the cohort rows grouped by source into figures per source group, in source order."""
    found: dict[str, Figures] = {}
    for row in rows:
        count(found.setdefault(source_group(row.source), Figures()), row)
    return {group: found[group] for group in sorted(found, key=source_order)}


def _self_handled() -> ColumnElement[bool]:
    """Return the condition that the reporter of a case completed it themself (就地解决 or their own task)."""
    return exists().where(
        CaseEvent.case_id == Case.id,
        CaseEvent.action == Action.COMPLETE.value,
        CaseEvent.actor_person_id == Case.resident_person_id,
    )


async def patrol_figures(session: AsyncSession, received: ColumnElement[bool], where: ColumnElement[bool]) -> list[PatrolFigures]:
    """Return each grid member's patrol reports among the cases RECEIVED and WHERE, most first."""
    query = (
        select(
            Case.resident_person_id,
            func.count().label("reported"),
            func.sum(when((_self_handled(), 1), else_=0)).label("self_handled"),
        )
        .where(Case.source == PATROL, received, where)
        .group_by(Case.resident_person_id)
    )
    counted = (await session.execute(query)).all()
    if not counted:
        return []
    ids = [row.resident_person_id for row in counted]
    names = dict((await session.execute(select(Person.id, Person.name).where(Person.id.in_(ids)))).all())
    grid_rows = await session.execute(
        select(RoleBinding.person_id, Unit.name)
        .join(Unit, Unit.id == RoleBinding.unit_id)
        .where(and_(RoleBinding.person_id.in_(ids), RoleBinding.role == Role.GRID_MEMBER.value))
        .order_by(RoleBinding.id)
    )
    grids: dict[int, str] = {}
    for person_id, grid in grid_rows.all():
        grids.setdefault(person_id, grid)
    found = [
        PatrolFigures(row.resident_person_id, names.get(row.resident_person_id, "—"), grids.get(row.resident_person_id, "—"), row.reported, int(row.self_handled or 0))
        for row in counted
    ]
    return sorted(found, key=lambda p: (-p.reported, -p.self_handled, p.name))
