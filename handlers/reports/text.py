"""The report as concise text: the pushed message, and the fuller `qungong report` table.

The wording is the [reports] table of handlers/locales/*.toml, in the report's language.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from handlers.reports.build import Report
from handlers.reports.lovebank import lovebank_lines
from handlers.reports.sources import source_lines
from handlers.texts import Texts, texts_for
from nlp.hotspots import Hot
from storage.stats.compute import UnitFigures, ranking
from storage.stats.figures import Figures
from storage.stats.period import Period

RANKED_KINDS = ("street", "community", "department")
TABLE_COLUMNS = (
    "unit", "received", "withdrawn", "completed", "completion_rate", "on_time_rate", "solution_rate", "satisfaction_rate",
    "avg_hours", "yellow", "red",
)


def pct(value: float | None) -> str:
    """Format a rate as a percentage with one decimal, — when there is none."""
    return "—" if value is None else f"{value * 100:.1f}%"


def hours(value: float | None, texts: Texts) -> str:
    """Format hours with one decimal, — when there are none."""
    return "—" if value is None else texts.t("reports.hours", hours=f"{value:.1f}")


def kind_name(kind: str, texts: Texts) -> str:
    """Return the name of a kind of unit (the kind itself when the catalogue has none)."""
    key = f"reports.kinds.{kind}"
    return texts.t(key) if texts.has(key) else kind


def period_name(report: Report) -> str:
    """Return what a report is called by its period, e.g. 周报."""
    return texts_for(report.language).t(f"reports.period.{report.stats.period.kind}")


def period_title(period: Period, tz: ZoneInfo, texts: Texts) -> str:
    """Return a period's name, e.g. 2026年第47周（11月16日—11月22日）."""
    days = period.local_days(tz)
    first, last = days[0], days[-1]
    if period.kind == "week":
        year, week = period.key.split("-W")
        span = texts.t(
            "reports.period_title.span", from_month=first.month, from_day=first.day, to_month=last.month, to_day=last.day
        )
        return texts.t("reports.period_title.week", year=year, week=int(week), span=span)
    if period.kind == "day":
        return texts.t("reports.period_title.day", year=first.year, month=first.month, day=first.day)
    if period.kind == "month":
        return texts.t("reports.period_title.month", year=first.year, month=first.month)
    if period.kind == "year":
        return texts.t("reports.period_title.year", year=period.key)
    return texts.t("reports.period_title.range", first=first.isoformat(), last=last.isoformat())


def _delta(now: int, before: int, texts: Texts) -> str:
    """Return a change such as ↑12 or ↓3 (持平 when unchanged)."""
    if now == before:
        return texts.t("reports.delta.same")
    if now > before:
        return texts.t("reports.delta.up", change=now - before)
    return texts.t("reports.delta.down", change=before - now)


def summary_lines(total: Figures, previous: Figures, texts: Texts) -> list[str]:
    """Return the headline figures."""
    return [
        texts.t(
            "reports.summary.received",
            received=total.received,
            previous=previous.received,
            delta=_delta(total.received, previous.received, texts),
            withdrawn=total.withdrawn,
            due=total.due,
            completed=total.completed,
            completion_rate=pct(total.completion_rate),
            on_time_rate=pct(total.on_time_rate),
        ),
        texts.t(
            "reports.summary.rated",
            rated=total.rated,
            solution_rate=pct(total.solution_rate),
            satisfaction_rate=pct(total.satisfaction_rate),
        ),
        texts.t("reports.summary.hours", avg_hours=hours(total.avg_hours, texts), p90_hours=hours(total.p90_hours, texts)),
        texts.t(
            "reports.summary.returns",
            returns=total.returns,
            upheld=total.returns_upheld,
            overruled=total.returns_overruled,
            requested=total.extensions_requested,
            approved=total.extensions_approved,
            redos=total.redos,
        ),
        texts.t(
            "reports.summary.lights",
            yellow=total.yellow,
            red=total.red,
            owed=total.explanations_owed,
            late=total.explanations_late,
            missing=total.explanations_missing,
        ),
    ]


def _joined(items: list[str], texts: Texts, empty: str = "reports.none") -> str:
    """Join list items with the catalogue's separator (、), or say there are none."""
    return texts.t("reports.separator").join(items) or texts.t(empty)


def _hot_list(items: list[Hot], limit: int, texts: Texts) -> str:
    """Return hotspots as 名称 N件（↑M）, separated by 、."""
    return _joined(
        [texts.t("reports.hot.item", name=h.name, count=h.current, delta=_delta(h.current, h.previous, texts)) for h in items[:limit]],
        texts,
    )


