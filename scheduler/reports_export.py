"""The report as tables: CSV and XLSX, per unit, and the annual per-unit evaluation (考核) table."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from scheduler.reports_build import Report
from scheduler.reports_text import HOT_NAMES
from storage.stats import KIND_NAMES, KINDS, UnitFigures, ranking
from storage.stats_figures import COLUMNS, HOUR_LABELS, LABELS, RATE_LABELS, Figures

HEAD = ["类型", "代码", "名称"]
RANK_COLUMN = "办结率排名"


def _cell(figures: Figures, name: str) -> Any:
    """Return one figure for a table: counts as they are, rates and hours rounded, none as empty."""
    value = figures.value(name)
    if value is None:
        return ""
    if name in RATE_LABELS:
        return round(float(value), 4)
    if name in HOUR_LABELS:
        return round(float(value), 1)
    return value


def unit_row(kind: str, code: str, name: str, figures: Figures) -> list[Any]:
    """Return one unit's row."""
    return [KIND_NAMES.get(kind, kind), code, name, *(_cell(figures, c) for c in COLUMNS)]


def report_rows(report: Report) -> list[list[Any]]:
    """Return the header, the scope's total and every unit with cases."""
    scope = report.stats.scope
    rows = [[*HEAD, *(LABELS[c] for c in COLUMNS)], unit_row(scope.kind, scope.code, scope.name, report.stats.total)]
    for kind in KINDS:
        rows += [unit_row(kind, u.code, u.name, u.figures) for u in report.stats.rows(kind)]
    return rows


def evaluation_rows(report: Report, kind: str, min_volume: int) -> list[list[Any]]:
    """Return every unit of a kind with its figures and completion-rate rank (units with enough cases)."""
    ranks = {u.code: i for i, u in enumerate(ranking(report.stats, kind, "completion_rate", min_volume), start=1)}
    rows: list[list[Any]] = [[*HEAD, *(LABELS[c] for c in COLUMNS), RANK_COLUMN]]
    units: list[UnitFigures] = report.stats.all_rows(kind)
    rows += [[*unit_row(kind, u.code, u.name, u.figures), ranks.get(u.code, "")] for u in units]
    return rows


def all_evaluation_rows(report: Report, min_volume: int) -> list[list[Any]]:
    """Return the evaluation rows of every kind of unit under one header."""
    rows: list[list[Any]] = []
    for kind in KINDS:
        part = evaluation_rows(report, kind, min_volume)
        rows += part if not rows else part[1:]
    return rows


def to_csv(rows: list[list[Any]]) -> str:
    """Render rows as CSV."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def hotspot_rows(report: Report) -> list[list[Any]]:
    """Return the hotspots as rows: kind, top or rising, name, cases now and before."""
    rows: list[list[Any]] = [["类型", "榜单", "名称", "本期", "上期", "变化"]]
    for label, table in (("热点", report.hotspots.top), ("上升", report.hotspots.rising)):
        for kind, items in table.items():
            rows += [[HOT_NAMES[kind], label, h.name, h.current, h.previous, h.change] for h in items]
    return rows


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> None:
    """Write sheets of rows to an XLSX file, rates formatted as percentages."""
    from openpyxl import Workbook  # noqa: PLC0415  (openpyxl loads only when a workbook is written)

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        header = rows[0] if rows else []
        for index, name in enumerate(header, start=1):
            if name in RATE_LABELS.values():
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "0.0%"
        sheet.freeze_panes = "D2" if header[:3] == HEAD else "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def report_sheets(report: Report, summary: str) -> dict[str, list[list[Any]]]:
    """Return a report's XLSX sheets: summary, units and hotspots."""
    return {"概况": [[line] for line in summary.splitlines()], "分单位": report_rows(report), "热点": hotspot_rows(report)}


def evaluation_sheets(report: Report, min_volume: int) -> dict[str, list[list[Any]]]:
    """Return the evaluation's XLSX sheets, one per kind of unit."""
    return {KIND_NAMES[kind]: evaluation_rows(report, kind, min_volume) for kind in KINDS}
