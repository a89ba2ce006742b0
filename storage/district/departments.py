"""The district's own department list (TOML or CSV), checked against the routing taxonomy.

    [[department]]
    code = "chengguan"          # the routing taxonomy's code (what `qungong nlp train` labels with)
    name = "青山区城市管理局"      # the district's own name
    head_unit = "qingshan"      # the unit above it (default: the district)
    community_level = false     # true: its matters go to the grid and community of the place
    sla_hours = 48              # the handling limit (red light); the yellow light comes halfway
    kind = "command_center"     # only for the command center (or code = "dispatch")

A CSV file has the same columns. A department the taxonomy does not know is kept (cases reach it by
transfer) with a warning; a taxonomy department the file lacks is warned about (its cases would go to
the command center's triage). Importing again updates names, head units and limits; a department that
left the file is retired.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from storage.cases.routing import COMMUNITY_LEVEL_KIND
from storage.cases.routing import COMMUNITY_MATTERS as COMMUNITY_CODE
from storage.district.changes import (
    ADDED,
    CHANGED,
    RESTORED,
    RETIRED,
    UNCHANGED,
    Changes,
    cell,
    yes,
)
from storage.district.geometry import DistrictFileError
from storage.models.people import Unit
from storage.uow import UnitOfWork

COMMAND_CENTER_CODE = "dispatch"
DEPARTMENT_KINDS = ("department", "command_center", COMMUNITY_LEVEL_KIND)
MAX_SLA_HOURS = 24 * 90


@dataclass(frozen=True)
class DepartmentRow:
    """One department of the file."""

    code: str
    name: str
    kind: str
    head_unit: str | None
    sla_hours: float | None


def _raw_rows(path: Path) -> list[dict[str, Any]]:
    """Read the [[department]] tables of a TOML file, or the rows of a CSV file."""
    try:
        if path.suffix.lower() == ".toml":
            tables = tomllib.loads(path.read_text(encoding="utf-8")).get("department", [])
            if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
                raise DistrictFileError([f"{path}: expected [[department]] tables"])
            return tables
        return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DistrictFileError([f"{path}: cannot be read ({exc})"]) from exc


def read_departments(path: Path) -> list[DepartmentRow]:
    """Read and check a department file."""
    rows: list[DepartmentRow] = []
    problems: list[str] = []
    for number, raw in enumerate(_raw_rows(path), start=1):
        code, name = cell(raw.get("code")), cell(raw.get("name") or raw.get("name_zh"))
        where = f"department {number} ({code or 'no code'})"
        if not code or not name or len(code) > 64:
            problems.append(f"{where}: needs a code (at most 64 characters) and a name")
            continue
        kind = "command_center" if code == COMMAND_CENTER_CODE or cell(raw.get("kind")) == "command_center" else "department"
        if yes(raw.get("community_level")):
            kind = COMMUNITY_LEVEL_KIND
        hours_text = cell(raw.get("sla_hours"))
        try:
            hours = float(hours_text) if hours_text else None
        except ValueError:
            hours = -1.0
        if hours is not None and not 0 < hours <= MAX_SLA_HOURS:
            problems.append(f"{where}: sla_hours must be more than 0 and at most {MAX_SLA_HOURS}, got {hours_text!r}")
            continue
        rows.append(DepartmentRow(code, name, kind, cell(raw.get("head_unit")) or None, hours))
    codes = [r.code for r in rows]
    problems += [f"{code}: listed twice" for code in sorted({c for c in codes if codes.count(c) > 1})]
    if sum(r.kind == "command_center" for r in rows) != 1:
        problems.append(f"exactly one command center is needed (code {COMMAND_CENTER_CODE!r} or kind = \"command_center\")")
    if problems:
        raise DistrictFileError(problems)
    return rows


def taxonomy_warnings(rows: Sequence[DepartmentRow], taxonomy_codes: Collection[str]) -> list[str]:
    """Say where the file and the routing taxonomy disagree."""
    codes = {r.code for r in rows} | {COMMUNITY_CODE}  # community matters are routed to grids even without a row
    warnings = [f"{r.code} ({r.name}) is not in the routing taxonomy: the classifier never routes to it; cases reach it by transfer" for r in rows if r.code not in taxonomy_codes]
    warnings += [f"the routing taxonomy's {code} is not in the file: cases classified as {code} go to the command center's triage" for code in sorted(set(taxonomy_codes) - codes)]
    return warnings


async def import_departments(uow: UnitOfWork, rows: Sequence[DepartmentRow], now: datetime, taxonomy_codes: Collection[str]) -> Changes:
    """Store the departments: add, update, restore, and retire the ones that left the file."""
    changes = Changes("departments")
    for warning in taxonomy_warnings(rows, taxonomy_codes):
        changes.warn(warning)
    units = {u.code: u for u in (await uow.session.scalars(select(Unit))).all()}
    districts = [u for u in units.values() if u.kind == "district" and u.retired_at is None]
    problems = [f"{r.code}: already a {units[r.code].kind}" for r in rows if r.code in units and units[r.code].kind not in DEPARTMENT_KINDS]
    problems += [f"{r.code}: unknown head unit {r.head_unit!r}" for r in rows if r.head_unit and r.head_unit not in units]
    if any(not r.head_unit for r in rows) and len(districts) != 1:
        problems.append("import the units first (the departments hang under the district unless head_unit says otherwise)")
    if problems:
        raise DistrictFileError(problems)
    for row in rows:
        values = {"name": row.name, "kind": row.kind, "parent_id": units[row.head_unit].id if row.head_unit else districts[0].id, "sla_hours": row.sla_hours, "retired_at": None}
        unit = units.get(row.code)
        if unit is None:
            uow.units.add(Unit(code=row.code, **values))
            changes.note(ADDED, f"{row.kind} {row.code} {row.name}")
            continue
        differing = [k for k, v in values.items() if getattr(unit, k) != v]
        restored = unit.retired_at is not None
        for key in differing:
            setattr(unit, key, values[key])
        if restored:
            changes.note(RESTORED, f"{row.kind} {row.code} {row.name} back in service")
        elif differing:
            changes.note(CHANGED, f"{row.kind} {row.code} {row.name}: {', '.join(differing)}")
        else:
            changes.note(UNCHANGED)
    listed = {r.code for r in rows}
    for unit in units.values():
        if unit.kind in DEPARTMENT_KINDS and unit.code not in listed and unit.retired_at is None:
            unit.retired_at = now
            changes.note(RETIRED, f"{unit.kind} {unit.code} {unit.name} retired")
    await uow.flush()
    return changes
