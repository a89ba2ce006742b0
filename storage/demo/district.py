"""Load the demo district (units, departments, people with their roles and simulator accounts)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from storage.models.people import ChannelAccount, Person, Unit
from storage.uow import UnitOfWork

DEMO_DISTRICT = Path(__file__).resolve().parent / "data" / "demo_district.toml"
SIMULATOR_CHANNEL = "sim"
COMMAND_CENTER_CODE = "dispatch"
COMMUNITY_DEPARTMENT_CODE = "shequ"


@dataclass(frozen=True)
class DemoSummary:
    """What loading the demo district created."""

    units: int
    people: int
    loaded: bool


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML data file."""
    with path.open("rb") as fh:
        return tomllib.load(fh)


async def load_demo_district(
    uow: UnitOfWork, now: datetime, taxonomy_path: Path, district_path: Path = DEMO_DISTRICT
) -> DemoSummary:
    """Load the demo district into an empty database; do nothing when units already exist."""
    if await uow.units.count() > 0:
        return DemoSummary(units=0, people=0, loaded=False)
    district = read_toml(district_path)
    taxonomy = read_toml(taxonomy_path)
    units = await _load_units(uow, district, taxonomy)
    people = await _load_people(uow, district["person"], units, now)
    await uow.flush()
    return DemoSummary(units=len(units), people=people, loaded=True)


async def _load_units(uow: UnitOfWork, district: dict[str, Any], taxonomy: dict[str, Any]) -> dict[str, Unit]:
    """Create the organisation tree, the departments and the command center."""
    units: dict[str, Unit] = {}

    async def add(code: str, name: str, kind: str, parent: Unit | None, **extra: Any) -> Unit:
        unit = uow.units.add(Unit(code=code, name=name, kind=kind, parent_id=parent.id if parent else None, **extra))
        await uow.flush()
        units[code] = unit
        return unit

    root = await add(district["district"]["code"], district["district"]["name"], "district", None)
    for street in district["street"]:
        street_unit = await add(street["code"], street["name"], "street", root)
        for community in street["community"]:
            community_unit = await add(community["code"], community["name"], "community", street_unit)
            for grid in community["grid"]:
                await add(
                    grid["code"],
                    grid["name"],
                    "grid",
                    community_unit,
                    centre_lon=grid["centre"][0],
                    centre_lat=grid["centre"][1],
                    polygon=grid["polygon"],
                    gazetteer={"compounds": grid["compounds"], "roads": grid["roads"]},
                )
    for department in taxonomy["department"]:
        if department["code"] == COMMUNITY_DEPARTMENT_CODE:
            continue  # community matters go to the grid and community of the place
        kind = "command_center" if department["code"] == COMMAND_CENTER_CODE else "department"
        await add(department["code"], department["name_zh"], kind, root)
    return units


async def _load_people(
    uow: UnitOfWork, people: list[dict[str, Any]], units: dict[str, Unit], now: datetime
) -> int:
    """Create the demo people, bind staff to their units and give everyone a simulator account."""
    for entry in people:
        unit = units[entry["unit"]]
        resident = entry["role"] == "resident"
        person = uow.people.add(
            Person(
                name=entry["name"],
                phone=entry.get("phone"),
                registered_unit_id=unit.id if resident else None,
                demo_key=entry["key"],
                created_at=now,
            )
        )
        await uow.flush()
        if not resident:
            await uow.people.bind(person.id, entry["role"], unit.id, now)
        if entry.get("head"):
            unit.head_person_id = person.id
        uow.people.add_account(
            ChannelAccount(
                channel=SIMULATOR_CHANNEL,
                external_id=entry["key"],
                chat_id=entry["key"],
                person_id=person.id,
                created_at=now,
            )
        )
    return len(people)
