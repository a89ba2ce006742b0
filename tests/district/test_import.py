"""Importing a district from its own files: the example district on SQLite and PostgreSQL, again and again."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import mapping, shape
from sqlalchemy import func, select

from bot.app import App
from storage.district.check import check_district
from storage.district.export import export_district
from storage.district.geometry import DistrictFileError, wgs_to_gcj
from storage.district.units import import_units, read_units
from storage.models.access import Invite
from storage.models.people import Person, RoleBinding
from storage.models.places import GazetteerPlace
from tests.district.example import EXAMPLE, NOW, TAXONOMY, import_all

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:shapely.*")


def _features() -> dict[str, Any]:
    """Return the example's boundary file as data."""
    return dict(json.loads((EXAMPLE / "units.geojson").read_text(encoding="utf-8")))


def _write(folder: Path, data: dict[str, Any], name: str = "units.geojson") -> Path:
    """Write a boundary file."""
    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


async def test_the_example_district_imports_cleanly_and_again_changes_nothing(app: App) -> None:
    async with app.uow() as uow:
        changes, codes = await import_all(uow)
        await uow.commit()
    assert [c.summary().split(":")[0] for c in changes] == ["units", "departments", "places", "people"]
    assert [c.counts["added"] for c in changes] == [71, 17, 267, 104] and len(codes) == 104
    assert all(not c.warnings for c in changes), [c.warnings for c in changes]
    async with app.uow() as uow:
        report = await check_district(uow, TAXONOMY)
        assert report.problems == []
        again, more = await import_all(uow, now=NOW + timedelta(days=1))
        await uow.commit()
    assert [c.changed for c in again] == [False] * 4 and more == []
    async with app.uow() as uow:
        assert await uow.session.scalar(select(func.count(Invite.id))) == 104
        assert await uow.session.scalar(select(func.count(GazetteerPlace.id))) == 267
        grid = await uow.units.by_code("binjiang-01")
        assert grid is not None and grid.boundary is not None and grid.gazetteer and grid.gazetteer["compounds"]


async def test_an_export_imports_back_to_no_change(app: App, tmp_path: Path) -> None:
    async with app.uow() as uow:
        await import_all(uow)
        await uow.commit()
    async with app.uow() as uow:
        counts = await export_district(uow, tmp_path, "wgs84")
    assert counts == {"units.geojson": 71, "places.csv": 267, "departments.toml": 17, "people.csv": 104}
    async with app.uow() as uow:
        again, codes = await import_all(uow, tmp_path)
    assert [c.changed for c in again] == [False] * 4 and codes == []


async def test_moving_a_boundary_moves_the_grid_and_leaves_old_cases_alone(app: App, tmp_path: Path) -> None:
    async with app.uow() as uow:
        await import_all(uow)
        await uow.commit()
    data = _features()
    grids = {f["properties"]["code"]: f for f in data["features"]}
    a, b = shape(grids["binjiang-01"]["geometry"]), shape(grids["binjiang-02"]["geometry"])
    assert a.touches(b)
    taken = a.intersection(b.buffer(0.002))  # a strip of binjiang-01 along its edge with binjiang-02
    grids["binjiang-01"]["geometry"] = mapping(shapely.difference(a, taken))
    grids["binjiang-02"]["geometry"] = mapping(shapely.union(b, taken))
    async with app.uow() as uow:
        changes = await import_units(uow, read_units(_write(tmp_path, data), "wgs84"), NOW)
        await uow.commit()
    assert changes.counts["changed"] == 2 and all("boundary moved" in line for line in changes.lines), changes.lines
    async with app.uow() as uow:
        moved = await uow.units.by_code("binjiang-02")
        assert moved is not None and shape(moved.boundary).contains(taken.representative_point())


