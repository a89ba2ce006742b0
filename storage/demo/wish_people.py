"""The demo district as the wish generator needs it: the communities and their compounds, who reviews and posts in each, the residents and the party members."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases.lifecycle import Role
from storage.models.people import Person, RoleBinding, Unit


@dataclass(frozen=True)
class Resident:
    """A resident who may post a wish for themself."""

    id: int
    name: str
    phone: str
    community: int


@dataclass(frozen=True)
class Member:
    """A party member who claims wishes, with the groups (帮帮团) they claim for."""

    id: int
    key: str | None
    community: int
    groups: tuple[str, str]


@dataclass
class District:
    """The demo district as the wishes need it: communities, who posts, reviews, claims."""

    names: dict[int, str] = field(default_factory=dict)  # people's names by id
    units: dict[int, str] = field(default_factory=dict)  # communities' names by id
    communities: list[int] = field(default_factory=list)
    villages: set[int] = field(default_factory=set)
    compounds: dict[int, list[str]] = field(default_factory=dict)
    places: list[str] = field(default_factory=list)
    reviewer: dict[int, int] = field(default_factory=dict)
    posters: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    residents: dict[int, list[Resident]] = field(default_factory=dict)
    demo_residents: dict[str, Resident] = field(default_factory=dict)
    members: list[Member] = field(default_factory=list)


async def load_district(session: AsyncSession) -> District:
    """Load the communities, their compounds, reviewers and posters, the residents and the party members."""
    district = District()
    units = {u.id: u for u in (await session.scalars(select(Unit).order_by(Unit.id))).all()}
    for unit in units.values():
        if unit.kind == "community":
            district.units[unit.id] = unit.name
            district.communities.append(unit.id)
            if unit.name.endswith("村"):
                district.villages.add(unit.id)
        elif unit.kind == "grid" and unit.parent_id is not None:
            gazetteer = unit.gazetteer or {}
            district.compounds.setdefault(unit.parent_id, []).extend(gazetteer.get("compounds", []))
            district.places += [str(p) for key in ("compounds", "roads") for p in gazetteer.get(key, [])]
    people = (await session.execute(select(Person.id, Person.name, Person.phone, Person.registered_unit_id, Person.demo_key).order_by(Person.id))).all()
    keys = {int(p.id): p.demo_key for p in people}
    for person in people:
        district.names[int(person.id)] = person.name
        if person.registered_unit_id in district.communities and person.phone:
            resident = Resident(int(person.id), person.name, person.phone, int(person.registered_unit_id))
            if person.demo_key:
                district.demo_residents[person.demo_key] = resident
            else:
                district.residents.setdefault(resident.community, []).append(resident)
    bindings = (await session.execute(select(RoleBinding.person_id, RoleBinding.role, RoleBinding.unit_id).order_by(RoleBinding.id))).all()
    for person_id, role, unit_id in bindings:
        bound = units.get(unit_id)
        if bound is not None:
            _bind(district, person_id, role, bound, units, key=keys.get(person_id))
    district.communities = [c for c in district.communities if c in district.reviewer and district.posters.get(c)]
    return district


def _bind(district: District, person_id: int, role: str, unit: Unit, units: dict[int, Unit], *, key: str | None) -> None:
    """Record who reviews and posts for a community, and who claims."""
    if role == Role.COMMUNITY.value and unit.kind == "community":
        district.reviewer.setdefault(unit.id, person_id)
        district.posters.setdefault(unit.id, []).append((person_id, role))
    elif role == Role.GRID_MEMBER.value and unit.kind == "grid" and unit.parent_id is not None:
        district.posters.setdefault(unit.parent_id, []).append((person_id, role))
    elif role == Role.PARTY_MEMBER.value:
        district.members.append(Member(person_id, key, unit.id, _groups(unit, units)))


def _groups(unit: Unit, units: dict[int, Unit]) -> tuple[str, str]:
    """Return the 帮帮团 a party member of UNIT claims for: their community's, or their street's."""
    short = unit.name.removesuffix("社区")
    parent = units.get(unit.parent_id) if unit.parent_id is not None else None
    wider = parent.name if parent is not None and parent.kind == "street" else short
    return f"{short}党员帮帮团", f"{wider}青年党员帮帮团"
