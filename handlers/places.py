"""Where a case is: the place a resident gave, resolved to grid, community and street.

The matching itself is `nlp.places` (a scored matcher over the gazetteer, and the grid map); this module
loads the district's units and gazetteer from the database and turns the matcher's answers into places
with stored unit ids and labels residents read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select

from handlers.texts import Texts
from nlp.places.gazetteer import COMMUNITY, GRID, STREET, Gazetteer, PlaceEntry, UnitInfo
from nlp.places.matcher import ASK, FOUND, VAGUE, Candidate, PlaceMatcher
from storage.models.people import Unit
from storage.models.places import GazetteerPlace
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from nlp.places.spatial import GridLocator

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


@dataclass(frozen=True)
class TextAnswer:
    """What a typed place came to: found (one place), ask (the places to pick from), vague or none."""

    outcome: str
    places: tuple[Place, ...] = ()


class PlaceFinder(Protocol):
    """Resolves a coordinate, a text or a registered community to a place."""

    def by_coordinate(self, lat: float, lon: float) -> Place:
        """Resolve a shared location."""

    def by_text(self, text: str) -> Place:
        """Resolve a text to one place, or unknown (the best guess when only a community is needed)."""

    def answer_text(self, text: str) -> TextAnswer:
        """Resolve a typed place, saying when the resident must pick or say more."""

    def by_community(self, community_id: int) -> Place:
        """Return the place of a registered community."""

    def is_filler(self, text: str) -> bool:
        """Tell whether a text is only a word typed to get past a question (确认, 好的)."""

    def is_unsure(self, text: str) -> bool:
        """Tell whether a text means the resident cannot say where (不知道, 说不清)."""


@dataclass(frozen=True)
class UnitRef:
    """A unit's id and name, for turning codes into stored ids."""

    id: int
    name: str


@dataclass
class GazetteerPlaceFinder:
    """A PlaceFinder over the place matcher and the grid map, mapping unit codes to stored unit ids."""

    matcher: PlaceMatcher
    locator: GridLocator
    units: dict[str, UnitRef]
    texts: Texts
    community_codes: dict[int, str] = field(default_factory=dict)

    @property
    def gazetteer(self) -> Gazetteer:
        """Return the gazetteer the matcher works on."""
        return self.matcher.gazetteer

    def by_coordinate(self, lat: float, lon: float) -> Place:
        """Resolve a shared location to the grid whose boundary holds it."""
        found = self.locator.locate(lon, lat)
        if found is None:
            return Place(source=UNKNOWN, label="", lat=lat, lon=lon)
        return self._unit_place(found.code, "coordinate", found.confidence, lat=lat, lon=lon)

    def answer_text(self, text: str) -> TextAnswer:
        """Resolve a typed place with the matcher."""
        answer = self.matcher.match(text)
        places = tuple(self._candidate_place(c, text) for c in answer.candidates)
        if answer.outcome in (FOUND, ASK, VAGUE) and places:
            return TextAnswer(answer.outcome, places)
        return TextAnswer("none")

    def by_text(self, text: str) -> Place:
        """Resolve a text to one place; when the matcher would ask, the community all candidates share, if any."""
        answer = self.answer_text(text)
        if answer.outcome == FOUND:
            return answer.places[0]
        communities = {p.community_id for p in answer.places}
        if answer.places and len(communities) == 1 and None not in communities:
            community = next(code for code, ref in self.units.items() if ref.id == answer.places[0].community_id)
            return self._unit_place(community, "text", 0.5, address=text)
        return Place(source=UNKNOWN, label=text, address=text)

    def by_community(self, community_id: int) -> Place:
        """Return the place of a registered community."""
        code = self.community_codes.get(community_id)
        if code is None:
            return Place(source=UNKNOWN, label="")
        return self._unit_place(code, "registered", 0.5)

    def is_filler(self, text: str) -> bool:
        """Tell whether a text is only a word typed to get past a question."""
        return self.matcher.is_filler(text)

    def is_unsure(self, text: str) -> bool:
        """Tell whether a text means the resident cannot say where."""
        return self.matcher.is_unsure(text)

    def _ids(self, code: str) -> tuple[int | None, int | None, int | None]:
        """Return the stored ids of the grid, community and street a unit code lies in."""
        found = [self.gazetteer.up_to(code, level) for level in (GRID, COMMUNITY, STREET)]
        grid, community, street = (self.units[c].id if c in self.units else None for c in found)
        return grid, community, street

    def _unit_place(self, code: str, source: str, confidence: float, **extra: Any) -> Place:
        """Return the place of a unit, labelled with its name."""
        grid, community, street = self._ids(code)
        name = self.units[code].name if code in self.units else ""
        return Place(source=source, label=name, grid_id=grid, community_id=community, street_id=street, confidence=confidence, **extra)

    def _candidate_place(self, candidate: Candidate, text: str) -> Place:
        """Return the place of a matcher candidate, labelled with the place's name (and range) and its unit."""
        grid, community, street = self._ids(candidate.code)
        unit = self.units[candidate.code].name if candidate.code in self.units else ""
        label = unit
        if candidate.place is not None:
            label = self.texts.t("places.with_unit", place=self.place_name(candidate.place), unit=unit)
        confidence = round(min(candidate.score, 1.0), 3)
        return Place(source="text", label=label, grid_id=grid, community_id=community, street_id=street, confidence=confidence, address=text)

    def place_name(self, place: PlaceEntry) -> str:
        """Return a place's name with its range when it covers only some numbers (柳岸新村13-24栋)."""
        if not place.ranged:
            return place.name
        key = "places.ranges.road" if place.kind == "road" else "places.ranges.building"
        name = self.texts.t(key, name=place.name, low=place.low if place.low is not None else "", high=place.high if place.high is not None else "")
        return self.texts.t(f"places.ranges.{place.parity}", name=name) if place.parity in ("odd", "even") else name


