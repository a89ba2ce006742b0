"""The report as concise Chinese text: the pushed message, and the fuller `qungong report` table."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from nlp.hotspots import Hot
from scheduler.reports_build import Report
from storage.stats import KIND_NAMES, UnitFigures, ranking
from storage.stats_figures import Figures
from storage.stats_period import Period

PERIOD_NAMES = {"week": "周报", "month": "月报", "year": "年报", "range": "统计"}
HOT_NAMES = {"category": "类别", "keyword": "关键词", "community": "社区", "grid": "网格", "compound": "小区"}
RANKED_KINDS = ("street", "community", "department")


def pct(value: float | None) -> str:
    """Format a rate as a percentage with one decimal, — when there is none."""
    return "—" if value is None else f"{value * 100:.1f}%"


def hours(value: float | None) -> str:
    """Format hours with one decimal, — when there are none."""
    return "—" if value is None else f"{value:.1f}小时"


def period_title(period: Period, tz: ZoneInfo) -> str:
    """Return a period's name, e.g. 2026年第47周（11月16日—11月22日）."""
    days = period.local_days(tz)
    span = f"{days[0].month}月{days[0].day}日—{days[-1].month}月{days[-1].day}日"
    if period.kind == "week":
        year, week = period.key.split("-W")
        return f"{year}年第{int(week)}周（{span}）"
    if period.kind == "month":
        return f"{days[0].year}年{days[0].month}月"
    if period.kind == "year":
        return f"{period.key}年"
    return f"{days[0].isoformat()} 至 {days[-1].isoformat()}"


def _delta(now: int, before: int) -> str:
    """Return a change such as ↑12 or ↓3 (empty when unchanged)."""
    if now == before:
        return "持平"
    return f"↑{now - before}" if now > before else f"↓{before - now}"


def summary_lines(total: Figures, previous: Figures) -> list[str]:
    """Return the headline figures in Chinese."""
    return [
        f"受理 {total.received} 件（上期 {previous.received}，{_delta(total.received, previous.received)}），"
        f"办结 {total.completed} 件，办结率 {pct(total.completion_rate)}，按时办结率 {pct(total.on_time_rate)}",
        f"回访 {total.rated} 件：解决率 {pct(total.solution_rate)}，满意率 {pct(total.satisfaction_rate)}",
        f"平均办理时长 {hours(total.avg_hours)}，90% 的诉求在 {hours(total.p90_hours)} 内办结",
        f"退单 {total.returns} 件（维持 {total.returns_upheld}，驳回 {total.returns_overruled}），"
        f"延期申请 {total.extensions_requested} 件（批准 {total.extensions_approved}），重办 {total.redos} 件",
        f"黄灯 {total.yellow} 次，红灯 {total.red} 次；情况说明应交 {total.explanations_owed} 份，"
        f"迟交 {total.explanations_late} 份，缺交 {total.explanations_missing} 份",
    ]


def _hot_list(items: list[Hot], limit: int) -> str:
    """Return hotspots as 名称 N件（↑M）, separated by 、."""
    return "、".join(f"{h.name} {h.current}件（{_delta(h.current, h.previous)}）" for h in items[:limit]) or "无"


def _rise_list(items: list[Hot], limit: int) -> str:
    """Return rising hotspots as 名称 上期→本期."""
    return "、".join(f"{h.name} {h.previous}→{h.current}" for h in items[:limit]) or "无明显上升"


def hotspot_lines(report: Report, limit: int = 3) -> list[str]:
    """Return the hotspot lines: top categories, keywords and places, and what rose most."""
    hot = report.hotspots
    lines = [
        f"热点类别：{_hot_list(hot.top.get('category', []), limit)}",
        f"热点社区：{_hot_list(hot.top.get('community', []), limit)}；热点小区：{_hot_list(hot.top.get('compound', []), 2)}",
    ]
    if "keyword" in hot.top:
        lines.append("热词：" + ("、".join(f"{h.name}({h.current})" for h in hot.top["keyword"][: limit + 3]) or "无"))
    rose = [*hot.rising.get("category", []), *hot.rising.get("community", []), *hot.rising.get("keyword", [])]
    rose.sort(key=lambda h: (-h.change, h.name))
    lines.append(f"上升最快：{_rise_list(rose, limit)}")
    return lines


def ranking_lines(report: Report, min_volume: int, limit: int = 3) -> list[str]:
    """Return, per kind of unit, the best and worst completion rates among units with enough cases."""
    lines = []
    for kind in RANKED_KINDS:
        ranked = ranking(report.stats, kind, "completion_rate", min_volume)
        if len(ranked) < 2:
            continue
        best = "、".join(f"{u.name} {pct(u.figures.completion_rate)}" for u in ranked[:limit])
        reds = sorted(report.stats.rows(kind), key=lambda u: (-u.figures.red, u.code))
        worst = "、".join(f"{u.name} {u.figures.red}次" for u in reds[:limit] if u.figures.red)
        lines.append(f"{KIND_NAMES[kind]}办结率前列（受理≥{min_volume}件）：{best}" + (f"；红灯最多：{worst}" if worst else ""))
    return lines


def wish_line(report: Report) -> list[str]:
    """Return the micro-wish line, when the wishes are counted."""
    w = report.wishes
    if w is None:
        return []
    return [f"微心愿：发布 {w.posted} 个，认领 {w.claimed} 个，实现 {w.fulfilled} 个"]


def push_text(report: Report, tz: ZoneInfo, min_volume: int) -> str:
    """Return the concise pushed report."""
    stats = report.stats
    title = f"【{stats.scope.name}{PERIOD_NAMES[stats.period.kind]}】{period_title(stats.period, tz)}"
    if stats.total.received == 0 and report.previous.received == 0:
        return f"{title}\n本期没有受理诉求。"
    body = [*summary_lines(stats.total, report.previous), *hotspot_lines(report), *wish_line(report)]
    body += ranking_lines(report, min_volume)
    return "\n".join([title, *body])


def unit_table(rows: list[UnitFigures]) -> list[str]:
    """Return an aligned table of units with their main figures."""
    header = ["单位", "受理", "办结", "办结率", "按时办结率", "解决率", "满意率", "平均时长", "黄灯", "红灯"]
    body = [
        [
            u.name,
            str(u.figures.received),
            str(u.figures.completed),
            pct(u.figures.completion_rate),
            pct(u.figures.on_time_rate),
            pct(u.figures.solution_rate),
            pct(u.figures.satisfaction_rate),
            hours(u.figures.avg_hours),
            str(u.figures.yellow),
            str(u.figures.red),
        ]
        for u in rows
    ]
    return ["  ".join(cells) for cells in [header, *body]]


def full_text(report: Report, tz: ZoneInfo, min_volume: int) -> str:
    """Return the full text report: the pushed summary, then a table per kind of unit."""
    lines = [push_text(report, tz, min_volume)]
    for kind, rows in report.stats.units.items():
        if rows:
            lines += ["", f"— 按{KIND_NAMES[kind]} —", *unit_table(report.stats.rows(kind))]
    return "\n".join(lines)
