"""Where a case is: the place a resident gave, resolved to grid, community and street."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from handlers.texts import Texts
from nlp.jurisdiction import GridPlace, Jurisdiction, JurisdictionResolver
from storage.uow import UnitOfWork

UNKNOWN = "unknown"


@dataclass(frozen=True)
class Place:
    """A resolved place; `source` says what decided it (coordinate, text, registered, unknown)."""

    source: str
    label: str
    grid_id: int | None = None
    community_id: int | None = None
    street_id: int | None = None
    confidence: float = 0.0
    lat: float | None = None
    lon: float | None = None
    address: str | None = None

    @property
    def known(self) -> bool:
        """Tell whether at least a street was found."""
        return self.source != UNKNOWN and (self.street_id or self.community_id or self.grid_id) is not None

    def to_data(self) -> dict[str, Any]:
        """Return the place as conversation data."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Place:
        """Rebuild a place from conversation data."""
        known: dict[str, Any] = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


class PlaceFinder(Protocol):
    """Resolves a coordinate, a text or a registered community to a place."""

    def by_coordinate(self, lat: float, lon: float) -> Place:
        """Resolve a shared location."""

    def by_text(self, text: str) -> Place:
        """Resolve an address, road or compound named in a text."""

    def by_community(self, community_id: int) -> Place:
        """Return the place of a registered community."""


@dataclass(frozen=True)
class UnitRef:
    """A unit's id and name, for turning resolver codes into stored ids."""

    id: int
    name: str


class ResolverPlaceFinder:
    """A PlaceFinder over the jurisdiction resolver, mapping unit codes to stored unit ids."""

    def __init__(
        self, resolver: JurisdictionResolver, units: dict[str, UnitRef], community_codes: dict[int, str], texts: Texts
    ) -> None:
        self._texts = texts
        self._resolver = resolver
        self._units = units
        self._community_codes = community_codes

    def by_coordinate(self, lat: float, lon: float) -> Place:
        """Resolve a shared location (point-in-polygon, else the nearest grid centre)."""
        found = self._resolver.from_coordinate((lon, lat))
        return self._place(found, lat=lat, lon=lon)

    def by_text(self, text: str) -> Place:
        """Resolve a compound, road or grid name in the text."""
        return self._place(self._resolver.from_text(text), address=text)

    def by_community(self, community_id: int) -> Place:
        """Return the place of a registered community."""
        return self._place(self._resolver.from_registered(self._community_codes.get(community_id)))

    def _place(self, found: Jurisdiction, *, lat: float | None = None, lon: float | None = None, address: str | None = None) -> Place:
        """Turn a resolver answer into a Place with stored unit ids and a label."""
        if not found.known:
            return Place(source=UNKNOWN, label=address or "", lat=lat, lon=lon, address=address)
        grid, community, street = (self._units.get(code) if code else None for code in (found.grid_code, found.community_code, found.street_code))
        finest = grid or community or street
        label = finest.name if finest else ""
        if found.matched and found.matched not in label:
            label = self._texts.t("places.with_unit", place=found.matched, unit=label)
        return Place(
            source=found.source,
            label=label,
            grid_id=grid.id if grid else None,
            community_id=community.id if community else None,
            street_id=street.id if street else None,
            confidence=found.confidence,
            lat=lat,
            lon=lon,
            address=address,
        )


async def load_place_finder(uow: UnitOfWork, texts: Texts) -> ResolverPlaceFinder:
    """Build the place finder from the organisation units in the database (TEXTS: how labels are worded)."""
    streets = {u.id: u for u in await uow.units.of_kind("street")}
    communities = {u.id: u for u in await uow.units.of_kind("community")}
    grids = await uow.units.of_kind("grid")
    places = []
    for grid in grids:
        community = communities.get(grid.parent_id or -1)
        street = streets.get(community.parent_id or -1) if community else None
        if community is None or street is None:
            continue
        gazetteer = grid.gazetteer or {}
        places.append(
            GridPlace(
                code=grid.code,
                name=grid.name,
                community_code=community.code,
                community_name=community.name,
                street_code=street.code,
                street_name=street.name,
                centre=(grid.centre_lon, grid.centre_lat) if grid.centre_lon is not None and grid.centre_lat is not None else None,
                polygon=tuple((float(p[0]), float(p[1])) for p in grid.polygon) if grid.polygon else None,
                compounds=tuple(gazetteer.get("compounds", ())),
                roads=tuple(gazetteer.get("roads", ())),
            )
        )
    units = {u.code: UnitRef(u.id, u.name) for u in [*streets.values(), *communities.values(), *grids]}
    return ResolverPlaceFinder(JurisdictionResolver(places), units, {c.id: c.code for c in communities.values()}, texts)
