"""What a district still lacks before it can serve residents: heads, grid members, department staff, places in grids."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from shapely import Point
from sqlalchemy import select

from storage.cases.routing import COMMUNITY_LEVEL_KIND, COMMUNITY_MATTERS
from storage.district.geometry import parse_geometry
from storage.district.roster import ROSTER
from storage.models.people import ChannelAccount, Person, RoleBinding, Unit
from storage.models.places import GazetteerPlace
from storage.uow import UnitOfWork

HEADED_KINDS = ("district", "street", "community", "department", "command_center")
STAFFED = {"grid": "grid_member", "department": "department", "command_center": "command_center"}


@dataclass
class CheckReport:
    """Problems to fix before going live, and facts worth knowing."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


async def check_district(uow: UnitOfWork, taxonomy_codes: Collection[str]) -> CheckReport:
    """Check the units, staff, departments and places in service."""
    report = CheckReport()
    units = (await uow.session.scalars(select(Unit).where(Unit.retired_at.is_(None)).order_by(Unit.kind, Unit.code))).all()
    holders = {(b.role, b.unit_id) for b in (await uow.session.scalars(select(RoleBinding))).all()}
    for unit in units:
        if unit.kind in HEADED_KINDS and unit.head_person_id is None:
            report.problems.append(f"{unit.kind} {unit.code} ({unit.name}) has no head")
        role = STAFFED.get(unit.kind)
        if role is not None and (role, unit.id) not in holders:
            report.problems.append(f"{unit.kind} {unit.code} ({unit.name}) has no {role.replace('_', ' ')}")
    codes = {u.code for u in units if u.kind in ("department", "command_center", COMMUNITY_LEVEL_KIND)}
    for code in sorted(set(taxonomy_codes) - codes - {COMMUNITY_MATTERS}):
        report.problems.append(f"the routing taxonomy's {code} has no department: cases classified as {code} go to triage")
    grids = {u.id: u for u in units if u.kind == "grid"}
    shapes = {gid: parse_geometry(g.boundary, g.code) for gid, g in grids.items() if g.boundary}
    places = (await uow.session.scalars(select(GazetteerPlace).where(GazetteerPlace.retired_at.is_(None)).order_by(GazetteerPlace.id))).all()
    for place in places:
        if place.grid_id not in grids:
            report.problems.append(f"place {place.name} ({place.key}) lies in a grid no longer in service")
        elif place.lon is not None and place.lat is not None and place.grid_id in shapes:
            point = Point(place.lon, place.lat)
            if not shapes[place.grid_id].intersects(point):
                inside = [grids[g].code for g, shape in shapes.items() if shape.intersects(point)]
                where = f"in {inside[0]}" if inside else "outside every grid"
                report.problems.append(f"place {place.name} ({place.key}) is listed in {grids[place.grid_id].code} but its point lies {where}")
    roster = (await uow.session.scalars(select(Person).where(Person.source == ROSTER, Person.retired_at.is_(None)))).all()
    bound = set((await uow.session.scalars(select(ChannelAccount.person_id))).all())
    waiting = [p for p in roster if p.id not in bound]
    report.notes.append(f"{len(units)} units, {len(places)} places, {len(roster)} staff on the roster ({len(waiting)} have not redeemed their invite code yet)")
    return report
