"""The routing policy: which unit receives a new case, from its department and its place."""

from __future__ import annotations

from dataclasses import dataclass

from storage.models.people import Unit
from storage.uow import UnitOfWork

COMMAND_CENTER = "dispatch"
COMMUNITY_MATTERS = "shequ"
COMMUNITY_LEVEL_KIND = "community_matters"  # a district's community-level department: a routing label, no staff
GRID_ROLE = "grid_member"
ESCALATION_PARENT_KINDS = {"grid": "community", "community": "street"}


@dataclass(frozen=True)
class Destination:
    """The unit a case goes to; `triage` when that is the command center's queue."""

    unit: Unit
    triage: bool


async def command_center(uow: UnitOfWork) -> Unit:
    """Return the command center unit (the demo data and every deployment have exactly one)."""
    centres = await uow.units.of_kind("command_center")
    if not centres:
        raise LookupError("no command center unit: load the organisation data first")
    return centres[0]


async def destination_for(
    uow: UnitOfWork, department: str | None, grid_id: int | None, community_id: int | None
) -> Destination:
    """Pick the receiving unit: community matters → the grid (or community), others → the department.

    Community matters are the taxonomy's `shequ` and any department a district imported as community-level.
    """
    unit = None
    if department and department not in (COMMUNITY_MATTERS, COMMAND_CENTER):
        unit = await uow.units.by_code(department)
    if department == COMMUNITY_MATTERS or (unit is not None and unit.kind == COMMUNITY_LEVEL_KIND):
        if grid_id is not None and await uow.people.holders(GRID_ROLE, grid_id):
            grid = await uow.units.get(grid_id)
            if grid is not None:
                return Destination(grid, triage=False)
        if community_id is not None:
            community = await uow.units.get(community_id)
            if community is not None:
                return Destination(community, triage=False)
    elif unit is not None and unit.kind == "department" and unit.retired_at is None:
        return Destination(unit, triage=False)
    return Destination(await command_center(uow), triage=True)


async def escalation_target(uow: UnitOfWork, unit_id: int | None) -> Destination:
    """Return the tier above a unit: grid → community → street → command center."""
    unit = await uow.units.get(unit_id) if unit_id is not None else None
    if unit is not None and unit.kind in ESCALATION_PARENT_KINDS and unit.parent_id is not None:
        parent = await uow.units.get(unit.parent_id)
        if parent is not None and parent.kind == ESCALATION_PARENT_KINDS[unit.kind]:
            return Destination(parent, triage=False)
    return Destination(await command_center(uow), triage=True)


STAFF_ROLE_OF_KIND = {
    "grid": "grid_member",
    "community": "community",
    "street": "street",
    "department": "department",
    "command_center": "command_center",
}


async def staff_of(uow: UnitOfWork, unit_id: int | None) -> list[int]:
    """Return the ids of the people who work a unit's cases."""
    unit = await uow.units.get(unit_id) if unit_id is not None else None
    if unit is None or unit.kind not in STAFF_ROLE_OF_KIND:
        return []
    return [p.id for p in await uow.people.holders(STAFF_ROLE_OF_KIND[unit.kind], unit.id)]
