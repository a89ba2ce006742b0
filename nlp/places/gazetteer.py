"""What a district knows about its places, as plain data: its units and its named places."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

GRID, COMMUNITY, STREET = "grid", "community", "street"
LEVELS = (GRID, COMMUNITY, STREET)
PLACE_KINDS = ("compound", "building", "road", "landmark")
PARITIES = ("all", "odd", "even")


@dataclass(frozen=True)
class UnitInfo:
    """A street, community or grid: its code, name, level and the code of the unit above it."""

    code: str
    name: str
    level: str
    parent: str | None = None


@dataclass(frozen=True)
class PlaceEntry:
    """A named place in a grid: a compound, a range of a compound's buildings, a road section or a landmark.

    `low`..`high` bound the building numbers (栋) of a compound's part or the house numbers (号) of a road
    section, counting only odd or even numbers when `parity` says so.
    """

    key: str
    name: str
    kind: str
    grid: str
    aliases: tuple[str, ...] = ()
    low: int | None = None
    high: int | None = None
    parity: str = "all"
    category: str | None = None

    @property
    def ranged(self) -> bool:
        """Tell whether the place covers only a range of numbers."""
        return self.low is not None or self.high is not None

    def covers(self, number: int) -> bool:
        """Tell whether a building or house number lies in this place's range (and parity)."""
        if self.low is not None and number < self.low:
            return False
        if self.high is not None and number > self.high:
            return False
        if self.parity == "odd":
            return number % 2 == 1
        if self.parity == "even":
            return number % 2 == 0
        return True


@dataclass(frozen=True)
class Gazetteer:
    """The units (by code) and the places of a district."""

    units: Mapping[str, UnitInfo]
    places: tuple[PlaceEntry, ...] = ()
    _ancestors: dict[str, tuple[str, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Work out every unit's chain of parents once."""
        for code in self.units:
            chain: list[str] = []
            parent = self.units[code].parent
            while parent is not None and parent in self.units and parent not in chain and len(chain) < 8:
                chain.append(parent)
                parent = self.units[parent].parent
            self._ancestors[code] = tuple(chain)

    @classmethod
    def build(cls, units: Iterable[UnitInfo], places: Iterable[PlaceEntry]) -> Gazetteer:
        """Return a gazetteer of these units and the places whose grid is one of them."""
        by_code = {u.code: u for u in units if u.level in LEVELS}
        return cls(by_code, tuple(p for p in places if p.grid in by_code))

    def ancestors(self, code: str) -> tuple[str, ...]:
        """Return the codes of the units above a unit, nearest first."""
        return self._ancestors.get(code, ())

    def related(self, a: str, b: str) -> bool:
        """Tell whether one unit lies within the other (or they are the same)."""
        return a == b or a in self.ancestors(b) or b in self.ancestors(a)

    def up_to(self, code: str, level: str) -> str | None:
        """Return the unit of LEVEL that contains CODE (itself when it is of that level)."""
        for candidate in (code, *self.ancestors(code)):
            unit = self.units.get(candidate)
            if unit is not None and unit.level == level:
                return candidate
        return None
