"""What the hotspots are counted from: a period's cases per category and place (community, grid, compound), and their keywords.

The database counts (GROUP BY category, community and grid); compounds and words come from each case's
keywords, cut once (storage/stats/keywords.py). No case row is loaded into Python but those not cut yet.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.cases import Case
from storage.stats.compute import UNCATEGORISED
from storage.stats.directory import Directory, Scope, scope_filter
from storage.stats.keywords import (
    KeywordCounts,
    Vocabulary,
    compounds_of,
    count_keywords,
    find_compounds,
)
from storage.stats.period import Period

__all__ = ["Subjects", "compounds_of", "find_compounds", "load_subjects"]


@dataclass
class Subjects:
    """A period's cases as the hotspots see them: how many, per category and kind of place, and their keywords."""

    cases: int = 0
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    keywords: KeywordCounts = field(default_factory=KeywordCounts)

    def counts(self, kind: str) -> Counter[str]:
        """Return cases per category, community, grid or compound."""
        if kind == "compound":
            return self.keywords.compounds
        return self.by_kind.get(kind, Counter())


async def load_subjects(
    session: AsyncSession, directory: Directory, period: Period, scope: Scope, vocabulary: Vocabulary | None = None
) -> Subjects:
    """Return the cases received in a period within a scope, counted for the hotspots (words only with a cutter in VOCABULARY)."""
    received = (Case.created_at >= period.start) & (Case.created_at < period.end) & scope_filter(scope)
    subjects = Subjects()
    category: Counter[str] = Counter()
    for row in (await session.execute(select(Case.category, func.count().label("n")).where(received).group_by(Case.category))).all():
        category[row.category or UNCATEGORISED] += row.n
        subjects.cases += row.n
    subjects.by_kind["category"] = category
    for kind, column in (("community", Case.community_id), ("grid", Case.grid_id)):
        named: Counter[str] = Counter()
        query = select(column.label("unit_id"), func.count().label("n")).where(received, column.is_not(None)).group_by(column)
        for unit_id, n in (await session.execute(query)).all():
            unit = directory.by_id.get(unit_id) if unit_id is not None else None
            if unit is not None:
                named[unit.name] += n
        subjects.by_kind[kind] = named
    found = vocabulary or Vocabulary(compounds_of(directory))
    subjects.keywords = await count_keywords(session, found, period, scope)
    return subjects
