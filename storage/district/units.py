"""Streets, communities and grids from the district's boundary file, checked, then stored once.

Each feature's properties name its `code`, `name`, `level` (district, street, community, grid) and
`parent` (the code of the unit above it); its geometry is a Polygon or MultiPolygon (the district's
may be empty). Checked before anything is stored: every grid lies inside its community and every
community inside its street (within the tolerance), and no two grids or communities overlap by more
than the tolerance; area that no grid (or community) covers is reported as a warning. Importing again
updates names, parents and boundaries; a unit that left the file is retired, never deleted, so the
cases that name it keep it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select

from storage.district.changes import ADDED, CHANGED, RESTORED, RETIRED, UNCHANGED, Changes, cell
from storage.district.geometry import (
    DistrictFileError,
    Plane,
    centre_of,
    gap,
    outside,
    overlaps,
    parse_geometry,
    plane_for,
    read_features,
    stored,
    to_wgs84,
)
from storage.district.options import DEFAULT_TOLERANCE
from storage.models.cases import Case
from storage.models.people import Unit
from storage.uow import UnitOfWork

LEVELS = ("district", "street", "community", "grid")
PARENT_LEVEL = {"street": "district", "community": "street", "grid": "community"}
LEVEL_WORDS = {"区": "district", "县": "district", "街道": "street", "镇": "street", "乡": "street", "社区": "community", "村": "community", "网格": "grid"}
KEYS = {
    "code": ("code", "编码", "代码", "id"),
    "name": ("name", "名称"),
    "level": ("level", "层级", "级别", "type"),
    "parent": ("parent", "上级", "parent_code", "上级编码"),
}


@dataclass(frozen=True)
class UnitRow:
    """One unit of the boundary file, its geometry in WGS-84 (None for a district without one)."""

    code: str
    name: str
    level: str
    parent: str | None
    geometry: Any


def _property(properties: dict[str, Any], key: str) -> str:
    """Return a feature property by any of its accepted names."""
    lowered = {str(k).strip().lower(): v for k, v in properties.items()}
    for name in KEYS[key]:
        if name in lowered:
            return cell(lowered[name])
    return ""


def read_units(path: Path, datum: str, encoding: str = "utf-8") -> list[UnitRow]:
    """Read and check the structure of a boundary file (datum: what its coordinates are in)."""
    rows: list[UnitRow] = []
    problems: list[str] = []
    for number, feature in enumerate(read_features(path, encoding), start=1):
        code, name = _property(feature.properties, "code"), _property(feature.properties, "name")
        level = _property(feature.properties, "level").lower()
        level = LEVEL_WORDS.get(level, level)
        where = f"feature {number} ({code or 'no code'})"
        if not code or not name or level not in LEVELS:
            problems.append(f"{where}: needs a code, a name and a level (one of {', '.join(LEVELS)}), got level {level!r}")
            continue
        try:
            geometry = None if level == "district" and feature.geometry is None else to_wgs84(parse_geometry(feature.geometry, where), datum)
        except DistrictFileError as exc:
            problems += exc.problems
            continue
        rows.append(UnitRow(code, name, level, _property(feature.properties, "parent") or None, geometry))
    if problems:
        raise DistrictFileError(problems)
    return rows


def check_units(rows: Sequence[UnitRow], tolerance: float = DEFAULT_TOLERANCE) -> list[str]:
    """Check the tree and the boundaries; raise DistrictFileError for what must be fixed, return the warnings."""
    problems: list[str] = []
    by_code: dict[str, UnitRow] = {}
    for row in rows:
        if row.code in by_code:
            problems.append(f"{row.code}: listed twice")
        by_code[row.code] = row
    districts = [r for r in rows if r.level == "district"]
    if len(districts) != 1:
        problems.append(f"the file must hold exactly one unit of level district (found {len(districts)})")
    for row in rows:
        wanted = PARENT_LEVEL.get(row.level)
        parent = by_code.get(row.parent or "")
        if wanted is not None and (parent is None or parent.level != wanted):
            problems.append(f"{row.level} {row.code}: its parent {row.parent!r} must be a {wanted} of this file")
    if problems:
        raise DistrictFileError(problems)
    plane = plane_for(r.geometry for r in rows)
    warnings = _containment(rows, by_code, plane, tolerance, problems)
    for level in ("grid", "community"):
        named = [(r.code, r.geometry) for r in rows if r.level == level]
        problems += [f"{level}s {a} and {b} overlap by {area:,.0f} m²" for a, b, area in overlaps(named, plane, tolerance)]
    if problems:
        raise DistrictFileError(problems)
    return warnings


def _containment(rows: Sequence[UnitRow], by_code: dict[str, UnitRow], plane: Plane, tolerance: float, problems: list[str]) -> list[str]:
    """Check every unit lies inside its parent (problems) and report what no child covers (warnings)."""
    warnings = []
    for row in rows:
        parent = by_code.get(row.parent or "")
        if parent is not None and parent.geometry is not None and row.geometry is not None:
            spill = outside(row.geometry, parent.geometry, plane)
            if spill > tolerance:
                problems.append(f"{row.level} {row.code}: {spill:,.0f} m² lie outside its {parent.level} {parent.code}")
    for row in rows:
        children = [r.geometry for r in rows if r.parent == row.code and r.geometry is not None]
        if row.geometry is None or row.level == "grid" or not children:
            continue
        uncovered = gap(row.geometry, children, plane)
        if uncovered > tolerance:
            warnings.append(f"{row.level} {row.code} ({row.name}): {uncovered:,.0f} m² covered by no {LEVELS[LEVELS.index(row.level) + 1]}")
    return warnings


async def _cases_naming(uow: UnitOfWork, unit_id: int) -> int:
    """Return how many cases name a unit as their grid, community, street or holder."""
    query = select(func.count(Case.id)).where(
        or_(Case.grid_id == unit_id, Case.community_id == unit_id, Case.street_id == unit_id, Case.current_unit_id == unit_id)
    )
    return int(await uow.session.scalar(query) or 0)


async def import_units(uow: UnitOfWork, rows: Sequence[UnitRow], now: datetime, tolerance: float = DEFAULT_TOLERANCE) -> Changes:
    """Store the units of a checked file: add, update, restore, and retire the streets, communities and grids that left it."""
    changes = Changes("units")
    for warning in check_units(rows, tolerance):
        changes.warn(warning)
    existing = {u.code: u for u in (await uow.session.scalars(select(Unit))).all()}
    clashes = [f"{r.code}: already a {existing[r.code].kind}, not a {r.level}" for r in rows if r.code in existing and existing[r.code].kind != r.level]
    if clashes:
        raise DistrictFileError(clashes)
    plane = plane_for(r.geometry for r in rows)
    ids: dict[str, int] = {}
    for level in LEVELS:
        for row in (r for r in rows if r.level == level):
            unit = existing.get(row.code)
            values = _values(row, ids)
            if unit is None:
                unit = uow.units.add(Unit(code=row.code, kind=row.level, **values))
                await uow.flush()
                changes.note(ADDED, f"{row.level} {row.code} {row.name}")
            else:
                _update(unit, row, values, changes, plane)
            ids[row.code] = unit.id
    listed = {r.code for r in rows}
    for unit in existing.values():
        if unit.kind in ("street", "community", "grid") and unit.code not in listed and unit.retired_at is None:
            unit.retired_at = now
            cases = await _cases_naming(uow, unit.id)
            changes.note(RETIRED, f"{unit.kind} {unit.code} {unit.name} retired (kept for its {cases} cases)" if cases else f"{unit.kind} {unit.code} {unit.name} retired")
    await uow.flush()
    return changes


def _values(row: UnitRow, ids: dict[str, int]) -> dict[str, Any]:
    """Return the stored columns of a row."""
    centre = centre_of(row.geometry) if row.geometry is not None else (None, None)
    return {
        "name": row.name,
        "parent_id": ids.get(row.parent or ""),
        "boundary": stored(row.geometry) if row.geometry is not None else None,
        "centre_lon": centre[0],
        "centre_lat": centre[1],
        "polygon": None,
        "retired_at": None,
    }


def _update(unit: Unit, row: UnitRow, values: dict[str, Any], changes: Changes, plane: Plane) -> None:
    """Update a unit from its row and note what changed."""
    said = []
    if unit.name != row.name:
        said.append(f"name {unit.name} → {row.name}")
    if unit.parent_id != values["parent_id"]:
        said.append(f"now under {row.parent}")
    if unit.boundary != values["boundary"]:
        if unit.boundary is None:
            said.append("boundary added")
        else:
            before = parse_geometry(unit.boundary, unit.code)
            moved = plane.area(before.symmetric_difference(row.geometry))
            said.append(f"boundary moved ({moved:,.0f} m² changed hands)")
    restored = unit.retired_at is not None
    for key, value in values.items():
        if getattr(unit, key) != value:
            setattr(unit, key, value)
    if restored:
        changes.note(RESTORED, f"{row.level} {row.code} {row.name} back in service" + (f": {'; '.join(said)}" if said else ""))
    elif said:
        changes.note(CHANGED, f"{row.level} {row.code} {row.name}: {'; '.join(said)}")
    else:
        changes.note(UNCHANGED)
