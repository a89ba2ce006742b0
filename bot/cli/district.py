"""`qungong district`: import a real district from its own files, export it again, check what it lacks.

    qungong district import-units units.geojson [--datum gcj02] [--tolerance M2] [--dry-run]
    qungong district import-places places.csv [--datum gcj02] [--dry-run]
    qungong district import-departments departments.toml [--dry-run]
    qungong district import-people people.csv|people.xlsx [--codes FILE.csv] [--hours H] [--reissue] [--dry-run]
    qungong district export FOLDER [--datum gcj02]
    qungong district check
    qungong district eval-places LABELLED.csv [--json] [--from FOLDER]

Every import prints what it changes (with --dry-run: what it would change, and changes nothing), is
safe to run again, and retires what left the file instead of deleting it.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import build_app
from bot.cli import district_eval
from bot.config.schema import Config
from nlp.taxonomy import load_taxonomy
from storage.district.changes import Changes
from storage.district.check import check_district
from storage.district.departments import import_departments, read_departments
from storage.district.export import export_district
from storage.district.geometry import DATUMS, WGS84, DistrictFileError
from storage.district.places import (
    active_grids,
    grid_shapes,
    import_places,
    parse_places,
    read_places,
)
from storage.district.roster import IssuedCode, import_roster, read_roster
from storage.district.units import DEFAULT_TOLERANCE, import_units, read_units
from storage.migrate import ensure_schema_current
from storage.uow import UnitOfWork

EXIT_OK, EXIT_FAILURE = 0, 1
DEFAULT_INVITE_HOURS = 24 * 14  # a district hands the roster's codes out over days, not hours
Work = Callable[[UnitOfWork], Awaitable[Changes]]


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `district` and its sub-commands."""
    district = sub.add_parser("district", help="import a district's units, places, departments and staff from its own files; export; check")
    commands = district.add_subparsers(dest="district_command", metavar="DISTRICT_COMMAND", required=True)
    units = commands.add_parser("import-units", help="streets, communities and grids from a GeoJSON FeatureCollection or a Shapefile")
    units.add_argument("file", type=Path, metavar="FILE.geojson")
    units.add_argument("--datum", choices=DATUMS, default=WGS84, help="what the file's coordinates are in (default wgs84)")
    units.add_argument("--encoding", default="utf-8", help="the file's text encoding (Shapefiles are often gbk)")
    units.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, help="square metres of overlap or spill ignored (default 100)")
    units.set_defaults(func=cmd_import_units)
    places = commands.add_parser("import-places", help="the gazetteer: compounds, building ranges, road sections, landmarks (CSV)")
    places.add_argument("file", type=Path, metavar="FILE.csv")
    places.add_argument("--datum", choices=DATUMS, default=WGS84, help="what the lon and lat columns are in (default wgs84)")
    places.set_defaults(func=cmd_import_places)
    departments = commands.add_parser("import-departments", help="the district's departments (TOML or CSV), checked against the routing taxonomy")
    departments.add_argument("file", type=Path, metavar="FILE.toml")
    departments.set_defaults(func=cmd_import_departments)
    people = commands.add_parser("import-people", help="the staff roster (CSV or XLSX): people, roles, one invite code each")
    people.add_argument("file", type=Path, metavar="FILE.csv")
    people.add_argument("--codes", type=Path, metavar="OUT.csv", help="write the invite codes to this file instead of printing them")
    people.add_argument("--hours", type=float, default=DEFAULT_INVITE_HOURS, help="how long the codes stay valid (default 336, two weeks)")
    people.add_argument("--reissue", action="store_true", help="revoke the unused codes and issue new ones (codes that were lost)")
    people.set_defaults(func=cmd_import_people)
    for command in (units, places, departments, people):
        command.add_argument("--dry-run", action="store_true", help="print what would change, and change nothing")
    export = commands.add_parser("export", help="write units.geojson, places.csv, departments.toml and people.csv")
    export.add_argument("folder", type=Path, metavar="FOLDER")
    export.add_argument("--datum", choices=DATUMS, default=WGS84, help="the coordinates' datum (default wgs84)")
    export.set_defaults(func=cmd_export)
    commands.add_parser("check", help="units without a head, grids without a grid member, departments without staff, places outside their grid").set_defaults(func=cmd_check)
    district_eval.add_command(commands)


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
