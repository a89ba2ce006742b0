"""Resolve where a request is: grid, community and street from a coordinate, the text or registration."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from nlp.errors import NlpInputError

Point = tuple[float, float]
Source = Literal["coordinate", "text", "registered", "unknown"]
Level = Literal["grid", "community", "street", "none"]

NEAREST_MAX_KM = 3.0
EARTH_KM = 6371.0


@dataclass(frozen=True)
class GridPlace:
    """One grid with its community, street, shape and gazetteer names (built from files or the database)."""

    code: str
    name: str
    community_code: str
    community_name: str
    street_code: str
    street_name: str
    centre: Point | None
    polygon: tuple[Point, ...] | None
    compounds: tuple[str, ...]
    roads: tuple[str, ...]


@dataclass(frozen=True)
class Jurisdiction:
    """Where a request was placed, at which level, from what, and how sure."""

    source: Source
    level: Level
    grid_code: str | None
    community_code: str | None
    street_code: str | None
    matched: str | None
    confidence: float

    @property
    def known(self) -> bool:
        """Say whether anything was resolved."""
        return self.level != "none"


UNKNOWN = Jurisdiction("unknown", "none", None, None, None, None, 0.0)


def _inside(point: Point, polygon: Sequence[Point]) -> bool:
    """Say whether point lies inside polygon (ray casting; edges closed implicitly)."""
    x, y = point
    inside = False
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def distance_km(a: Point, b: Point) -> float:
    """Return the great-circle distance between two (lon, lat) points in kilometres."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


def _at_grid(place: GridPlace, source: Source, matched: str | None, confidence: float) -> Jurisdiction:
    """Return a grid-level answer for place."""
    return Jurisdiction(source, "grid", place.code, place.community_code, place.street_code, matched, confidence)


def _common(places: Sequence[GridPlace], source: Source, matched: str, confidence: float) -> Jurisdiction:
    """Return the narrowest unit that all places share (grid, community, street or none)."""
    if len({p.code for p in places}) == 1:
        return _at_grid(places[0], source, matched, confidence)
    if len({p.community_code for p in places}) == 1:
        p = places[0]
        return Jurisdiction(source, "community", None, p.community_code, p.street_code, matched, round(confidence * 0.8, 3))
    if len({p.street_code for p in places}) == 1:
        return Jurisdiction(source, "street", None, None, places[0].street_code, matched, round(confidence * 0.6, 3))
    return UNKNOWN


class JurisdictionResolver:
    """Place requests on the grid map; independent of files and the database."""

    def __init__(self, places: Sequence[GridPlace], nearest_max_km: float = NEAREST_MAX_KM) -> None:
        """Index the places and their gazetteer names (longest names first)."""
        self.places = tuple(places)
        self.nearest_max_km = nearest_max_km
        names: dict[str, list[GridPlace]] = {}
        for place in self.places:
            for name in {*place.compounds, *place.roads, place.name, place.community_name}:
                names.setdefault(name, []).append(place)
        self._names = sorted(names.items(), key=lambda item: -len(item[0]))
        self._roads = {r for p in self.places for r in p.roads}

    def from_coordinate(self, point: Point) -> Jurisdiction:
        """Resolve a (lon, lat) point: inside a polygon, else the nearest centre if close enough."""
        for place in self.places:
            if place.polygon and _inside(point, place.polygon):
                return _at_grid(place, "coordinate", place.name, 0.95)
        centred = [(distance_km(point, p.centre), p) for p in self.places if p.centre is not None]
        if not centred:
            return UNKNOWN
        dist, place = min(centred, key=lambda item: item[0])
        if dist > self.nearest_max_km:
            return UNKNOWN
        has_shapes = any(p.polygon for p in self.places)
        confidence = (0.6 if has_shapes else 0.8) * (1 - dist / (2 * self.nearest_max_km))
        return _at_grid(place, "coordinate", place.name, round(confidence, 3))

    def from_text(self, text: str) -> Jurisdiction:
        """Resolve a compound, road or grid name mentioned in text (the longest name wins)."""
        for name, places in self._names:
            if name in text:
                confidence = 0.7 if name in self._roads else 0.85
                return _common(places, "text", name, confidence)
        return UNKNOWN

    def from_registered(self, community_code: str | None) -> Jurisdiction:
        """Resolve the resident's registered community."""
        places = [p for p in self.places if community_code and p.community_code == community_code]
        if not places:
            return UNKNOWN
        p = places[0]
        return Jurisdiction("registered", "community", None, p.community_code, p.street_code, p.community_name, 0.5)

    def resolve(
        self, *, point: Point | None = None, text: str = "", registered_community: str | None = None
    ) -> Jurisdiction:
        """Resolve in order: shared coordinate, a name in the text, the registered community."""
        if point is not None and (found := self.from_coordinate(point)).known:
            return found
        if text and (found := self.from_text(text)).known:
            return found
        return self.from_registered(registered_community)


def _point(value: Any) -> Point | None:
    """Turn a [lon, lat] list into a tuple, or None."""
    if value is None:
        return None
    lon, lat = value
    return (float(lon), float(lat))


def places_from_demo_toml(path: Path) -> list[GridPlace]:
    """Build GridPlace records from a district TOML file (street → community → grid)."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        return [
            GridPlace(
                code=str(grid["code"]),
                name=str(grid["name"]),
                community_code=str(community["code"]),
                community_name=str(community["name"]),
                street_code=str(street["code"]),
                street_name=str(street["name"]),
                centre=_point(grid.get("centre")),
                polygon=tuple(p for p in map(_point, grid["polygon"]) if p) if grid.get("polygon") else None,
                compounds=tuple(str(c) for c in grid.get("compounds", ())),
                roads=tuple(str(r) for r in grid.get("roads", ())),
            )
            for street in raw.get("street", ())
            for community in street.get("community", ())
            for grid in community.get("grid", ())
        ]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise NlpInputError(f"无法读取辖区文件 {path}: {exc}") from exc
