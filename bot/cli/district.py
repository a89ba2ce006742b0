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
import importlib
from collections.abc import Callable
from pathlib import Path

from bot.config.schema import Config
from storage.district.options import DATUMS, DEFAULT_INVITE_HOURS, DEFAULT_TOLERANCE, WGS84

Command = Callable[[argparse.Namespace, Config], int]


def _later(module: str, name: str) -> Command:
    """Return a command that imports its module when it runs (the geometry and pinyin libraries load only then)."""

    def run(args: argparse.Namespace, config: Config) -> int:
        return int(getattr(importlib.import_module(module), name)(args, config))

    return run


def _commands(name: str) -> Command:
    """Return one of the import, export and check commands."""
    return _later("bot.cli.district_commands", name)


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `district` and its sub-commands."""
    district = sub.add_parser("district", help="import a district's units, places, departments and staff from its own files; export; check")
    commands = district.add_subparsers(dest="district_command", metavar="DISTRICT_COMMAND", required=True)
    units = commands.add_parser("import-units", help="streets, communities and grids from a GeoJSON FeatureCollection or a Shapefile")
    units.add_argument("file", type=Path, metavar="FILE.geojson")
    units.add_argument("--datum", choices=DATUMS, default=WGS84, help="what the file's coordinates are in (default wgs84)")
    units.add_argument("--encoding", default="utf-8", help="the file's text encoding (Shapefiles are often gbk)")
    units.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, help="square metres of overlap or spill ignored (default 100)")
    units.set_defaults(func=_commands("cmd_import_units"))
    places = commands.add_parser("import-places", help="the gazetteer: compounds, building ranges, road sections, landmarks (CSV)")
    places.add_argument("file", type=Path, metavar="FILE.csv")
    places.add_argument("--datum", choices=DATUMS, default=WGS84, help="what the lon and lat columns are in (default wgs84)")
    places.set_defaults(func=_commands("cmd_import_places"))
    departments = commands.add_parser("import-departments", help="the district's departments (TOML or CSV), checked against the routing taxonomy")
    departments.add_argument("file", type=Path, metavar="FILE.toml")
    departments.set_defaults(func=_commands("cmd_import_departments"))
    people = commands.add_parser("import-people", help="the staff roster (CSV or XLSX): people, roles, one invite code each")
    people.add_argument("file", type=Path, metavar="FILE.csv")
    people.add_argument("--codes", type=Path, metavar="OUT.csv", help="write the invite codes to this file instead of printing them")
    people.add_argument("--hours", type=float, default=DEFAULT_INVITE_HOURS, help="how long the codes stay valid (default 336, two weeks)")
    people.add_argument("--reissue", action="store_true", help="revoke the unused codes and issue new ones (codes that were lost)")
    people.set_defaults(func=_commands("cmd_import_people"))
    for command in (units, places, departments, people):
        command.add_argument("--dry-run", action="store_true", help="print what would change, and change nothing")
    export = commands.add_parser("export", help="write units.geojson, places.csv, departments.toml and people.csv")
    export.add_argument("folder", type=Path, metavar="FOLDER")
    export.add_argument("--datum", choices=DATUMS, default=WGS84, help="the coordinates' datum (default wgs84)")
    export.set_defaults(func=_commands("cmd_export"))
    commands.add_parser("check", help="units without a head, grids without a grid member, departments without staff, places outside their grid").set_defaults(func=_commands("cmd_check"))
    evaluate = commands.add_parser("eval-places", help="figures of the place matcher over a labelled CSV (text,grid)")
    evaluate.add_argument("file", type=Path, metavar="LABELLED.csv")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument("--from", dest="source", type=Path, metavar="FOLDER", help="read the district from FOLDER's units.geojson and places.csv instead of the database")
    evaluate.add_argument("--datum", choices=DATUMS, default=WGS84, help="with --from: the files' datum (default wgs84)")
    evaluate.set_defaults(func=_later("bot.cli.district_eval", "cmd_eval_places"))