async def test_units_that_leave_the_file_are_retired_and_come_back(app: App, tmp_path: Path) -> None:
    async with app.uow() as uow:
        await import_all(uow)
        await uow.commit()
    data = _features()
    gone = [f for f in data["features"] if f["properties"]["code"] == "shimen-05"]
    data["features"].remove(gone[0])
    async with app.uow() as uow:
        changes = await import_units(uow, read_units(_write(tmp_path, data), "wgs84"), NOW)
        await uow.commit()
    assert changes.lines == ["- grid shimen-05 石门村第5网格 retired"]
    assert any("shimen" in w and "covered by no grid" in w for w in changes.warnings)
    async with app.uow() as uow:
        unit = await uow.units.by_code("shimen-05")
        assert unit is not None and unit.retired_at is not None
        assert "shimen-05" not in [u.code for u in await uow.units.of_kind("grid")]
        restored = await import_units(uow, read_units(EXAMPLE / "units.geojson", "wgs84"), NOW)
    assert restored.counts["restored"] == 1


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("overlap", "grids binjiang-01 and binjiang-02 overlap by"),
        ("spill", "lie outside its community binjiang"),
        ("orphan", "its parent 'nowhere' must be a community"),
        ("invalid", "invalid boundary (Self-intersection"),
        ("twice", "binjiang-01: listed twice"),
    ],
)
async def test_bad_boundaries_are_refused_and_change_nothing(app: App, tmp_path: Path, change: str, problem: str) -> None:
    data = _features()
    grids = {f["properties"]["code"]: f for f in data["features"]}
    a, b = shape(grids["binjiang-01"]["geometry"]), shape(grids["binjiang-02"]["geometry"])
    if change == "overlap":
        grids["binjiang-01"]["geometry"] = mapping(shapely.union(a, b.intersection(a.buffer(0.002))))
    elif change == "spill":
        grids["binjiang-01"]["geometry"] = mapping(a.buffer(0.003))
    elif change == "orphan":
        grids["binjiang-01"]["properties"]["parent"] = "nowhere"
    elif change == "invalid":
        x0, y0, x1, y1 = a.bounds
        grids["binjiang-01"]["geometry"] = {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y1], [x1, y0], [x0, y1], [x0, y0]]]}
    else:
        data["features"].append(grids["binjiang-01"])
    with pytest.raises(DistrictFileError) as raised:
        async with app.uow() as uow:
            await import_units(uow, read_units(_write(tmp_path, data), "wgs84"), NOW)
    assert any(problem in p for p in raised.value.problems), raised.value.problems
    async with app.uow() as uow:
        assert await uow.units.count() == 0


async def test_gcj02_boundaries_are_stored_in_wgs84(app: App, tmp_path: Path) -> None:
    data = _features()
    for feature in data["features"]:
        feature["geometry"] = mapping(shapely.transform(shape(feature["geometry"]), _to_gcj))
    async with app.uow() as uow:
        await import_units(uow, read_units(_write(tmp_path, data), "gcj02"), NOW)
        unit = await uow.units.by_code("meiling-02")
    original = next(shape(f["geometry"]) for f in _features()["features"] if f["properties"]["code"] == "meiling-02")
    assert unit is not None and shape(unit.boundary).symmetric_difference(original).area < 1e-10  # well under a square metre


def _to_gcj(points: Any) -> Any:
    """Convert an array of (lon, lat) to GCJ-02."""
    import numpy as np

    return np.array([wgs_to_gcj(float(x), float(y)) for x, y in points])


async def test_the_roster_again_with_one_person_gone_and_one_moved(app: App, tmp_path: Path) -> None:
    async with app.uow() as uow:
        await import_all(uow)
        await uow.commit()
    lines = (EXAMPLE / "people.csv").read_text(encoding="utf-8").splitlines()
    leaving = next(line for line in lines if ",grid_member,binjiang-01," in line)
    moving = next(line for line in lines if ",grid_member,binjiang-02," in line)
    kept = [line for line in lines if line != leaving]
    kept[kept.index(moving)] = moving.replace("binjiang-02", "binjiang-01")
    roster = tmp_path / "people.csv"
    roster.write_text("\n".join(kept) + "\n", encoding="utf-8")
    from storage.district.roster import import_roster, read_roster

    async with app.uow() as uow:
        changes, codes = await import_roster(uow, read_roster(roster), NOW, timedelta(days=14))
        await uow.commit()
        report = await check_district(uow, TAXONOMY)
    assert changes.counts["retired"] == 1 and changes.counts["changed"] == 1 and codes == []
    assert report.problems == ["grid binjiang-02 (滨江社区第2网格) has no grid member"]
    async with app.uow() as uow:
        gone = (await uow.session.scalars(select(Person).where(Person.phone == leaving.split(",")[1]))).one()
        assert gone.retired_at is not None
        assert (await uow.session.scalars(select(RoleBinding).where(RoleBinding.person_id == gone.id))).all() == []
        assert all(i.revoked_at is not None for i in (await uow.session.scalars(select(Invite).where(Invite.person_id == gone.id))).all())


