"""The example district 云溪区 (examples/yunxi/) imported into a test database, as `qungong district import-*` would."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import build_app
from nlp import NlpSettings
from nlp.taxonomy import load_taxonomy
from storage.district.changes import Changes
from storage.district.departments import import_departments, read_departments
from storage.district.places import (
    active_grids,
    grid_shapes,
    import_places,
    parse_places,
    read_places,
)
from storage.district.roster import IssuedCode, import_roster, read_roster
from storage.district.units import import_units, read_units
from storage.uow import UnitOfWork
from tests.settings import config_for

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "yunxi"
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
TAXONOMY = load_taxonomy(NlpSettings().taxonomy_path).codes


async def import_all(uow: UnitOfWork, folder: Path = EXAMPLE, now: datetime = NOW, *, datum: str = "wgs84") -> tuple[list[Changes], list[IssuedCode]]:
    """Import the four files of a district folder in one unit of work (not committed)."""
    done = [await import_units(uow, read_units(folder / "units.geojson", datum), now)]
    done.append(await import_departments(uow, read_departments(folder / "departments.toml"), now, TAXONOMY))
    shapes = grid_shapes(await active_grids(uow))
    done.append(await import_places(uow, parse_places(read_places(folder / "places.csv"), shapes, datum), now))
    people, codes = await import_roster(uow, read_roster(folder / "people.csv"), now, timedelta(days=14))
    return [*done, people], codes


async def import_example(url: str, codes_file: Path | None = None) -> list[IssuedCode]:
    """Import the example district into a migrated database; keep its invite codes in CODES_FILE."""
    app = build_app(config_for(url))
    try:
        async with app.uow() as uow:
            _, codes = await import_all(uow)
            await uow.commit()
    finally:
        await app.close()
    if codes_file is not None:
        codes_file.write_text(json.dumps([[c.role, c.unit, c.code] for c in codes]), encoding="utf-8")
    return codes


def read_codes(codes_file: Path) -> dict[tuple[str, str], str]:
    """Return the invite codes by (role, unit)."""
    return {(role, unit): code for role, unit, code in json.loads(codes_file.read_text(encoding="utf-8"))}
