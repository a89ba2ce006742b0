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
    counted: dict[str, Counter[str]] = {kind: Counter() for kind in ("category", "community", "grid")}
    columns = (Case.category, Case.community_id, Case.grid_id)
    for category, community_id, grid_id, n in (await session.execute(select(*columns, func.count()).where(received).group_by(*columns))).all():
        subjects.cases += n
        counted["category"][category or UNCATEGORISED] += n
        for kind, unit_id in (("community", community_id), ("grid", grid_id)):
            unit = directory.by_id.get(unit_id) if unit_id is not None else None
            if unit is not None:
                counted[kind][unit.name] += n
    subjects.by_kind = counted
    found = vocabulary or Vocabulary(compounds_of(directory))
    subjects.keywords = await count_keywords(session, found, period, scope)
    return subjects
