"""What the data cockpit (驾驶舱) shows, computed here and in storage.stats; the web pages only present it.

    pulse      the headline figures (this period beside the previous one), what stands now (open cases,
               lights) and the map: each grid's cases and load, red-light cases as markers. It is what the
               page refreshes every 30 seconds, so it is kept to grouped queries (see storage.stats.compute).
    dashboard  the pulse, plus the full report of the period (the same `build_report` the pushes and
               `qungong report` use: per-unit figures, hotspots) and received cases per category and day.
               The report is the slow part (hot words cut every text): the web page may reuse one made a
               moment ago; the pulse is always counted afresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.reports.build import Keywords, Report, build_report, fallback_names
from handlers.reports.settings import ReportsSection
from handlers.texts import DEFAULT_LANGUAGE
from nlp.categories import packaged_categories
from storage.stats.compute import Stats, category_counts, category_trend
from storage.stats.directory import Directory, Scope, load_directory, resolve_scope, scope_filter
from storage.stats.figures import Figures
from storage.stats.live import Load, Marker, live_load, red_markers
from storage.stats.period import Period
from storage.stats.rollup import headline_stats

KEYWORD_DAYS = 92  # hot words cut every text of the period with jieba: only for periods up to about a quarter


@dataclass(frozen=True)
class GridArea:
    """One grid on the map: its outline (lon, lat pairs), the cases received in the period and its load now."""

    id: int
    code: str
    name: str
    community: str
    polygon: tuple[tuple[float, float], ...]
    centre: tuple[float, float] | None
    received: int
    load: Load


@dataclass
class Pulse:
    """The headline and the map at one moment."""

    scope: Scope
    period: Period
    previous_period: Period
    current: Figures
    previous: Figures
    load: Load
    grids: list[GridArea]
    markers: list[Marker]
    made_at: datetime

    def grid_of(self, grid_id: int | None) -> GridArea | None:
        """Return a grid on the map by id."""
        return next((g for g in self.grids if g.id == grid_id), None)


@dataclass
class Dashboard:
    """Everything the cockpit's overview shows for a period and a scope."""

    pulse: Pulse
    report: Report
    categories: dict[str, dict[date, int]] = field(default_factory=dict)  # received per category and day
    previous_categories: dict[str, int] = field(default_factory=dict)  # received per category in the previous period
    category_names: dict[str, str] = field(default_factory=dict)


def _polygon(value: object) -> tuple[tuple[float, float], ...]:
    """Return a stored polygon as (lon, lat) pairs, skipping anything malformed."""
    if not isinstance(value, list):
        return ()
    points = []
    for point in value:
        if isinstance(point, list | tuple) and len(point) == 2 and all(isinstance(x, int | float) for x in point):
            points.append((float(point[0]), float(point[1])))
    return tuple(points)


def grid_areas(directory: Directory, scope: Scope, stats: Stats, grids_now: dict[int | None, Load]) -> list[GridArea]:
    """Return the grids of a scope with their period's cases and their load now."""
    received = {code: unit.figures.received for code, unit in stats.units.get("grid", {}).items()}
    if scope.kind == "grid":
        received[scope.code] = stats.total.received
    areas = []
    for unit in directory.within(scope, "grid"):
        community = directory.by_id.get(unit.parent_id) if unit.parent_id is not None else None
        centre = (unit.centre_lon, unit.centre_lat) if unit.centre_lon is not None and unit.centre_lat is not None else None
        areas.append(
            GridArea(
                id=unit.id,
                code=unit.code,
                name=unit.name,
                community=community.name if community else "",
                polygon=_polygon(unit.polygon),
                centre=centre,
                received=received.get(unit.code, 0),
                load=grids_now.get(unit.id, Load()),
            )
        )
    return areas


async def pulse(
    session: AsyncSession,
    period: Period,
    scope: Scope,
    *,
    tz: ZoneInfo,
    now: datetime,
    directory: Directory,
    stats: Stats | None = None,
    previous: Figures | None = None,
) -> Pulse:
    """Return the headline (with the previous period) and the map; STATS and PREVIOUS when already computed."""
    if stats is None:
        stats = await headline_stats(session, period, scope, tz, now, directory=directory)
    before = period.previous(tz)
    if previous is None:
        previous = (await headline_stats(session, before, scope, tz, now, directory=directory, totals=True)).total
    live = await live_load(session, scope, now)
    markers = await red_markers(session, scope, now)
    return Pulse(scope, period, before, stats.total, previous, live.total, grid_areas(directory, scope, stats, live.grids), markers, now)


async def quick_pulse(
    session: AsyncSession, period: Period, unit_code: str | None, *, tz: ZoneInfo, now: datetime, language: str = DEFAULT_LANGUAGE
) -> Pulse:
    """Return the pulse of a period for a unit code (None: the district), as the live refresh asks for it."""
    directory = await load_directory(session, fallback_names(language))
    return await pulse(session, period, resolve_scope(directory, unit_code), tz=tz, now=now, directory=directory)


async def overview_report(
    session: AsyncSession,
    period: Period,
    unit_code: str | None,
    *,
    tz: ZoneInfo,
    now: datetime,
    settings: ReportsSection,
    keywords: Keywords | None,
    language: str = DEFAULT_LANGUAGE,
) -> Report:
    """Return the report behind the overview's hotspots, trends and tables (hot words only for periods up to KEYWORD_DAYS)."""
    long_period = period.length > timedelta(days=KEYWORD_DAYS)
    return await build_report(
        session, period, unit_code=unit_code, tz=tz, now=now, settings=settings, keywords=None if long_period else keywords, language=language
    )


async def build_dashboard(
    session: AsyncSession,
    period: Period,
    unit_code: str | None,
    *,
    tz: ZoneInfo,
    now: datetime,
    settings: ReportsSection,
    keywords: Keywords | None,
    language: str = DEFAULT_LANGUAGE,
    report: Report | None = None,
) -> Dashboard:
    """Return the overview of a period for a unit code: the report (as pushed and printed; REPORT when one was made
    a moment ago), the pulse (always counted now), category trends."""
    if report is None:
        report = await overview_report(session, period, unit_code, tz=tz, now=now, settings=settings, keywords=keywords, language=language)
    directory = await load_directory(session, fallback_names(language))
    scope = report.stats.scope
    now_pulse = await pulse(session, period, scope, tz=tz, now=now, directory=directory)
    per_category = await category_trend(session, period, scope_filter(scope), tz)
    before = await category_counts(session, period.previous(tz), scope_filter(scope))
    return Dashboard(now_pulse, report, per_category, before, packaged_categories().names(language))
