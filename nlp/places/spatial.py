"""A shared point → the grid whose boundary holds it, through an STRtree (fast with thousands of grids)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import Point, Polygon, shape
from shapely.strtree import STRtree

METRES_PER_DEGREE = 111_320.0
NEAR_METRES = 150.0  # a point this close to a grid (GPS is rarely better) still lands in it, less surely
CENTRE_KM = 3.0  # without any boundary, the nearest grid centre this close is taken
EARTH_KM = 6371.0

Lonlat = tuple[float, float]


@dataclass(frozen=True)
class Located:
    """The grid a point lies in (or next to), and how sure that is."""

    code: str
    confidence: float
    inside: bool


def distance_km(a: Lonlat, b: Lonlat) -> float:
    """Return the great-circle distance between two (lon, lat) points in kilometres."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


def geometry_of(boundary: Mapping[str, Any] | Sequence[Sequence[float]]) -> Any:
    """Return a shapely geometry from a GeoJSON geometry or a plain ring of [lon, lat] pairs."""
    if isinstance(boundary, Mapping):
        return shape(boundary)
    return Polygon([(float(p[0]), float(p[1])) for p in boundary])


class GridLocator:
    """Finds the grid of a (lon, lat) point among many boundaries; grids without one are found by their centre."""

    def __init__(self, shapes: Sequence[tuple[str, Any]], centres: Sequence[tuple[str, Lonlat]] = (), near_metres: float = NEAR_METRES) -> None:
        self.codes = [code for code, _ in shapes]
        self.geometries = [geometry for _, geometry in shapes]
        self.tree = STRtree(self.geometries) if self.geometries else None
        self.areas = [float(g.area) for g in self.geometries]
        self.centres = list(centres)
        self.near_degrees = near_metres / METRES_PER_DEGREE

    def locate(self, lon: float, lat: float) -> Located | None:
        """Return the grid holding the point, else one within NEAR_METRES, else the nearest centre nearby."""
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return None
        if self.tree is not None:
            point = Point(lon, lat)
            inside = self.tree.query(point, predicate="intersects")
            if len(inside):
                best = min((int(i) for i in inside), key=lambda i: self.areas[i])  # on a shared edge, the smaller grid
                return Located(self.codes[best], 0.95, True)
            near = self.tree.query_nearest(point, max_distance=self.near_degrees)
            if len(near):
                return Located(self.codes[int(near[0])], 0.7, False)
            if not self.centres:
                return None
        return self._nearest_centre((lon, lat))

    def _nearest_centre(self, point: Lonlat) -> Located | None:
        """Return the grid whose centre is nearest, if within CENTRE_KM."""
        if not self.centres:
            return None
        distance, code = min((distance_km(point, centre), code) for code, centre in self.centres)
        if distance > CENTRE_KM:
            return None
        confidence = (0.6 if self.tree is not None else 0.8) * (1 - distance / (2 * CENTRE_KM))
        return Located(code, round(confidence, 3), False)


def valid(geometry: Any) -> bool:
    """Tell whether a geometry is a valid, non-empty polygon or multipolygon."""
    return bool(geometry.geom_type in ("Polygon", "MultiPolygon") and not geometry.is_empty and shapely.is_valid(geometry))
