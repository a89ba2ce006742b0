"""What the hotspots are counted from: each case's text, category and places (community, grid, compound)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.cases import Case
from storage.stats.compute import UNCATEGORISED
from storage.stats.directory import Directory, Scope, scope_filter
from storage.stats.period import Period


@dataclass(frozen=True)
class Subject:
    """A case as the hotspots see it: its text, its problem category (a code of nlp/data/categories.toml) and its places."""

    text: str
    category: str | None
    community: str | None
    grid: str | None
    compounds: tuple[str, ...] = ()


@dataclass
class Subjects:
    """A period's cases as subjects, with counts per category and per kind of place."""

    items: list[Subject] = field(default_factory=list)

    def texts(self) -> list[str]:
        """Return the case texts."""
        return [s.text for s in self.items]

    def counts(self, kind: str) -> Counter[str]:
        """Return cases per category, community, grid or compound."""
        if kind == "compound":
            return Counter(c for s in self.items for c in s.compounds)
        return Counter(name for s in self.items if (name := getattr(s, kind)) is not None)


def compounds_of(directory: Directory) -> list[str]:
    """Return the gazetteer's compound names, longest first (so 桂香苑小区 wins over 桂香苑)."""
    names = {
        str(name)
        for unit in directory.by_id.values()
        if unit.gazetteer
        for name in unit.gazetteer.get("compounds", [])
    }
    return sorted(names, key=lambda n: (-len(n), n))


def find_compounds(text: str, names: list[str]) -> tuple[str, ...]:
    """Return the compounds named in a text, without one that is part of a longer match."""
    found: list[str] = []
    for name in names:
        if name in text and not any(name in longer for longer in found):
            found.append(name)
    return tuple(found)


async def load_subjects(session: AsyncSession, directory: Directory, period: Period, scope: Scope) -> Subjects:
    """Return the cases received in a period within a scope, as hotspot subjects."""
    names = compounds_of(directory)
    query = select(Case.text, Case.address, Case.category, Case.community_id, Case.grid_id).where(
        Case.created_at >= period.start, Case.created_at < period.end, scope_filter(scope)
    )
    subjects = Subjects()
    for row in (await session.execute(query)).all():
        community = directory.by_id.get(row.community_id) if row.community_id is not None else None
        grid = directory.by_id.get(row.grid_id) if row.grid_id is not None else None
        subjects.items.append(
            Subject(
                text=row.text,
                category=row.category or UNCATEGORISED,
                community=community.name if community else None,
                grid=grid.name if grid else None,
                compounds=find_compounds(f"{row.text} {row.address or ''}", names),
            )
        )
    return subjects
