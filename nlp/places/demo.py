"""The demo district's TOML file (street → community → grid, with compounds and roads) as a gazetteer and grid map."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from nlp.errors import NlpInputError
from nlp.places.gazetteer import COMMUNITY, GRID, STREET, Gazetteer, PlaceEntry, UnitInfo
from nlp.places.spatial import GridLocator, geometry_of


def _grids(raw: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """Return every (street, community, grid) table of the file."""
    return [
        (street, community, grid)
        for street in raw.get("street", ())
        for community in street.get("community", ())
        for grid in community.get("grid", ())
    ]


def demo_district(path: Path) -> tuple[Gazetteer, GridLocator]:
    """Read a district TOML file into a gazetteer and a grid locator."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        units: dict[str, UnitInfo] = {}
        places: list[PlaceEntry] = []
        shapes, centres = [], []
        for street, community, grid in _grids(raw):
            units[str(street["code"])] = UnitInfo(str(street["code"]), str(street["name"]), STREET)
            units[str(community["code"])] = UnitInfo(str(community["code"]), str(community["name"]), COMMUNITY, str(street["code"]))
            code = str(grid["code"])
            units[code] = UnitInfo(code, str(grid["name"]), GRID, str(community["code"]))
            places += [PlaceEntry(f"compound:{name}:{code}", str(name), "compound", code) for name in grid.get("compounds", ())]
            places += [PlaceEntry(f"road:{name}:{code}", str(name), "road", code) for name in grid.get("roads", ())]
            if grid.get("polygon"):
                shapes.append((code, geometry_of(grid["polygon"])))
            if grid.get("centre"):
                centres.append((code, (float(grid["centre"][0]), float(grid["centre"][1]))))
        return Gazetteer.build(units.values(), places), GridLocator(shapes, centres)
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise NlpInputError(f"cannot read the district file {path}: {exc}") from exc