def _rise_list(items: list[Hot], limit: int, texts: Texts) -> str:
    """Return rising hotspots as 名称 上期→本期."""
    rises = [texts.t("reports.hot.rise_item", name=h.name, previous=h.previous, current=h.current) for h in items[:limit]]
    return _joined(rises, texts, "reports.no_rise")


def hotspot_lines(report: Report, limit: int = 3) -> list[str]:
    """Return the hotspot lines: top categories, keywords and places, and what rose most."""
    texts = texts_for(report.language)
    hot = report.hotspots
    lines = [
        texts.t("reports.hot.categories", items=_hot_list(hot.top.get("category", []), limit, texts)),
        texts.t(
            "reports.hot.places",
            communities=_hot_list(hot.top.get("community", []), limit, texts),
            compounds=_hot_list(hot.top.get("compound", []), 2, texts),
        ),
    ]
    if "keyword" in hot.top:
        words = [texts.t("reports.hot.keyword_item", name=h.name, count=h.current) for h in hot.top["keyword"][: limit + 3]]
        lines.append(texts.t("reports.hot.keywords", items=_joined(words, texts)))
    rose = [*hot.rising.get("category", []), *hot.rising.get("community", []), *hot.rising.get("keyword", [])]
    rose.sort(key=lambda h: (-h.change, h.name))
    lines.append(texts.t("reports.hot.rising", items=_rise_list(rose, limit, texts)))
    return lines


def ranking_lines(report: Report, min_volume: int, limit: int = 3) -> list[str]:
    """Return, per kind of unit, the best and worst completion rates among units with enough cases."""
    texts = texts_for(report.language)
    separator = texts.t("reports.separator")
    lines = []
    for kind in RANKED_KINDS:
        ranked = ranking(report.stats, kind, "completion_rate", min_volume)
        if len(ranked) < 2:
            continue
        best = separator.join(texts.t("reports.ranking.item", name=u.name, rate=pct(u.figures.completion_rate)) for u in ranked[:limit])
        reds = sorted(report.stats.rows(kind), key=lambda u: (-u.figures.red, u.code))
        worst = separator.join(texts.t("reports.ranking.red_item", name=u.name, count=u.figures.red) for u in reds[:limit] if u.figures.red)
        key = "reports.ranking.best_and_red" if worst else "reports.ranking.best"
        lines.append(texts.t(key, kind=kind_name(kind, texts), min_volume=min_volume, best=best, worst=worst))
    return lines


def wish_line(report: Report) -> list[str]:
    """Return the micro-wish line, when the wishes are counted."""
    w = report.wishes
    if w is None:
        return []
    return [texts_for(report.language).t("reports.wishes", posted=w.posted, claimed=w.claimed, fulfilled=w.fulfilled)]


def push_text(report: Report, tz: ZoneInfo, min_volume: int) -> str:
    """Return the concise pushed report."""
    texts = texts_for(report.language)
    stats = report.stats
    title = texts.t(
        "reports.title", scope=stats.scope.name, name=period_name(report), period=period_title(stats.period, tz, texts)
    )
    if stats.total.received == 0 and report.previous.received == 0:
        return "\n".join([title, texts.t("reports.no_cases"), *lovebank_lines(report.lovebank, texts)])
    body = [*summary_lines(stats.total, report.previous, texts), *source_lines(stats, texts), *hotspot_lines(report), *wish_line(report)]
    body += lovebank_lines(report.lovebank, texts)
    body += ranking_lines(report, min_volume)
    return "\n".join([title, *body])


def unit_table(rows: list[UnitFigures], texts: Texts) -> list[str]:
    """Return an aligned table of units with their main figures."""
    header = [texts.t(f"reports.table.{column}") for column in TABLE_COLUMNS]
    body = [
        [
            u.name,
            str(u.figures.received),
            str(u.figures.withdrawn),
            str(u.figures.completed),
            pct(u.figures.completion_rate),
            pct(u.figures.on_time_rate),
            pct(u.figures.solution_rate),
            pct(u.figures.satisfaction_rate),
            hours(u.figures.avg_hours, texts),
            str(u.figures.yellow),
            str(u.figures.red),
        ]
        for u in rows
    ]
    return ["  ".join(cells) for cells in [header, *body]]


def full_text(report: Report, tz: ZoneInfo, min_volume: int) -> str:
    """Return the full text report: the pushed summary, then a table per kind of unit."""
    texts = texts_for(report.language)
    lines = [push_text(report, tz, min_volume)]
    for kind, rows in report.stats.units.items():
        if rows:
            lines += ["", texts.t("reports.section", kind=kind_name(kind, texts)), *unit_table(report.stats.rows(kind), texts)]
    return "\n".join(lines)
