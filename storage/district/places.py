"""The gazetteer from the district's CSV file: compounds, building ranges, road sections and landmarks.

Columns (a header row; Chinese headers are accepted too):

    code      the place's own code (optional: without one, kind + name + grid + range identify the row)
    kind      compound (小区), building (a range of a compound's buildings), road (a road section), landmark
    name      as the district writes it (柳岸新村, 东湖路, 东湖小学)
    aliases   other names residents use, separated by | or 、
    grid      the grid's code; may be empty when lon and lat are given: the point is placed into its grid
    from, to  building numbers (栋/号楼) of a building range, or house numbers (号) of a road section
    parity    odd, even or all (default): which house numbers of the section
    category  free text for landmarks (学校, 菜市场, 公交站 ...)
    lon, lat  a point (WGS-84, or GCJ-02 with --datum gcj02)

Importing again updates changed rows and retires the rows that left the file. Each grid's own
gazetteer field is refreshed with the names of its places (for the parts of QunGong that read it).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from storage.district.changes import ADDED, CHANGED, RESTORED, RETIRED, UNCHANGED, Changes, cell
from storage.district.geometry import GCJ02, DistrictFileError, gcj_to_wgs, locator, parse_geometry
from storage.models.people import Unit
from storage.models.places import GazetteerPlace
from storage.uow import UnitOfWork

KINDS = ("compound", "building", "road", "landmark")
KIND_WORDS = {"小区": "compound", "楼栋": "building", "楼": "building", "道路": "road", "路段": "road", "地标": "landmark"}
PARITIES = {"": "all", "all": "all", "odd": "odd", "even": "even", "单": "odd", "单号": "odd", "双": "even", "双号": "even"}
COLUMNS = {
    "code": ("code", "编码"),
    "kind": ("kind", "类型"),
    "name": ("name", "名称"),
    "aliases": ("aliases", "别名"),
    "grid": ("grid", "网格"),
    "from": ("from", "起"),
    "to": ("to", "止"),
    "parity": ("parity", "单双号"),
    "category": ("category", "类别"),
    "lon": ("lon", "经度"),
    "lat": ("lat", "纬度"),
}
HEADER = ("code", "kind", "name", "aliases", "grid", "from", "to", "parity", "category", "lon", "lat")
ALIAS_SEPARATORS = ("、", ";", "；", ",", "，")


@dataclass(frozen=True)
class PlaceRow:
    """One place of the file, its point in WGS-84."""

    key: str
    kind: str
    name: str
    aliases: tuple[str, ...]
    grid: str
    number_from: int | None
    number_to: int | None
    parity: str
    category: str | None
    lon: float | None
    lat: float | None
    line: int


def _number(text: str, line: int, column: str, problems: list[str]) -> int | None:
    """Return a whole number cell, or None when empty (a problem when it is no number)."""
    if not text:
        return None
    if not text.isdigit() or len(text) > 6:
        problems.append(f"line {line}: {column} must be a whole number, got {text!r}")
        return None
    return int(text)


def _coordinate(text: str, line: int, column: str, problems: list[str]) -> float | None:
    """Return a coordinate cell, or None when empty."""
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        problems.append(f"line {line}: {column} must be a number, got {text!r}")
        return None


def _aliases(text: str) -> tuple[str, ...]:
    """Split an aliases cell."""
    for separator in ALIAS_SEPARATORS:
        text = text.replace(separator, "|")
    return tuple(dict.fromkeys(a.strip() for a in text.split("|") if a.strip()))


def read_places(path: Path) -> list[dict[str, str]]:
    """Read the places file as rows of cells keyed by the English column names."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DistrictFileError([f"{path}: cannot be read ({exc})"]) from exc
    reader = csv.DictReader(io.StringIO(text))
    names = {str(h).strip().lower(): str(h) for h in reader.fieldnames or ()}
    found = {key: next((names[n] for n in options if n in names), None) for key, options in COLUMNS.items()}
    if found["name"] is None or found["kind"] is None or (found["grid"] is None and found["lon"] is None):
        raise DistrictFileError([f"{path}: needs the columns kind, name and grid (or lon and lat)"])
    return [{key: cell(raw.get(column)) if column else "" for key, column in found.items()} for raw in reader]


