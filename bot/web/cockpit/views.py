"""What the cockpit's pages show, shaped for the templates and the live refresh: formatted, never recomputed.

Every figure comes from handlers.reports.dashboard (and so from storage.stats, as the pushed reports
and `qungong report` do); this module only picks, formats, sorts and lays them out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.web.cockpit.render import pct
from bot.web.cockpit.svg import Projection, grid_class, marker_point, projection
from handlers.reports.dashboard import Dashboard, Pulse
from handlers.reports.text import kind_name
from handlers.texts import Texts
from nlp.hotspots import Hot
from storage.stats.compute import UnitFigures
from storage.stats.period import Period

TABLE_COLUMNS = (
    "received", "withdrawn", "completed", "completion_rate", "on_time_rate", "returns", "extensions_requested",
    "redos", "yellow", "red", "satisfaction_rate",
)
RATE_COLUMNS = {"completion_rate", "on_time_rate", "satisfaction_rate"}
DAILY_LIMIT = 62  # longer periods are charted per week
CATEGORY_ROWS = 8
HOT_KINDS = ("category", "community", "compound", "keyword")


@dataclass(frozen=True)
class Card:
    """One headline figure: its key, label, value now and in the previous period (None: it stands now)."""

    key: str
    label: str
    value: str
    previous: str | None


def span_label(period: Period, tz: ZoneInfo, texts: Texts) -> str:
    """Return a period as its local start and end, e.g. 2026-12-01 00:00 — 2026-12-02 14:30."""
    fmt = "%Y-%m-%d %H:%M"
    return texts.t("cockpit.span", start=period.start.astimezone(tz).strftime(fmt), end=period.end.astimezone(tz).strftime(fmt))


def hours_text(value: float | None, texts: Texts) -> str:
    """Format hours with one decimal (— when there are none)."""
    return "—" if value is None else texts.t("reports.hours", hours=f"{value:.1f}")


def headline(pulse: Pulse, texts: Texts) -> list[Card]:
    """Return the headline cards: the period's figures beside the previous period's, then what stands now."""
    now, before = pulse.current, pulse.previous
    return [
        Card("received", texts.t("cockpit.card.received"), str(now.received), str(before.received)),
        Card("completed", texts.t("cockpit.card.completed"), f"{now.completed}/{now.due}", f"{before.completed}/{before.due}"),
        Card("completion_rate", texts.t("reports.labels.completion_rate"), pct(now.completion_rate), pct(before.completion_rate)),
        Card("on_time_rate", texts.t("reports.labels.on_time_rate"), pct(now.on_time_rate), pct(before.on_time_rate)),
        Card("solution_rate", texts.t("reports.labels.solution_rate"), pct(now.solution_rate), pct(before.solution_rate)),
        Card("satisfaction_rate", texts.t("reports.labels.satisfaction_rate"), pct(now.satisfaction_rate), pct(before.satisfaction_rate)),
        Card("avg_hours", texts.t("cockpit.card.avg_hours"), hours_text(now.avg_hours, texts), hours_text(before.avg_hours, texts)),
        Card("open", texts.t("cockpit.card.open"), str(pulse.load.open), None),
        Card("lights", texts.t("cockpit.card.lights"), texts.t("cockpit.card.lights_value", red=pulse.load.red, yellow=pulse.load.yellow), None),
    ]


def live_json(pulse: Pulse, texts: Texts, made_at: str) -> dict[str, Any]:
    """Return what the page refreshes every 30 s: the cards, each grid's count and colour class, the markers."""
    top = max((g.received for g in pulse.grids), default=0)
    proj = projection(pulse.grids)
    markers = []
    for index, marker in enumerate(pulse.markers):
        point = marker_point(marker, pulse, proj, index) if proj is not None else None
        if point is not None:
            title = texts.t("cockpit.map.marker_title", number=marker.number, hours=f"{marker.overdue_hours:.0f}")
            markers.append({"x": round(point[0], 1), "y": round(point[1], 1), "title": title})
    return {
        "cards": {c.key: {"value": c.value, "previous": c.previous} for c in headline(pulse, texts)},
        "grids": {g.code: {"count": g.received, "class": grid_class(g.received, top)} for g in pulse.grids},
        "markers": markers,
        "made_at": made_at,
    }


