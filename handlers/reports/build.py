"""Assemble a report: a period's statistics, the previous period's totals, hotspots, micro-wishes and the love bank."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.reports.lovebank import LovebankFigures, lovebank_figures
from handlers.reports.settings import ReportsSection
from handlers.texts import DEFAULT_LANGUAGE, texts_for
from nlp.categories import packaged_categories
from nlp.hotspots import Hot, keyword_tag, rank_keywords, rising, terms, top
from nlp.tokenizer import Tokenizer
from storage.stats.compute import Stats, compute_stats
from storage.stats.directory import (
    UNITLESS_DEPARTMENTS,
    Directory,
    FallbackNames,
    Scope,
    load_directory,
    resolve_scope,
)
from storage.stats.figures import Figures
from storage.stats.keywords import Vocabulary, compounds_of
from storage.stats.period import Period
from storage.stats.rollup import headline_stats
from storage.stats.sql import tune_for_reports
from storage.stats.subjects import load_subjects
from storage.wishes.use_cases import wish_counts

PLACE_KINDS = ("category", "community", "grid", "compound")


@dataclass(frozen=True)
class Keywords:
    """The tokenizer and stop words the keyword hotspots use."""

    tokenizer: Tokenizer
    stopwords: frozenset[str]

    def cut(self, text: str) -> list[str]:
        """Return a text's keyword candidates."""
        return terms(text, self.tokenizer, self.stopwords)

    def vocabulary(self, directory: Directory) -> Vocabulary:
        """Return how cases' keywords are found with this tokenizer and the district's compound names."""
        return Vocabulary(compounds_of(directory), self.cut, keyword_tag(self.tokenizer, self.stopwords))


@dataclass(frozen=True)
class WishFigures:
    """Micro-wishes (微心愿) posted, approved, claimed and fulfilled in the period."""

    posted: int
    approved: int | None
    claimed: int
    fulfilled: int


@dataclass
class Hotspots:
    """Top and fastest-rising categories, places and keywords, by kind."""

    top: dict[str, list[Hot]] = field(default_factory=dict)
    rising: dict[str, list[Hot]] = field(default_factory=dict)


@dataclass
class Report:
    """Everything a report shows."""

    stats: Stats
    previous: Figures  # the previous period's totals: its cohort (received, completed, on time, hours) and revisit answers
    hotspots: Hotspots
    wishes: WishFigures | None
    made_at: datetime
    language: str = DEFAULT_LANGUAGE  # of its wording: the [app] language
    lovebank: LovebankFigures | None = None


def fallback_names(language: str) -> FallbackNames:
    """Return the names, in a language, of the district and the departments that have no unit row."""
    texts = texts_for(language)
    departments = {code: texts.t(f"reports.fallback.{code}") for code in UNITLESS_DEPARTMENTS}
    return FallbackNames(district=texts.t("reports.fallback.district"), departments=departments)


async def build_report(
    session: AsyncSession,
    period: Period,
    *,
    unit_code: str | None,
    tz: ZoneInfo,
    now: datetime,
    settings: ReportsSection,
    keywords: Keywords | None,
    language: str = DEFAULT_LANGUAGE,
) -> Report:
    """Compute a report for a period and a unit (None: the whole district), worded in LANGUAGE."""
    fallback = fallback_names(language)
    await tune_for_reports(session)
    directory = await load_directory(session, fallback)
    scope = resolve_scope(directory, unit_code)
    stats = await compute_stats(session, period, scope, tz, now, fallback=fallback)
    before = period.previous(tz)
    # The previous period's cohort and revisit totals (what a report compares with), from the daily rollup where it can.
    previous = await headline_stats(session, before, scope, tz, now, directory=directory, totals=True)
    hotspots = await build_hotspots(session, directory, (period, before), scope, settings=settings, keywords=keywords, language=language)
    wishes = await wish_figures(session, directory, period, scope)
    lovebank = await lovebank_figures(session, directory, period, scope, _community_ids(directory, scope))
    return Report(
        stats=stats, previous=previous.total, hotspots=hotspots, wishes=wishes, made_at=now, language=language, lovebank=lovebank
    )


async def build_hotspots(
    session: AsyncSession,
    directory: Directory,
    periods: tuple[Period, Period],
    scope: Scope,
    *,
    settings: ReportsSection,
    keywords: Keywords | None,
    language: str = DEFAULT_LANGUAGE,
) -> Hotspots:
    """Return the top and rising categories, places and (with a tokenizer) keywords of (period, previous)."""
    period, before = periods
    vocabulary = keywords.vocabulary(directory) if keywords is not None else None
    now_subjects = await load_subjects(session, directory, period, scope, vocabulary)
    before_subjects = await load_subjects(session, directory, before, scope, vocabulary)
    hotspots = Hotspots()
    names = packaged_categories().names(language)
    for kind in PLACE_KINDS:
        current, previous = now_subjects.counts(kind), before_subjects.counts(kind)
        if kind == "category":
            current, previous = _named(current, names), _named(previous, names)
        hotspots.top[kind] = top(current, previous, settings.top)
        hotspots.rising[kind] = rising(current, previous, settings.hotspot_min_volume, settings.top)
    if keywords is not None:
        now_words, before_words = now_subjects.keywords, before_subjects.keywords
        best, rose = rank_keywords(
            now_words.docs,
            before_words.docs,
            now_words.uses,
            now_subjects.cases + before_subjects.cases,
            limit=settings.top * 2,
            min_volume=settings.hotspot_min_volume,
        )
        hotspots.top["keyword"], hotspots.rising["keyword"] = best, rose[: settings.top]
    return hotspots


def _named(counts: Counter[str], names: dict[str, str]) -> Counter[str]:
    """Return counts by category code as counts by category name."""
    named: Counter[str] = Counter()
    for code, count in counts.items():
        named[names.get(code, code)] += count
    return named


def _community_ids(directory: Directory, scope: Scope) -> list[int] | None:
    """Return the communities a scope covers (None: all of them)."""
    if scope.kind == "community" and scope.unit_id is not None:
        return [scope.unit_id]
    return [u.id for u in directory.by_id.values() if u.kind == "community" and u.parent_id == scope.unit_id]


async def wish_figures(session: AsyncSession, directory: Directory, period: Period, scope: Scope) -> WishFigures | None:
    """Return the period's micro-wish counts for the scope, or None where there are none to show."""
    if scope.kind not in ("district", "street", "community"):
        return None
    ids = None if scope.kind == "district" else _community_ids(directory, scope)
    counts = await wish_counts(session, period.start, period.end, community_ids=ids)
    return WishFigures(
        posted=int(counts.posted),
        approved=getattr(counts, "approved", None),
        claimed=int(counts.claimed),
        fulfilled=int(counts.fulfilled),
    )
