"""`qungong district eval-places`: the place matcher's figures over a labelled set of phrasings.

    qungong district eval-places LABELLED.csv [--json]              # the district in the configured database
    qungong district eval-places LABELLED.csv --from examples/DIR   # straight from a district's files

LABELLED.csv has a `text` column (a place as a resident would put it) and a `grid` column (the code of
the grid it lies in). The figures: top-1 grid accuracy, how often the matcher asks back, how often it
is wrong without asking, and the phrasings it got wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from bot.app import build_app
from bot.config.schema import Config
from handlers.places import load_place_finder
from handlers.texts import load_texts
from nlp.errors import NlpInputError
from nlp.places.evaluate import evaluate_places, read_labelled_places
from nlp.places.gazetteer import Gazetteer, PlaceEntry, UnitInfo
from nlp.places.matcher import PlaceMatcher
from storage.district.geometry import WGS84, DistrictFileError
from storage.district.places import parse_places, read_places
from storage.district.units import read_units
from storage.migrate import ensure_schema_current

EXIT_OK, EXIT_FAILURE = 0, 1


def matcher_from_files(folder: Path, datum: str = WGS84) -> PlaceMatcher:
    """Build the matcher from a district's units.geojson and places.csv, as the import would store them."""
    units = read_units(folder / "units.geojson", datum)
    shapes = {u.code: u.geometry for u in units if u.level == "grid"}
    places = parse_places(read_places(folder / "places.csv"), shapes, datum)
    infos = [UnitInfo(u.code, u.name, u.level, u.parent) for u in units if u.level != "district"]
    entries = [
        PlaceEntry(p.key, p.name, p.kind, p.grid, p.aliases, p.number_from, p.number_to, p.parity, p.category)
        for p in places
    ]
    return PlaceMatcher(Gazetteer.build(infos, entries))


async def _matcher_from_database(config: Config) -> PlaceMatcher:
    """Build the matcher the running app would use, from the configured database."""
    app = build_app(config)
    try:
        await ensure_schema_current(app.engine)
        async with app.uow() as uow:
            finder = await load_place_finder(uow, load_texts(config.app.language))
        return finder.matcher
    finally:
        await app.close()


def cmd_eval_places(args: argparse.Namespace, config: Config) -> int:
    """Evaluate the place matcher on a labelled set."""
    try:
        labelled = read_labelled_places(args.file)
        matcher = matcher_from_files(args.source, args.datum) if args.source else asyncio.run(_matcher_from_database(config))
    except (DistrictFileError, NlpInputError) as exc:
        print(f"qungong: {exc}")
        return EXIT_FAILURE
    report = evaluate_places(matcher, labelled)
    print(json.dumps(report.to_json(), ensure_ascii=False, indent=1) if args.json else report.format())
    return EXIT_OK