def unit_rows(dashboard: Dashboard, kind: str, sort: str, descending: bool) -> list[UnitFigures]:
    """Return the units of a kind with anything to count, sorted by a column (ties by code)."""
    rows = dashboard.report.stats.rows(kind)
    column = sort if sort in TABLE_COLUMNS else "received"

    def key(unit: UnitFigures) -> tuple[float, str]:
        value = unit.figures.value(column) if column not in ("completed",) else unit.figures.completed
        number = -1.0 if value is None else float(value)
        return (-number if descending else number, unit.code)

    return sorted(rows, key=key)


def cell(unit: UnitFigures, column: str) -> str:
    """Format one cell of the per-unit table."""
    value = unit.figures.value(column)
    if column in RATE_COLUMNS:
        return pct(value if value is None else float(value))
    return "—" if value is None else str(value)


def kinds_for(scope_kind: str) -> list[str]:
    """Return the kinds of unit a scope's table offers (those below it, and departments)."""
    below = {"district": ["street", "community", "grid"], "street": ["community", "grid"], "community": ["grid"]}
    return [*below.get(scope_kind, []), "department"]


def kind_labels(kinds: Sequence[str], texts: Texts) -> dict[str, str]:
    """Return each kind of unit's name."""
    return {kind: kind_name(kind, texts) for kind in kinds}


def trend(dashboard: Dashboard, texts: Texts) -> tuple[list[str], list[int], list[int], str]:
    """Return the labels, received and completed per day (per week for long periods) and the chart's title."""
    days = dashboard.report.stats.trend
    if len(days) <= DAILY_LIMIT:
        return [f"{d.month}/{d.day}" for d, _, _ in days], [r for _, r, _ in days], [c for _, _, c in days], texts.t("reports.chart.trend_daily")
    weeks: dict[date, list[int]] = {}
    for day, received, completed in days:
        counts = weeks.setdefault(day - timedelta(days=day.weekday()), [0, 0])
        counts[0] += received
        counts[1] += completed
    labels = [f"{d.month}/{d.day}" for d in weeks]
    return labels, [c[0] for c in weeks.values()], [c[1] for c in weeks.values()], texts.t("reports.chart.trend_weekly")


@dataclass(frozen=True)
class CategoryRow:
    """One category in the trends: its code, name, cases now and before, and its cases per day."""

    code: str
    name: str
    received: int
    previous: int
    per_day: list[int]


def category_rows(dashboard: Dashboard) -> list[CategoryRow]:
    """Return the busiest categories of the period with their daily counts and the previous period's."""
    stats = dashboard.report.stats
    days = [d for d, _, _ in stats.trend]
    ranked = sorted(stats.categories.items(), key=lambda item: (-item[1].received, item[0]))[:CATEGORY_ROWS]
    rows = []
    for code, figures in ranked:
        name = dashboard.category_names.get(code, code)
        per_day = dashboard.categories.get(code, {})
        rows.append(CategoryRow(code, name, figures.received, dashboard.previous_categories.get(code, 0), [per_day.get(d, 0) for d in days]))
    return rows


def hotspots(dashboard: Dashboard) -> dict[str, dict[str, list[Hot]]]:
    """Return the top and rising hotspots by kind (categories, communities, compounds, keywords)."""
    hot = dashboard.report.hotspots
    return {kind: {"top": hot.top.get(kind, []), "rising": hot.rising.get(kind, [])} for kind in HOT_KINDS if kind in hot.top}


def map_link_factory(base: Callable[..., str]) -> Callable[[Any], str]:
    """Return how a grid on the map links to its cases."""
    return lambda grid: base("/cockpit/cases", grid=grid.code)


def map_projection(pulse: Pulse) -> Projection | None:
    """Return the map's projection (for the template's size)."""
    return projection(pulse.grids)
