"""Lights and written explanations per unit over a period (for `qungong lights`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases.supervision import LightKind
from storage.models.cases import ExplanationTask, Light
from storage.models.people import Unit


@dataclass
class UnitLights:
    """One unit's figures for the period."""

    unit: str
    name: str
    sign_overdue: int = 0
    yellow: int = 0
    red: int = 0
    explanations_owed: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0


def period_bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the UTC bounds of local days START to END inclusive."""
    return datetime.combine(start, time(0, 0), tz), datetime.combine(end + timedelta(days=1), time(0, 0), tz)


async def lights_report(session: AsyncSession, start: date, end: date, tz: ZoneInfo, now: datetime) -> list[UnitLights]:
    """Count lights fired and explanations owed (on time, late, missing, still open) per unit."""
    low, high = period_bounds(start, end, tz)
    rows: dict[int | None, UnitLights] = {}
    units = {u.id: u for u in (await session.scalars(select(Unit))).all()}

    def row(unit_id: int | None) -> UnitLights:
        if unit_id not in rows:
            unit = units.get(unit_id) if unit_id is not None else None
            rows[unit_id] = UnitLights(unit.code if unit else "-", unit.name if unit else "(no unit)")
        return rows[unit_id]

    lights = select(Light.unit_id, Light.kind, func.count()).where(Light.fired_at >= low, Light.fired_at < high)
    for unit_id, kind, count in (await session.execute(lights.group_by(Light.unit_id, Light.kind))).all():
        setattr(row(unit_id), LightKind(kind).value, int(count))
    tasks = select(ExplanationTask.unit_id, ExplanationTask.due_at, ExplanationTask.submitted_at).where(
        ExplanationTask.created_at >= low, ExplanationTask.created_at < high
    )
    for unit_id, due_at, submitted_at in (await session.execute(tasks)).all():
        entry = row(unit_id)
        entry.explanations_owed += 1
        if submitted_at is not None:
            entry.on_time += submitted_at <= due_at
            entry.late += submitted_at > due_at
        elif due_at < now:
            entry.missing += 1
        else:
            entry.pending += 1
    return sorted(rows.values(), key=lambda r: (-r.red, -r.yellow, r.unit))


COLUMNS = [f.name for f in fields(UnitLights)]


def as_csv(report: list[UnitLights]) -> str:
    """Render the report as CSV with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in report:
        writer.writerow([getattr(entry, name) for name in COLUMNS])
    return out.getvalue()


def as_table(report: list[UnitLights]) -> str:
    """Render the report as an aligned text table."""
    if not report:
        return "no lights and no explanations in this period"
    header = ["unit", "name", "sign", "yellow", "red", "owed", "on time", "late", "missing", "open"]
    body = [[str(getattr(r, name)) for name in COLUMNS] for r in report]
    widths = [max(len(header[i]), *(len(line[i]) for line in body)) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)) for line in [header, *body]]
    return "\n".join(line.rstrip() for line in lines)
