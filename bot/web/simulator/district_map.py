"""The district's map for the simulator's 📍: streets, communities and grids drawn from their boundaries, and
the named places, projected to a plane the page draws as SVG (no tiles, nothing fetched from elsewhere).

    GET /sim/api/map                     {"width", "height", "projection", "streets", "communities", "grids", "places"}
    GET /sim/api/where?lat=…&lon=…       the grid (community, street) a point falls in, as a shared location would

A unit without a boundary of its own (the demo's streets and communities) is drawn as the union of its
grids. The map is built once per process: units change only with an import, after which QunGong restarts.
"""

from __future__ import annotations

import math
from typing import Any

from aiohttp import web

from bot.web.guard import refuse
from bot.web.simulator.access import APP_KEY, GATE_KEY, Denied
from storage.models.people import Unit
from storage.uow import UnitOfWork

SIDE = 1000.0  # the drawing's longer side, in its own units
LEVELS = ("street", "community", "grid")
MAP_KEY = web.AppKey("qungong_sim_map", dict)  # {"map": the drawing}, filled on first use
MAX_PLACES = 400


class Projection:
    """An equirectangular projection of the district's box onto a drawing whose longer side is SIDE units (north up)."""

    def __init__(self, west: float, south: float, east: float, north: float) -> None:
        self.west, self.north = west, north
        self.cos = math.cos(math.radians((south + north) / 2))
        span = max((east - west) * self.cos, north - south, 1e-9)
        self.scale = SIDE / span
        self.width = (east - west) * self.cos * self.scale
        self.height = (north - south) * self.scale

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        """Return a point's place on the drawing."""
        return (lon - self.west) * self.cos * self.scale, (self.north - lat) * self.scale

    def describe(self) -> dict[str, float]:
        """Return what the page needs to turn a tap back into longitude and latitude."""
        return {"west": self.west, "north": self.north, "cos": self.cos, "scale": self.scale}


def _path(geometry: Any, projection: Projection) -> str:
    """Return an SVG path of a (multi)polygon's outer rings."""
    polygons = getattr(geometry, "geoms", [geometry])
    parts = []
    for polygon in polygons:
        ring = [projection.xy(x, y) for x, y in polygon.exterior.coords]
        parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in ring) + "Z")
    return "".join(parts)


def _label_point(geometry: Any, projection: Projection) -> list[float]:
    """Return where a unit's name goes: a point surely inside it."""
    point = geometry.representative_point()
    x, y = projection.xy(point.x, point.y)
    return [round(x, 1), round(y, 1)]


async def build_map(uow: UnitOfWork) -> dict[str, Any]:
    """Return the district's map as the page draws it."""
    from shapely.ops import unary_union  # noqa: PLC0415 - shapely loads when the map is first asked for

    from nlp.places.spatial import geometry_of  # noqa: PLC0415 - as above

    units: dict[str, list[Unit]] = {level: list(await uow.units.of_kind(level)) for level in LEVELS}
    shapes: dict[int, Any] = {}
    parent = {u.id: u.parent_id for level in LEVELS for u in units[level]}
    for unit in units["grid"]:
        if unit.boundary or unit.polygon:
            shapes[unit.id] = geometry_of(unit.boundary or unit.polygon or [])
    for level in ("community", "street"):
        children_of: dict[int, list[Any]] = {}
        for uid, geometry in shapes.items():
            children_of.setdefault(parent.get(uid) or -1, []).append(geometry)
        for unit in units[level]:
            children = children_of.get(unit.id, [])
            if unit.boundary:
                shapes[unit.id] = geometry_of(unit.boundary)
            elif children:
                shapes[unit.id] = unary_union(children).buffer(0)
    if not shapes:
        return {"width": 0, "height": 0, "projection": None, "streets": [], "communities": [], "grids": [], "places": []}
    west, south, east, north = unary_union([shapes[u.id] for u in units["grid"] if u.id in shapes] or list(shapes.values())).bounds
    pad = max(east - west, north - south) * 0.03
    projection = Projection(west - pad, south - pad, east + pad, north + pad)
    tolerance = 0.5 / projection.scale  # half a drawing unit: invisible, and far fewer points
    drawn: dict[str, Any] = {"width": round(projection.width, 1), "height": round(projection.height, 1), "projection": projection.describe()}
    for level, name in (("street", "streets"), ("community", "communities"), ("grid", "grids")):
        drawn[name] = [
            {
                "id": unit.id,
                "code": unit.code,
                "name": unit.name,
                "parent": unit.parent_id,
                "path": _path(shapes[unit.id].simplify(tolerance), projection),
                "label": _label_point(shapes[unit.id], projection),
            }
            for unit in units[level]
            if unit.id in shapes and unit.retired_at is None
        ]
    drawn["places"] = await _places(uow, units["grid"], shapes, projection)
    return drawn


async def _places(uow: UnitOfWork, grids: list[Unit], shapes: dict[int, Any], projection: Projection) -> list[dict[str, Any]]:
    """Return the named compounds and landmarks: where the gazetteer has a point, there; else inside their grid."""
    from sqlalchemy import select  # noqa: PLC0415 - only here

    from storage.models.places import GazetteerPlace  # noqa: PLC0415 - only here

    rows = (await uow.session.scalars(select(GazetteerPlace).where(GazetteerPlace.retired_at.is_(None), GazetteerPlace.kind != "road").order_by(GazetteerPlace.id).limit(MAX_PLACES))).all()
    seen: set[str] = set()
    places = []
    for row in rows:
        if row.name in seen:
            continue
        seen.add(row.name)
        if row.lon is not None and row.lat is not None:
            x, y = projection.xy(row.lon, row.lat)
            places.append({"name": row.name, "x": round(x, 1), "y": round(y, 1), "line": 0})
    for grid in grids:  # the demo district lists its compounds on the grid itself, without points
        compounds = [c for c in (grid.gazetteer or {}).get("compounds", ()) if c not in seen]
        if grid.id not in shapes or not compounds:
            continue
        x, y = _label_point(shapes[grid.id], projection)
        for n, name in enumerate(compounds[:2]):
            seen.add(name)
            places.append({"name": name, "x": x, "y": y, "line": n + 1})  # under the grid's name, one line each
    return places


async def district_map(request: web.Request) -> web.Response:
    """Return the district's map (built once per process)."""
    try:
        await request.app[GATE_KEY].caller(request)
    except Denied as exc:
        return refuse(request, exc.reason, exc.status)
    cache = request.app[MAP_KEY]
    if "map" not in cache:
        async with request.app[APP_KEY].uow() as uow:
            cache["map"] = await build_map(uow)
    return web.json_response(cache["map"], headers={"Cache-Control": "private, max-age=300"})


def _coordinate(text: str | None, limit: float) -> float | None:
    """Return a finite coordinate within ±LIMIT, or None."""
    try:
        value = float(text or "")
    except ValueError:
        return None
    return value if math.isfinite(value) and -limit <= value <= limit else None


async def where(request: web.Request) -> web.Response:
    """Say which grid, community and street a point lies in (as the report flow would place a shared location)."""
    try:
        await request.app[GATE_KEY].caller(request)
    except Denied as exc:
        return refuse(request, exc.reason, exc.status)
    lat, lon = _coordinate(request.query.get("lat"), 90), _coordinate(request.query.get("lon"), 180)
    if lat is None or lon is None:
        return refuse(request, "lat and lon must be numbers on the globe")
    place = request.app[APP_KEY].running_dispatcher().services.places.by_coordinate(lat, lon)
    return web.json_response({"known": place.known, "label": place.label, "grid": place.grid_id, "community": place.community_id, "street": place.street_id})