async def test_places_need_known_grids_and_points_inside_the_district(app: App, tmp_path: Path) -> None:
    async with app.uow() as uow:
        await import_all(uow)
        await uow.commit()
    from storage.district.places import active_grids, grid_shapes, parse_places, read_places

    bad = tmp_path / "places.csv"
    bad.write_text("code,kind,name,grid,lon,lat,from,to\nX1,compound,某小区,nowhere,,,,\nX2,landmark,某站,,100.0,20.0,,\nX3,road,某路,binjiang-01,,,9,3\nX4,castle,某堡,binjiang-01,,,,\n", encoding="utf-8")
    async with app.uow() as uow:
        shapes = grid_shapes(await active_grids(uow))
    with pytest.raises(DistrictFileError) as raised:
        parse_places(read_places(bad), shapes, "wgs84")
    assert raised.value.problems == [
        "line 2: unknown grid 'nowhere'",
        "line 3: 某站 at (100.0, 20.0) lies in no grid",
        "line 4: from 9 is after to 3",
        "line 5: needs a kind (compound, building, road, landmark), a name and a parity of odd, even or all",
    ]


async def test_departments_are_checked_against_the_taxonomy(app: App, tmp_path: Path) -> None:
    from storage.district.departments import import_departments, read_departments

    async with app.uow() as uow:
        await import_units(uow, read_units(EXAMPLE / "units.geojson", "wgs84"), NOW)
        path = tmp_path / "departments.csv"
        path.write_text("code,name,community_level,sla_hours\ndispatch,指挥中心,,24\nchengguan,城管局,,48\nwenlv,文旅局,,72\n", encoding="utf-8")
        changes = await import_departments(uow, read_departments(path), NOW, TAXONOMY)
        await uow.flush()
        report = await check_district(uow, TAXONOMY)
        unit = await uow.units.by_code("wenlv")
    assert unit is not None and unit.kind == "department" and unit.sla_hours == 72
    assert any("wenlv (文旅局) is not in the routing taxonomy" in w for w in changes.warnings)
    assert any("the routing taxonomy's shizheng is not in the file" in w for w in changes.warnings)
    assert not any("shequ" in w for w in changes.warnings)  # community matters go to the grid anyway
    assert any("shizheng has no department" in p for p in report.problems)
    assert any("department wenlv (文旅局) has no head" in p for p in report.problems)


async def test_a_shapefile_export_of_the_grids_reads_like_the_geojson(tmp_path: Path) -> None:
    import shapefile

    base = tmp_path / "units"
    with shapefile.Writer(str(base), shapeType=shapefile.POLYGON, encoding="gbk") as writer:
        for name in ("code", "name", "level", "parent"):
            writer.field(name, "C", size=64)
        for feature in _features()["features"]:
            writer.shape(feature["geometry"])
            writer.record(*(feature["properties"][k] for k in ("code", "name", "level", "parent")))
    from_shapefile = read_units(base.with_suffix(".shp"), "wgs84", encoding="gbk")
    from_geojson = read_units(EXAMPLE / "units.geojson", "wgs84")
    assert [(r.code, r.name, r.level, r.parent or "") for r in from_shapefile] == [(r.code, r.name, r.level, r.parent or "") for r in from_geojson]
    assert all(a.geometry.symmetric_difference(b.geometry).area < 1e-12 for a, b in zip(from_shapefile, from_geojson, strict=True))


async def test_the_departments_own_limits_set_the_lights_unless_the_configuration_says_otherwise(app: App) -> None:
    from scheduler.wiring import load_supervision
    from tests.settings import config_for

    async with app.uow() as uow:
        await import_all(uow)
        await uow.commit()
    supervision = await load_supervision(app.session_factory, app.config)
    gas = supervision.hours_for("ranqi")  # sla_hours = 12 in the example
    assert (gas.sign_hours, gas.yellow_hours, gas.red_hours) == (4.0, 6.0, 12.0)
    assert supervision.hours_for("nowhere").red_hours == 48.0
    configured = config_for(app.config.storage.url, QUNGONG_SLA__DEPARTMENT__RANQI__RED_HOURS="30", QUNGONG_SLA__DEPARTMENT__RANQI__YELLOW_HOURS="20")
    assert (await load_supervision(app.session_factory, configured)).hours_for("ranqi").red_hours == 30.0
