"""A report's split by source (群众反映, 网格员上报, 代为登记, each API client) and the grid members' patrol counts
(发现/上报, 自行处置), as lines for the pushed and full text and as rows for the exports."""

from __future__ import annotations

from typing import Any

from handlers.texts import Texts
from storage.stats.compute import Stats
from storage.stats.figures import Figures
from storage.stats.sources import OPERATOR, PATROL

OPEN311_PREFIX = "open311:"
PATROL_LIMIT = 5  # grid members named in the pushed report


def source_name(group: str, texts: Texts) -> str:
    """Return a source group's name: 群众反映, 网格员上报, 代为登记, or 接口：<the API client's name>."""
    if group.startswith(OPEN311_PREFIX):
        return texts.t("reports.source.open311", name=group.removeprefix(OPEN311_PREFIX))
    if group in ("chat", PATROL, OPERATOR):
        return texts.t(f"reports.source.{group}")
    return group


def pct(value: float | None) -> str:
    """Format a rate as a percentage with one decimal, — when there is none (as the rest of the report does)."""
    return "—" if value is None else f"{value * 100:.1f}%"


def source_lines(stats: Stats, texts: Texts, *, limit: int = PATROL_LIMIT) -> list[str]:
    """Return the lines on sources: received per source (and its completion rate), then who patrolled most."""
    if not stats.sources:
        return []
    items = [
        texts.t("reports.source.item", name=source_name(group, texts), received=f.received, completion_rate=pct(f.completion_rate))
        for group, f in stats.sources.items()
    ]
    lines = [texts.t("reports.source.line", items=texts.t("reports.separator").join(items))]
    if stats.patrol:
        members = [
            texts.t("reports.source.patrol_item", name=p.name, grid=p.grid, reported=p.reported, self_handled=p.self_handled)
            for p in stats.patrol[:limit]
        ]
        lines.append(texts.t("reports.source.patrol_line", items=texts.t("reports.separator").join(members)))
    return lines


SOURCE_COLUMNS = ("received", "withdrawn", "completed", "completion_rate", "on_time_rate")


def _cell(figures: Figures, name: str) -> Any:
    """Return a figure for a table: counts as they are, rates rounded, none as empty."""
    value = figures.value(name)
    return "" if value is None else round(float(value), 4) if name.endswith("_rate") else value


def source_rows(stats: Stats, texts: Texts) -> list[list[Any]]:
    """Return the sources sheet: a header, then each source group with its cohort figures."""
    header = [texts.t("reports.source.column"), *(texts.t(f"reports.labels.{c}") for c in SOURCE_COLUMNS)]
    return [header, *([source_name(g, texts), *(_cell(f, c) for c in SOURCE_COLUMNS)] for g, f in stats.sources.items())]


def patrol_rows(stats: Stats, texts: Texts) -> list[list[Any]]:
    """Return the patrol sheet: each grid member, their grid, reported and self-handled."""
    header = [texts.t(f"reports.source.patrol_{c}") for c in ("name", "grid", "reported", "self_handled")]
    return [header, *([p.name, p.grid, p.reported, p.self_handled] for p in stats.patrol)]