def _kind_level(kind: str) -> str:
    """Return the matcher's level of a unit kind."""
    return {"grid": GRID, "community": COMMUNITY, "street": STREET}[kind]


async def load_place_finder(uow: UnitOfWork, texts: Texts) -> GazetteerPlaceFinder:
    """Build the place finder from the district's units and gazetteer in the database (TEXTS: how labels are worded)."""
    from nlp.places.spatial import GridLocator, geometry_of  # noqa: PLC0415 - shapely loads when the app starts, not with every command

    units: list[Unit] = [u for kind in ("street", "community", "grid") for u in await uow.units.of_kind(kind)]
    codes = {u.id: u.code for u in units}
    infos = [UnitInfo(u.code, u.name, _kind_level(u.kind), codes.get(u.parent_id or -1)) for u in units]
    rows = (await uow.session.scalars(select(GazetteerPlace).where(GazetteerPlace.retired_at.is_(None)).order_by(GazetteerPlace.id))).all()
    places = [_entry(row, codes[row.grid_id]) for row in rows if row.grid_id in codes]
    listed = {row.grid_id for row in rows}
    places += [entry for u in units if u.kind == "grid" and u.id not in listed for entry in _demo_entries(u)]
    grids = [u for u in units if u.kind == "grid"]
    shapes = [(u.code, geometry_of(u.boundary or u.polygon or [])) for u in grids if u.boundary or u.polygon]
    centres = [(u.code, (u.centre_lon, u.centre_lat)) for u in grids if u.centre_lon is not None and u.centre_lat is not None]
    matcher = PlaceMatcher(Gazetteer.build(infos, places))
    refs = {u.code: UnitRef(u.id, u.name) for u in units}
    communities = {u.id: u.code for u in units if u.kind == "community"}
    return GazetteerPlaceFinder(matcher, GridLocator(shapes, centres), refs, texts, communities)


def _entry(row: GazetteerPlace, grid: str) -> PlaceEntry:
    """Return the matcher's entry of a gazetteer row."""
    return PlaceEntry(
        key=row.key,
        name=row.name,
        kind=row.kind,
        grid=grid,
        aliases=tuple(row.aliases or ()),
        low=row.number_from,
        high=row.number_to,
        parity=row.parity or "all",
        category=row.category,
    )


def _demo_entries(grid: Unit) -> Sequence[PlaceEntry]:
    """Return the compounds and roads a grid lists in its own gazetteer field (the demo district keeps them there)."""
    gazetteer = grid.gazetteer or {}
    return [
        PlaceEntry(key=f"{kind}:{name}:{grid.code}", name=str(name), kind=kind, grid=grid.code)
        for kind, field_name in (("compound", "compounds"), ("road", "roads"))
        for name in gazetteer.get(field_name, ())
    ]
