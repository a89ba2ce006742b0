"""The report's chart: cases received and completed over the period, top categories and keywords (PNG).

Rendered headless on matplotlib's Agg canvas (no pyplot, no display), with the CJK font shipped in
handlers/reports/data/fonts: a subset of Noto Sans CJK SC (SIL Open Font License 1.1, see OFL.txt there)
holding GB 2312's characters plus every character of the packaged data. Labels are reduced to the
characters the font has, so a rare character becomes □ instead of a missing-glyph warning.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from handlers.reports.build import Report
from handlers.reports.text import pct, period_name
from handlers.texts import Texts, texts_for
from nlp.hotspots import Hot

FONT_PATH = Path(__file__).resolve().parent / "data" / "fonts" / "NotoSansCJKsc-Regular-subset.otf"
PLACEHOLDER = "□"
DAILY_LIMIT = 62  # longer periods are drawn per week


@lru_cache(maxsize=1)
def font_characters() -> frozenset[int]:
    """Return the code points the shipped font can draw."""
    from matplotlib.ft2font import FT2Font  # noqa: PLC0415  (loaded when the first chart is drawn)

    return frozenset(FT2Font(str(FONT_PATH)).get_charmap())


def drawable(text: str) -> str:
    """Return text with every character the font lacks replaced by □."""
    known = font_characters()
    return "".join(c if ord(c) in known or c.isspace() else PLACEHOLDER for c in text)


@lru_cache(maxsize=1)
def register_font() -> str:
    """Add the shipped CJK font to matplotlib's font manager once and return its family name."""
    from matplotlib import font_manager  # noqa: PLC0415  (matplotlib loads only when a chart is drawn)

    font_manager.fontManager.addfont(str(FONT_PATH))
    return font_manager.FontProperties(fname=str(FONT_PATH)).get_name()


def _weekly(trend: list[tuple[date, int, int]]) -> list[tuple[date, int, int]]:
    """Sum a daily trend per week (Monday)."""
    weeks: dict[date, list[int]] = {}
    for day, received, completed in trend:
        monday = day - timedelta(days=day.weekday())
        counts = weeks.setdefault(monday, [0, 0])
        counts[0] += received
        counts[1] += completed
    return [(day, c[0], c[1]) for day, c in weeks.items()]


def _trend_panel(axes: Any, report: Report, texts: Texts) -> None:
    """Draw received and completed cases per day (or week)."""
    trend = report.stats.trend
    title = "reports.chart.trend_daily"
    if len(trend) > DAILY_LIMIT:
        trend, title = _weekly(trend), "reports.chart.trend_weekly"
    labels = [f"{d.month}/{d.day}" for d, _, _ in trend]
    xs = list(range(len(trend)))
    axes.plot(xs, [r for _, r, _ in trend], marker="o", markersize=3, label=texts.t("reports.chart.received"), color="#c0392b")
    axes.plot(xs, [c for _, _, c in trend], marker="o", markersize=3, label=texts.t("reports.chart.completed"), color="#2471a3")
    axes.set_title(texts.t(title))
    axes.legend(loc="upper left")
    step = max(1, len(labels) // 12)
    axes.set_xticks(range(0, len(labels), step), labels[::step], rotation=0)
    axes.grid(axis="y", alpha=0.3)


def _bar_panel(axes: Any, texts: Texts, title: str, items: list[Hot]) -> None:
    """Draw a horizontal bar chart of this period against the previous one."""
    names, now, before = [h.name for h in items], [h.current for h in items], [h.previous for h in items]
    axes.set_title(title)
    if not names:
        axes.text(0.5, 0.5, texts.t("reports.chart.no_data"), ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        return
    rows = list(range(len(names)))[::-1]
    axes.barh([r + 0.2 for r in rows], now, height=0.4, label=texts.t("reports.chart.current"), color="#c0392b")
    axes.barh([r - 0.2 for r in rows], before, height=0.4, label=texts.t("reports.chart.previous"), color="#bdc3c7")
    axes.set_yticks(rows, [drawable(n) for n in names])
    axes.legend(loc="lower right")


def render_chart(report: Report, path: Path) -> Path:
    """Draw the report's chart to a PNG file and return its path (`qungong report --out`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(chart_png(report))
    return path


def chart_png(report: Report) -> bytes:
    """Draw the report's chart and return it as PNG bytes."""
    from matplotlib import rc_context  # noqa: PLC0415
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    family = register_font()
    texts = texts_for(report.language)
    stats = report.stats
    with rc_context({"font.family": family, "axes.unicode_minus": False, "font.size": 10}):
        figure = Figure(figsize=(10, 8), dpi=100)
        FigureCanvasAgg(figure)
        grid = figure.add_gridspec(2, 2, height_ratios=[1, 1.1])
        total = stats.total
        figure.suptitle(
            drawable(
                texts.t(
                    "reports.chart.title",
                    scope=stats.scope.name,
                    name=period_name(report),
                    period=stats.period.key,
                    received=total.received,
                    completed=total.completed,
                    due=total.due,
                    completion_rate=pct(total.completion_rate),
                    satisfaction_rate=pct(total.satisfaction_rate),
                )
            ),
            fontsize=13,
        )
        _trend_panel(figure.add_subplot(grid[0, :]), report, texts)
        categories = report.hotspots.top.get("category", [])
        _bar_panel(
            figure.add_subplot(grid[1, 0]),
            texts,
            texts.t("reports.chart.categories"),
            categories,
        )
        keywords = report.hotspots.top.get("keyword") or report.hotspots.top.get("community", [])
        _bar_panel(
            figure.add_subplot(grid[1, 1]),
            texts,
            texts.t("reports.chart.keywords" if report.hotspots.top.get("keyword") else "reports.chart.communities"),
            keywords[:8],
        )
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
    return out.getvalue()
