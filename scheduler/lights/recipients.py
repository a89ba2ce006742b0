"""Who is told about a light: the assignee, unit heads, unit staff and the command center."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.people import Person, RoleBinding, Unit

COMMAND_CENTER_KIND = "command_center"
GRID_KIND = "grid"
ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class UnitInfo:
    """The parts of a unit that decide who is told."""

    id: int
    kind: str
    parent_id: int | None
    head_person_id: int | None


@dataclass
class Directory:
    """Units, their staff and the command center, loaded once per sweep batch."""

    units: dict[int, UnitInfo] = field(default_factory=dict)
    staff: dict[int, list[int]] = field(default_factory=dict)
    command_center: list[int] = field(default_factory=list)

    def head_for(self, unit_id: int | None) -> int | None:
        """Return who heads a unit for nudges (for a grid: the head of its community)."""
        unit = self.units.get(unit_id) if unit_id is not None else None
        if unit is None:
            return None
        if unit.kind == GRID_KIND and unit.parent_id in self.units:
            parent = self.units[unit.parent_id]
            return parent.head_person_id or unit.head_person_id
        return unit.head_person_id

    def staff_of(self, unit_id: int | None) -> list[int]:
        """Return the people bound to a unit."""
        return self.staff.get(unit_id, []) if unit_id is not None else []


def unique(people: Iterable[int | None]) -> list[int]:
    """Return the person ids in order, without None and repeats."""
    seen: dict[int, None] = {}
    for person in people:
        if person is not None:
            seen.setdefault(person, None)
    return list(seen)


async def chosen_languages(session: AsyncSession, people: set[int]) -> dict[int, str]:
    """Return the language each of these people chose (those who chose none are left out)."""
    if not people:
        return {}
    query = select(Person.id, Person.language).where(Person.id.in_(people), Person.language.is_not(None))
    return {row.id: row.language for row in (await session.execute(query)).all()}


async def load_directory(session: AsyncSession, unit_ids: Iterable[int], *, with_command_center: bool) -> Directory:
    """Load the units (and their parents), their staff and, when asked, the command center's people."""
    wanted = set(unit_ids)
    directory = Directory()
    for _ in range(2):  # the units, then their parents
        missing = wanted - directory.units.keys()
        if not missing:
            break
        units = select(Unit.id, Unit.kind, Unit.parent_id, Unit.head_person_id).where(Unit.id.in_(missing))
        for unit in (await session.execute(units)).all():  # the columns only, not polygons and gazetteers
            directory.units[unit.id] = UnitInfo(unit.id, unit.kind, unit.parent_id, unit.head_person_id)
            if unit.parent_id is not None:
                wanted.add(unit.parent_id)
    query = select(RoleBinding.unit_id, RoleBinding.person_id).where(RoleBinding.unit_id.in_(set(unit_ids)))
    for row in (await session.execute(query.order_by(RoleBinding.id))).all():
        directory.staff.setdefault(row.unit_id, []).append(row.person_id)
    if with_command_center:
        directory.command_center = await command_center_people(session)
    return directory


async def command_center_people(session: AsyncSession) -> list[int]:
    """Return the command center's heads and members."""
    centers = (await session.execute(select(Unit.id, Unit.head_person_id).where(Unit.kind == COMMAND_CENTER_KIND))).all()
    ids = [c.id for c in centers]
    members = (
        await session.scalars(select(RoleBinding.person_id).where(RoleBinding.unit_id.in_(ids)).order_by(RoleBinding.id))
    ).all()
    return unique([*(c.head_person_id for c in centers), *members])


async def admins(session: AsyncSession) -> list[int]:
    """Return the people holding the admin role anywhere."""
    query = select(RoleBinding.person_id).where(RoleBinding.role == ADMIN_ROLE).order_by(RoleBinding.id)
    return unique((await session.scalars(query)).all())