def parse_places(cells: Sequence[dict[str, str]], grids: dict[str, Any], datum: str) -> list[PlaceRow]:
    """Check the rows and place the ones given by a point into their grid (GRIDS: code → WGS-84 boundary)."""
    problems: list[str] = []
    find = locator(list(grids.items()))
    rows: list[PlaceRow] = []
    for line, raw in enumerate(cells, start=2):
        kind = KIND_WORDS.get(raw["kind"], raw["kind"].lower())
        parity = PARITIES.get(raw["parity"].lower())
        low, high = _number(raw["from"], line, "from", problems), _number(raw["to"], line, "to", problems)
        lon, lat = _coordinate(raw["lon"], line, "lon", problems), _coordinate(raw["lat"], line, "lat", problems)
        if kind not in KINDS or not raw["name"] or parity is None:
            problems.append(f"line {line}: needs a kind ({', '.join(KINDS)}), a name and a parity of odd, even or all")
            continue
        if low is not None and high is not None and low > high:
            problems.append(f"line {line}: from {low} is after to {high}")
        if lon is not None and lat is not None and datum == GCJ02:
            lon, lat = gcj_to_wgs(lon, lat)
        grid = raw["grid"]
        if not grid and lon is not None and lat is not None:
            grid = find(lon, lat) or ""
            if not grid:
                problems.append(f"line {line}: {raw['name']} at ({lon}, {lat}) lies in no grid")
                continue
        if grid not in grids:
            problems.append(f"line {line}: unknown grid {grid!r}")
            continue
        key = raw["code"] or f"{kind}:{raw['name']}:{grid}:{low or ''}-{high or ''}:{parity}"
        rows.append(PlaceRow(key, kind, raw["name"], _aliases(raw["aliases"]), grid, low, high, parity, raw["category"] or None, lon, lat, line))
    seen: dict[str, int] = {}
    for row in rows:
        if row.key in seen:
            problems.append(f"line {row.line}: the same place as line {seen[row.key]} ({row.key})")
        seen.setdefault(row.key, row.line)
    if problems:
        raise DistrictFileError(problems)
    return rows


async def active_grids(uow: UnitOfWork) -> dict[str, Unit]:
    """Return the grids in service, by code."""
    return {u.code: u for u in await uow.units.of_kind("grid")}


def grid_shapes(grids: dict[str, Unit]) -> dict[str, Any]:
    """Return the grids' boundaries as geometries (a grid without one is left out of point placing)."""
    return {code: parse_geometry(u.boundary, code) for code, u in grids.items() if u.boundary}


async def import_places(uow: UnitOfWork, rows: Sequence[PlaceRow], now: datetime) -> Changes:
    """Store the places: add, update, restore, and retire the ones that left the file."""
    changes = Changes("places")
    grids = await active_grids(uow)
    existing = {p.key: p for p in (await uow.session.scalars(select(GazetteerPlace))).all()}
    for row in rows:
        values = {
            "kind": row.kind,
            "name": row.name,
            "category": row.category,
            "aliases": list(row.aliases),
            "grid_id": grids[row.grid].id,
            "number_from": row.number_from,
            "number_to": row.number_to,
            "parity": row.parity,
            "lon": row.lon,
            "lat": row.lat,
            "retired_at": None,
        }
        place = existing.get(row.key)
        label = f"{row.kind} {row.name}" + (f" {row.number_from or ''}-{row.number_to or ''}" if row.number_from or row.number_to else "") + f" in {row.grid}"
        if place is None:
            uow.session.add(GazetteerPlace(key=row.key, updated_at=now, **values))
            changes.note(ADDED, label)
            continue
        differing = [k for k, v in values.items() if getattr(place, k) != v]
        if not differing:
            changes.note(UNCHANGED)
            continue
        restored = place.retired_at is not None
        for key in differing:
            setattr(place, key, values[key])
        place.updated_at = now
        changes.note(RESTORED if restored else CHANGED, f"{label}" + ("" if restored else f": {', '.join(k for k in differing if k != 'retired_at')}"))
    listed = {r.key for r in rows}
    for place in existing.values():
        if place.key not in listed and place.retired_at is None:
            place.retired_at = now
            changes.note(RETIRED, f"{place.kind} {place.name} ({place.key}) retired")
    await uow.flush()
    await refresh_grid_gazetteers(uow, grids)
    return changes


async def refresh_grid_gazetteers(uow: UnitOfWork, grids: dict[str, Unit]) -> None:
    """Write each grid's compound and road names into its gazetteer field (wish redaction and reports read it)."""
    rows = (await uow.session.scalars(select(GazetteerPlace).where(GazetteerPlace.retired_at.is_(None)))).all()
    names: dict[int, dict[str, set[str]]] = {}
    for place in rows:
        kind = "roads" if place.kind == "road" else "compounds"
        names.setdefault(place.grid_id, {"compounds": set(), "roads": set()})[kind].add(place.name)
    for grid in grids.values():
        if grid.id in names:
            wanted = {key: sorted(values, key=lambda n: (-len(n), n)) for key, values in names[grid.id].items()}
            if grid.gazetteer != wanted:
                grid.gazetteer = wanted
    await uow.flush()
