"""The district back in its own formats: units.geojson, places.csv, departments.toml and people.csv.

Importing an export changes nothing. Boundaries and points are written in WGS-84, or GCJ-02 on request.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from storage.district.departments import DEPARTMENT_KINDS
from storage.district.geometry import GCJ02, from_wgs84, parse_geometry, stored, wgs_to_gcj
from storage.district.places import HEADER as PLACE_HEADER
from storage.district.roster import HEADER as ROSTER_HEADER
from storage.district.roster import ROSTER
from storage.models.people import Person, RoleBinding, Unit
from storage.models.places import GazetteerPlace
from storage.uow import UnitOfWork

LEVEL_ORDER = ("district", "street", "community", "grid")


def _csv(header: tuple[str, ...], rows: list[list[Any]]) -> str:
    """Return rows as CSV text with a header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


async def export_district(uow: UnitOfWork, folder: Path, datum: str) -> dict[str, int]:
    """Write the four files into FOLDER; return how many rows each got."""
    folder.mkdir(parents=True, exist_ok=True)
    units = (await uow.session.scalars(select(Unit).where(Unit.retired_at.is_(None)))).all()
    codes = {u.id: u.code for u in units}
    return {
        "units.geojson": _units(folder, units, codes, datum),
        "places.csv": await _places(uow, folder, codes, datum),
        "departments.toml": _departments(folder, units, codes),
        "people.csv": await _people(uow, folder, units, codes),
    }


def _units(folder: Path, units: Any, codes: dict[int, str], datum: str) -> int:
    """Write units.geojson."""
    features = [
        {
            "type": "Feature",
            "properties": {"code": u.code, "name": u.name, "level": u.kind, "parent": codes.get(u.parent_id or -1, "")},
            "geometry": stored(from_wgs84(parse_geometry(u.boundary, u.code), datum)) if u.boundary else None,
        }
        for u in sorted((u for u in units if u.kind in LEVEL_ORDER), key=lambda u: (LEVEL_ORDER.index(u.kind), u.code))
    ]
    (folder / "units.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return len(features)


async def _places(uow: UnitOfWork, folder: Path, codes: dict[int, str], datum: str) -> int:
    """Write places.csv."""
    rows = []
    query = select(GazetteerPlace).where(GazetteerPlace.retired_at.is_(None)).order_by(GazetteerPlace.id)
    for place in (await uow.session.scalars(query)).all():
        lon, lat = place.lon, place.lat
        if lon is not None and lat is not None and datum == GCJ02:
            lon, lat = wgs_to_gcj(lon, lat)
        numbers = ["" if n is None else n for n in (place.number_from, place.number_to)]
        point = ["" if v is None else round(v, 7) for v in (lon, lat)]
        parity = "" if place.parity in (None, "all") else place.parity
        rows.append([place.key, place.kind, place.name, "|".join(place.aliases or ()), codes.get(place.grid_id, ""), *numbers, parity, place.category or "", *point])
    (folder / "places.csv").write_text(_csv(PLACE_HEADER, rows), encoding="utf-8")
    return len(rows)


def _departments(folder: Path, units: Any, codes: dict[int, str]) -> int:
    """Write departments.toml."""
    lines = ["# The district's departments (qungong district export).", ""]
    chosen = sorted((u for u in units if u.kind in DEPARTMENT_KINDS), key=lambda u: u.code)
    for unit in chosen:
        lines += ["[[department]]", f"code = {json.dumps(unit.code, ensure_ascii=False)}", f"name = {json.dumps(unit.name, ensure_ascii=False)}"]
        lines.append(f"head_unit = {json.dumps(codes.get(unit.parent_id or -1, ''), ensure_ascii=False)}")
        lines.append(f"community_level = {'true' if unit.kind == 'community_matters' else 'false'}")
        if unit.kind == "command_center":
            lines.append('kind = "command_center"')
        if unit.sla_hours is not None:
            lines.append(f"sla_hours = {unit.sla_hours:g}")
        lines.append("")
    (folder / "departments.toml").write_text("\n".join(lines), encoding="utf-8")
    return len(chosen)


async def _people(uow: UnitOfWork, folder: Path, units: Any, codes: dict[int, str]) -> int:
    """Write people.csv: one row per role of each roster person."""
    heads = {u.id: u.head_person_id for u in units}
    query = (
        select(Person, RoleBinding)
        .join(RoleBinding, RoleBinding.person_id == Person.id)
        .where(Person.source == ROSTER, Person.retired_at.is_(None))
        .order_by(Person.id, RoleBinding.id)
    )
    rows = [
        [person.name, person.phone or "", binding.role, codes.get(binding.unit_id, ""), "yes" if heads.get(binding.unit_id) == person.id else ""]
        for person, binding in (await uow.session.execute(query)).all()
        if binding.unit_id in codes
    ]
    (folder / "people.csv").write_text(_csv(ROSTER_HEADER, rows), encoding="utf-8")
    return len(rows)
