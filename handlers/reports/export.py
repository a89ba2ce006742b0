"""The report as tables: CSV and XLSX, per unit, and the annual per-unit evaluation (考核) table.

Headers and sheet names are the [reports.labels] and [reports.export] tables of handlers/locales/*.toml.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from handlers.reports.build import Report
from handlers.reports.sources import patrol_rows, source_rows
from handlers.reports.text import kind_name
from handlers.texts import DEFAULT_LANGUAGE, Texts, texts_for
from storage.stats.compute import KINDS, UnitFigures, ranking
from storage.stats.figures import COLUMNS, HOUR_FIELDS, RATE_FIELDS, Figures

HEAD = ("kind", "code", "name")


def head(texts: Texts) -> list[str]:
    """Return the first three headers: kind, code and name of the unit."""
    return [texts.t(f"reports.export.{column}") for column in HEAD]


def labels(texts: Texts) -> list[str]:
    """Return the headers of the figures, in COLUMNS order."""
    return [texts.t(f"reports.labels.{column}") for column in COLUMNS]


def _cell(figures: Figures, name: str) -> Any:
    """Return one figure for a table: counts as they are, rates and hours rounded, none as empty."""
    value = figures.value(name)
    if value is None:
        return ""
    if name in RATE_FIELDS:
        return round(float(value), 4)
    if name in HOUR_FIELDS:
        return round(float(value), 1)
    return value


def unit_row(kind: str, code: str, name: str, figures: Figures, texts: Texts) -> list[Any]:
    """Return one unit's row."""
    return [kind_name(kind, texts), code, name, *(_cell(figures, c) for c in COLUMNS)]


def report_rows(report: Report) -> list[list[Any]]:
    """Return the header, the scope's total and every unit with cases."""
    texts = texts_for(report.language)
    scope = report.stats.scope
    rows = [[*head(texts), *labels(texts)], unit_row(scope.kind, scope.code, scope.name, report.stats.total, texts)]
    for kind in KINDS:
        rows += [unit_row(kind, u.code, u.name, u.figures, texts) for u in report.stats.rows(kind)]
    return rows


def evaluation_rows(report: Report, kind: str, min_volume: int) -> list[list[Any]]:
    """Return every unit of a kind with its figures and completion-rate rank (units with enough cases)."""
    texts = texts_for(report.language)
    ranks = {u.code: i for i, u in enumerate(ranking(report.stats, kind, "completion_rate", min_volume), start=1)}
    rows: list[list[Any]] = [[*head(texts), *labels(texts), texts.t("reports.export.rank")]]
    units: list[UnitFigures] = report.stats.all_rows(kind)
    rows += [[*unit_row(kind, u.code, u.name, u.figures, texts), ranks.get(u.code, "")] for u in units]
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
    texts = texts_for(report.language)
    header = ["kind", "list", "name", "current", "previous", "change"]
    rows: list[list[Any]] = [[texts.t(f"reports.export.{column}") for column in header]]
    for label, table in (("top", report.hotspots.top), ("rising", report.hotspots.rising)):
        for kind, items in table.items():
            name = texts.t(f"reports.hot_kinds.{kind}")
            rows += [[name, texts.t(f"reports.export.{label}"), h.name, h.current, h.previous, h.change] for h in items]
    return rows


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]], language: str = DEFAULT_LANGUAGE) -> None:
    """Write sheets of rows (headers in LANGUAGE) to an XLSX file, rates formatted as percentages."""
    from openpyxl import Workbook  # noqa: PLC0415  (openpyxl loads only when a workbook is written)

    texts = texts_for(language)
    rate_headers = {texts.t(f"reports.labels.{name}") for name in RATE_FIELDS}
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        header = rows[0] if rows else []
        for index, name in enumerate(header, start=1):
            if name in rate_headers:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "0.0%"
        sheet.freeze_panes = "D2" if header[:3] == head(texts) else "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def report_sheets(report: Report, summary: str) -> dict[str, list[list[Any]]]:
    """Return a report's XLSX sheets: summary, units, hotspots, sources and the grid members' patrol reports."""
    texts = texts_for(report.language)
    return {
        texts.t("reports.export.sheet_summary"): [[line] for line in summary.splitlines()],
        texts.t("reports.export.sheet_units"): report_rows(report),
        texts.t("reports.export.sheet_hotspots"): hotspot_rows(report),
        texts.t("reports.export.sheet_sources"): source_rows(report.stats, texts),
        texts.t("reports.export.sheet_patrol"): patrol_rows(report.stats, texts),
    }


def evaluation_sheets(report: Report, min_volume: int) -> dict[str, list[list[Any]]]:
    """Return the evaluation's XLSX sheets, one per kind of unit."""
    texts = texts_for(report.language)
    return {kind_name(kind, texts): evaluation_rows(report, kind, min_volume) for kind in KINDS}
