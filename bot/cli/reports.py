"""`qungong report`: a period's figures and hotspots as text, CSV, XLSX or a chart, and the annual evaluation."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config.schema import Config
from handlers.reports.build import Report, build_report
from handlers.reports.chart import render_chart
from handlers.reports.export import (
    all_evaluation_rows,
    evaluation_sheets,
    report_rows,
    report_sheets,
    to_csv,
    write_xlsx,
)
from handlers.reports.keywords import fill_all_keywords, shared_keywords
from handlers.reports.text import full_text
from storage.db import create_engine, create_read_engine, create_session_factory
from storage.migrate import ensure_schema_current
from storage.stats.directory import StatsError
from storage.stats.period import PeriodError, parse_period

EXIT_OK, EXIT_USAGE = 0, 2
FORMATS = ("text", "csv", "xlsx", "png")


def add_commands(subparsers: Any) -> None:
    """Add `report --period P [--unit U] [--evaluation] --format F [--out FILE]`."""
    report = subparsers.add_parser("report", help="figures and hotspots over a period (text, CSV, XLSX or PNG chart)")
    report.add_argument(
        "--period",
        default="week",
        help="today, week, month or year (the current one, to date), yesterday, last-week, last-month, last-year, "
        "or FROM..TO (dates, local time, TO exclusive: 2026-11-01..2026-12-01 is November)",
    )
    report.add_argument("--unit", metavar="UNIT", help="a street, community, grid or department code (default: the district)")
    report.add_argument("--evaluation", action="store_true", help="the per-unit evaluation table (every unit, ranked)")
    report.add_argument("--format", choices=FORMATS, default="text")
    report.add_argument("--out", metavar="FILE", type=Path, help="write here (xlsx and png: default in [reports] folder)")
    report.set_defaults(func=cmd_report)
    keywords = subparsers.add_parser("keywords", help="cut the keywords of every case not cut yet (the case_keywords job does it every minute)")
    keywords.set_defaults(func=cmd_keywords)


def cmd_keywords(args: argparse.Namespace, config: Config) -> int:
    """Cut and store the keywords of every case not cut yet (existing cases after an upgrade)."""

    async def work() -> int:
        engine = create_engine(config.storage.url, echo=config.storage.echo)
        try:
            await ensure_schema_current(engine)
            done = await fill_all_keywords(create_session_factory(engine), await shared_keywords(config), datetime.now(UTC))
        finally:
            await engine.dispose()
        print(f"{done} cases' keywords cut")
        return EXIT_OK

    return asyncio.run(work())


def _render(report: Report, args: argparse.Namespace, config: Config) -> str | None:
    """Write or return the report in the asked format; return text to print, or None when a file was written."""
    section = config.reports
    name = f"{'evaluation' if args.evaluation else 'report'}-{report.stats.period.key.replace('..', '_')}"
    if args.format == "text":
        return full_text(report, config.tz, section.min_volume)
    if args.format == "csv":
        return to_csv(all_evaluation_rows(report, section.min_volume) if args.evaluation else report_rows(report))
    out: Path = args.out or section.path / f"{name}.{args.format}"
    if args.format == "xlsx":
        summary = full_text(report, config.tz, section.min_volume)
        sheets = evaluation_sheets(report, section.min_volume) if args.evaluation else report_sheets(report, summary)
        write_xlsx(out, sheets, config.app.language)
    else:
        render_chart(report, out)
    print(f"wrote {out}")
    return None


def cmd_report(args: argparse.Namespace, config: Config) -> int:
    """Print or write a report over a period."""
    now = datetime.now(UTC)
    try:
        period = parse_period(args.period, now, config.tz)
    except PeriodError as exc:
        print(f"qungong: --period: {exc}")
        return EXIT_USAGE

    async def work() -> int:
        engine = create_engine(config.storage.url, echo=config.storage.echo)
        # A running bot may share the SQLite file: the report must not hold its write lock while it reads.
        read_engine = create_read_engine(config.storage.url, echo=config.storage.echo)
        try:
            await ensure_schema_current(engine)
            keywords = await shared_keywords(config) if args.format != "csv" and not args.evaluation else None
            async with create_session_factory(read_engine or engine)() as session:
                report = await build_report(
                    session,
                    period,
                    unit_code=args.unit,
                    tz=config.tz,
                    now=now,
                    settings=config.reports,
                    keywords=keywords,
                    language=config.app.language,
                )
        except StatsError as exc:
            print(f"qungong: --unit: {exc}")
            return EXIT_USAGE
        finally:
            if read_engine is not None:
                await read_engine.dispose()
            await engine.dispose()
        text = await asyncio.to_thread(_render, report, args, config)
        if text is not None:
            if args.out:
                args.out.write_text(text, encoding="utf-8")
                print(f"wrote {args.out}")
            else:
                print(text, end="" if text.endswith("\n") else "\n")
        return EXIT_OK

    return asyncio.run(work())
