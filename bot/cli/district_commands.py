"""The `qungong district` commands that import, export and check (loaded when one of them runs)."""

from __future__ import annotations

import argparse
import asyncio
import csv
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import build_app
from bot.config.schema import Config
from nlp.taxonomy import load_taxonomy
from storage.district.changes import Changes
from storage.district.check import check_district
from storage.district.departments import import_departments, read_departments
from storage.district.export import export_district
from storage.district.geometry import DistrictFileError
from storage.district.places import (
    active_grids,
    grid_shapes,
    import_places,
    parse_places,
    read_places,
)
from storage.district.roster import IssuedCode, import_roster, read_roster
from storage.district.units import import_units, read_units
from storage.migrate import ensure_schema_current
from storage.uow import UnitOfWork

EXIT_OK, EXIT_FAILURE = 0, 1
Work = Callable[[UnitOfWork], Awaitable[Changes]]


def _run(config: Config, work: Callable[[UnitOfWork], Awaitable[int]]) -> int:
    """Run one task in a unit of work on the configured (migrated) database; file problems print one a line."""

    async def runner() -> int:
        app = build_app(config)
        try:
            await ensure_schema_current(app.engine)
            async with app.uow() as uow:
                return await work(uow)
        except DistrictFileError as exc:
            for problem in exc.problems:
                print(f"qungong: {problem}")
            return EXIT_FAILURE
        finally:
            await app.close()

    return asyncio.run(runner())


def _import(config: Config, dry_run: bool, work: Work, after: Callable[[], None] | None = None) -> int:
    """Run an import, print its changes, and commit unless it is a dry run."""

    async def runner(uow: UnitOfWork) -> int:
        changes = await work(uow)
        print(changes.summary() + (" (dry run: nothing was changed)" if dry_run else ""))
        for line in changes.lines:
            print(f"  {line}")
        for warning in changes.warnings:
            print(f"  warning: {warning}")
        if not dry_run:
            await uow.commit()
            if after is not None and (changes.changed or after is not _restart_note):
                after()
        return EXIT_OK

    return _run(config, runner)


def cmd_import_units(args: argparse.Namespace, config: Config) -> int:
    """Import streets, communities and grids."""
    now = datetime.now(UTC)

    async def work(uow: UnitOfWork) -> Changes:
        return await import_units(uow, read_units(args.file, args.datum, args.encoding), now, args.tolerance)

    return _import(config, args.dry_run, work, _restart_note)


def cmd_import_places(args: argparse.Namespace, config: Config) -> int:
    """Import the gazetteer."""
    now = datetime.now(UTC)

    async def work(uow: UnitOfWork) -> Changes:
        shapes = grid_shapes(await active_grids(uow))
        return await import_places(uow, parse_places(read_places(args.file), shapes, args.datum), now)

    return _import(config, args.dry_run, work, _restart_note)


def cmd_import_departments(args: argparse.Namespace, config: Config) -> int:
    """Import the departments."""
    now = datetime.now(UTC)
    taxonomy = load_taxonomy(config.nlp_settings().taxonomy_path).codes

    async def work(uow: UnitOfWork) -> Changes:
        return await import_departments(uow, read_departments(args.file), now, taxonomy)

    return _import(config, args.dry_run, work, _restart_note)


def cmd_import_people(args: argparse.Namespace, config: Config) -> int:
    """Import the staff roster and hand out the invite codes."""
    if args.hours <= 0:
        print("qungong: --hours must be more than 0")
        return EXIT_FAILURE
    now = datetime.now(UTC)
    issued: list[IssuedCode] = []

    async def work(uow: UnitOfWork) -> Changes:
        changes, codes = await import_roster(uow, read_roster(args.file), now, timedelta(hours=args.hours), reissue=args.reissue)
        issued.extend(codes)
        if codes:
            changes.lines.append(f"{'would issue' if args.dry_run else 'issued'} {len(codes)} invite code(s)")
        return changes

    def hand_out() -> None:
        _print_codes(issued, args.codes, config)

    return _import(config, args.dry_run, work, hand_out)


def _print_codes(codes: list[IssuedCode], out: Path | None, config: Config) -> None:
    """Print the invite codes, or write them to OUT (name, masked phone, role, unit, code, valid until)."""
    rows = [[c.name, c.phone, c.role, c.unit, c.code, c.expires_at.astimezone(config.tz).strftime("%Y-%m-%d %H:%M")] for c in codes]
    if out is not None:
        with out.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["name", "phone", "role", "unit", "code", "valid_until"])
            writer.writerows(rows)
        print(f"wrote {len(rows)} invite code(s) to {out}: each person sends 绑定 CODE to the bot once")
        return
    if rows:
        print("invite codes (each shown once; the person sends 绑定 CODE to the bot):")
    for row in rows:
        print("  " + "  ".join(str(v) for v in row))


def _restart_note() -> None:
    """Remind that a running QunGong reads the district when it starts."""
    print("a running `qungong run` reads units, places and departments when it starts: restart it to serve the change")


def cmd_export(args: argparse.Namespace, config: Config) -> int:
    """Export the district."""

    async def work(uow: UnitOfWork) -> int:
        counts = await export_district(uow, args.folder, args.datum)
        for name, count in counts.items():
            print(f"wrote {args.folder / name} ({count} rows)")
        return EXIT_OK

    return _run(config, work)


def cmd_check(args: argparse.Namespace, config: Config) -> int:
    """Report what the district still lacks; exit 1 when anything does."""
    taxonomy = load_taxonomy(config.nlp_settings().taxonomy_path).codes

    async def work(uow: UnitOfWork) -> int:
        report = await check_district(uow, taxonomy)
        for problem in report.problems:
            print(f"problem: {problem}")
        for note in report.notes:
            print(note)
        print(f"{len(report.problems)} problem(s)" if report.problems else "district check: clean")
        return EXIT_FAILURE if report.problems else EXIT_OK

    return _run(config, work)
