"""What a report covers: the units by id and code (a Directory), and a Scope (the district or one unit) with its filter on cases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.cases import Case
from storage.models.people import Unit

UNITLESS_DEPARTMENTS = ("shequ",)  # department codes cases are routed to that have no unit row
PLACE_KINDS = ("street", "community", "grid")


class StatsError(ValueError):
    """A report that cannot be made (e.g. an unknown unit); the message is safe to show."""


@dataclass(frozen=True)
class Scope:
    """What a report covers: the whole district, or one street, community, grid or department."""

    kind: str
    code: str
    name: str
    unit_id: int | None = None


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

    def of_kind(self, kind: str) -> list[Unit]:
        """Return the units of a kind, in code order."""
        return sorted((u for u in self.by_id.values() if u.kind == kind), key=lambda u: u.code)

    def within(self, scope: Scope, kind: str) -> list[Unit]:
        """Return the units of a kind that lie in a scope (every one of them for the district or a department)."""
        units = self.of_kind(kind)
        if scope.kind not in PLACE_KINDS or scope.unit_id is None:
            return units
        return [u for u in units if u.id == scope.unit_id or scope.unit_id in self.ancestors(u)]

    def ancestors(self, unit: Unit) -> list[int]:
        """Return the ids of a unit's parents, nearest first."""
        found: list[int] = []
        parent = unit.parent_id
        while parent is not None and parent not in found:
            found.append(parent)
            above = self.by_id.get(parent)
            parent = above.parent_id if above is not None else None
        return found


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
    if unit is not None and unit.kind in PLACE_KINDS:
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


def covers(scope: Scope, case: Case) -> bool:
    """Tell whether a case lies in a scope (the same test as scope_filter, on a loaded case)."""
    if scope.kind == "street":
        return case.street_id == scope.unit_id
    if scope.kind == "community":
        return case.community_id == scope.unit_id
    if scope.kind == "grid":
        return case.grid_id == scope.unit_id
    if scope.kind == "department":
        return case.department_code == scope.code
    return True
