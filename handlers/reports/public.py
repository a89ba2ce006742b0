"""What the public transparency page shows: a month's totals and three rates for the district and each street,
the cases per category, and the typical cases (典型案例) the command center published with the resident's
consent. Nothing personal: no names, contacts or case numbers, only counts and the reviewed public texts.

The figures are the reports' (storage.stats.compute, the same counts as `qungong report`); the web page
(bot/web/public) only presents and caches them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.reports.build import fallback_names
from handlers.texts import DEFAULT_LANGUAGE
from nlp.categories import packaged_categories
from storage.cases.publication import published_cases
from storage.stats.compute import FULL, compute_stats
from storage.stats.directory import load_directory, resolve_scope
from storage.stats.figures import Figures
from storage.stats.period import Period, month_of

RATES = ("completion_rate", "solution_rate", "satisfaction_rate")  # the three rates the public sees
TYPICAL_CASES = 12


@dataclass(frozen=True)
class PublicRow:
    """A street (or the district) and its month's figures."""

    name: str
    figures: Figures


@dataclass(frozen=True)
class PublicCase:
    """A typical case as published: its category, street, month of completion and the reviewed text."""

    category: str
    street: str
    completed: date | None
    text: str


@dataclass
class PublicReport:
    """The public page of one month."""

    period: Period
    district: PublicRow
    streets: list[PublicRow]
    categories: list[tuple[str, int]]
    cases: list[PublicCase] = field(default_factory=list)


def month_period(month: date, now: datetime, tz: ZoneInfo) -> Period:
    """Return a calendar month, cut at NOW while it is under way."""
    period = month_of(month, tz)
    if period.start <= now < period.end:
        return Period(period.kind, period.start, now, period.key, partial=True)
    return period


async def public_report(session: AsyncSession, period: Period, *, tz: ZoneInfo, now: datetime, language: str = DEFAULT_LANGUAGE) -> PublicReport:
    """Return the public page's figures for a month, and the typical cases on show."""
    fallback = fallback_names(language)
    directory = await load_directory(session, fallback)
    stats = await compute_stats(session, period, resolve_scope(directory, None), tz, now, fallback=fallback, detail=FULL, trend=False)
    streets = [PublicRow(u.name, u.figures) for u in stats.all_rows("street")]
    names = packaged_categories().names(language)
    categories = sorted(((names.get(code, code), f.received) for code, f in stats.categories.items() if f.received), key=lambda item: (-item[1], item[0]))
    cases = []
    for found in await published_cases(session, limit=TYPICAL_CASES):
        street = directory.by_id.get(found.street_id) if found.street_id is not None else None
        completed = found.completed_at.astimezone(tz).date() if found.completed_at else None
        cases.append(PublicCase(names.get(found.category or "other", ""), street.name if street else "", completed, found.text))
    return PublicReport(period, PublicRow(stats.scope.name, stats.total), streets, categories, cases)
