"""Boundaries as the district's GIS exports them: GeoJSON or Shapefile, WGS-84 or GCJ-02, checked and stored once.

Areas are worked out in square metres on a local plane around the district (good to well under a
percent at a district's size), which is what tolerances and reported gaps are counted in.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapefile
import shapely
from shapely.geometry import mapping, shape
from shapely.strtree import STRtree
from shapely.validation import explain_validity

from storage.district.options import DATUMS, GCJ02, WGS84
from storage.geo import from_stored, to_stored

__all__ = ["DATUMS", "GCJ02", "WGS84"]  # re-exported for the importers
PRECISION = 7  # decimal places of a stored degree: about a centimetre
METRES_PER_DEGREE_LAT = 110_574.0
METRES_PER_DEGREE_LON = 111_320.0


class DistrictFileError(Exception):
    """A district file that cannot be imported; each problem is one line."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Feature:
    """One feature of a boundary file: its properties and its geometry (a GeoJSON mapping, or None)."""

    properties: dict[str, Any]
    geometry: dict[str, Any] | None


def read_features(path: Path, encoding: str = "utf-8") -> list[Feature]:
    """Read the features of a GeoJSON FeatureCollection (.geojson, .json) or an ESRI Shapefile (.shp)."""
    try:
        if path.suffix.lower() == ".shp":
            with shapefile.Reader(str(path), encoding=encoding) as reader:
                collection: Any = reader.__geo_interface__
        else:
            collection = json.loads(path.read_text(encoding=encoding))
    except (OSError, UnicodeDecodeError, ValueError, shapefile.ShapefileException) as exc:
        raise DistrictFileError([f"{path}: cannot be read ({exc})"]) from exc
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" or not isinstance(collection.get("features"), list):
        raise DistrictFileError([f"{path}: not a GeoJSON FeatureCollection"])
    features = []
    for number, raw in enumerate(collection["features"], start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("properties") or {}, dict):
            raise DistrictFileError([f"{path}: feature {number} is not a GeoJSON feature"])
        geometry = raw.get("geometry")
        features.append(Feature(dict(raw.get("properties") or {}), dict(geometry) if isinstance(geometry, dict) else None))
    return features


def _map_coordinates(geometry: Any, convert: Callable[[float, float], tuple[float, float]]) -> Any:
    """Return the geometry with every (lon, lat) converted."""

    def each(points: np.ndarray) -> np.ndarray:
        return np.array([convert(float(x), float(y)) for x, y in points]) if len(points) else points

    return shapely.transform(geometry, each)


def gcj_to_wgs(lon: float, lat: float) -> tuple[float, float]:
    """Return the WGS-84 (lon, lat) of a GCJ-02 point (storage.geo; outside China, as it is)."""
    wgs_lat, wgs_lon = to_stored(lat, lon, GCJ02)
    return wgs_lon, wgs_lat


def wgs_to_gcj(lon: float, lat: float) -> tuple[float, float]:
    """Return the GCJ-02 (lon, lat) of a WGS-84 point (storage.geo; outside China, as it is)."""
    gcj_lat, gcj_lon = from_stored(lat, lon, GCJ02)
    return gcj_lon, gcj_lat


def to_wgs84(geometry: Any, datum: str) -> Any:
    """Return a geometry in WGS-84, converting it from GCJ-02 when the file is in that datum."""
    return _map_coordinates(geometry, gcj_to_wgs) if datum == GCJ02 else geometry


def from_wgs84(geometry: Any, datum: str) -> Any:
    """Return a stored (WGS-84) geometry in the datum a file is to be written in."""
    return _map_coordinates(geometry, wgs_to_gcj) if datum == GCJ02 else geometry


def parse_geometry(raw: dict[str, Any] | None, where: str) -> Any:
    """Return a valid Polygon or MultiPolygon from a GeoJSON geometry, or raise DistrictFileError saying why not."""
    if raw is None:
        raise DistrictFileError([f"{where}: no geometry"])
    try:
        geometry = shape(raw)
    except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.GEOSException) as exc:
        raise DistrictFileError([f"{where}: unreadable geometry ({exc})"]) from exc
    if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty:
        raise DistrictFileError([f"{where}: a boundary must be a Polygon or MultiPolygon, not {geometry.geom_type}"])
    if not shapely.is_valid(geometry):
        raise DistrictFileError([f"{where}: invalid boundary ({explain_validity(geometry)})"])
    return geometry


def stored(geometry: Any) -> dict[str, Any]:
    """Return a geometry as the stored GeoJSON: plain lists, coordinates rounded to PRECISION places."""
    rounded = shapely.transform(geometry, lambda points: np.round(points, PRECISION))
    return dict(json.loads(json.dumps(mapping(rounded))))


def centre_of(geometry: Any) -> tuple[float, float]:
    """Return a point inside the geometry (lon, lat), rounded like the boundary."""
    point = geometry.representative_point()
    return round(float(point.x), PRECISION), round(float(point.y), PRECISION)


@dataclass(frozen=True)
class Plane:
    """A local plane in metres around a latitude: areas of small geometries in square metres."""

    lat0: float

    def project(self, geometry: Any) -> Any:
        """Return the geometry in metres."""
        scale = np.array([METRES_PER_DEGREE_LON * math.cos(math.radians(self.lat0)), METRES_PER_DEGREE_LAT])
        return shapely.transform(geometry, lambda points: points * scale)

    def area(self, geometry: Any) -> float:
        """Return the geometry's area in square metres."""
        return float(self.project(geometry).area) if not geometry.is_empty else 0.0


def plane_for(geometries: Iterable[Any]) -> Plane:
    """Return the local plane of a set of geometries."""
    shapes = [g for g in geometries if g is not None and not g.is_empty]
    if not shapes:
        return Plane(0.0)
    return Plane(float(shapely.union_all(shapes).centroid.y))


def outside(inner: Any, outer: Any, plane: Plane) -> float:
    """Return how many square metres of INNER lie outside OUTER."""
    return plane.area(shapely.difference(inner, outer))


def overlaps(named: Sequence[tuple[str, Any]], plane: Plane, tolerance: float) -> list[tuple[str, str, float]]:
    """Return the pairs of geometries that overlap by more than TOLERANCE square metres, with the area."""
    if not named:
        return []
    tree = STRtree([g for _, g in named])
    found = []
    for i, (code, geometry) in enumerate(named):
        for hit in tree.query(geometry, predicate="intersects"):
            j = int(hit)
            if j <= i:
                continue
            area = plane.area(shapely.intersection(geometry, named[j][1]))
            if area > tolerance:
                found.append((code, named[j][0], round(area, 1)))
    return found


def gap(outer: Any, parts: Sequence[Any], plane: Plane) -> float:
    """Return how many square metres of OUTER no part covers."""
    if not parts:
        return plane.area(outer)
    return plane.area(shapely.difference(outer, shapely.union_all(list(parts))))


def locator(named: Sequence[tuple[str, Any]]) -> Callable[[float, float], str | None]:
    """Return a function finding the code of the geometry that holds a (lon, lat) point."""
    tree = STRtree([g for _, g in named]) if named else None

    def find(lon: float, lat: float) -> str | None:
        if tree is None:
            return None
        hits = tree.query(shapely.Point(lon, lat), predicate="intersects")
        return named[int(hits[0])][0] if len(hits) else None

    return find
