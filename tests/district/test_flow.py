"""A resident of the imported example district reports; the place they name reaches the right grid's member."""

from __future__ import annotations

import csv

from storage.models.people import Unit
from tests.district.conftest import Yunxi
from tests.district.example import EXAMPLE
from tests.handlers.chat import Chat, latest_case

LITTER = "楼道里堆满了杂物和纸箱，邻居说了也不清理"  # community matters: the grid of the place


def _place(kind: str, name: str) -> dict[str, str]:
    """Return the example's first place of a kind and name."""
    with (EXAMPLE / "places.csv").open(encoding="utf-8") as fh:
        return next(row for row in csv.DictReader(fh) if row["kind"] == kind and row["name"] == name)


async def _describe(chat: Chat, text: str = LITTER) -> None:
    """Start a report and describe the problem, up to the place question."""
    await chat.say("我要反映")
    await chat.press("投诉")
    await chat.say(text)
    await chat.press("说完了")
    assert "发生在哪里" in chat.text


async def _finish(chat: Chat) -> None:
    """Accept the routing, leave no phone and submit."""
    await chat.press("确认")
    await chat.press("不留电话")
    await chat.press("提交")
    assert "已受理" in chat.text, chat.text


async def _grid_of(yunxi: Yunxi, unit_id: int | None) -> str:
    """Return a unit's code."""
    async with yunxi.district.app.uow() as uow:
        unit = await uow.session.get(Unit, unit_id) if unit_id else None
        return unit.code if unit else "-"


async def test_a_report_reaches_the_grid_member_who_binds_with_the_roster_code(yunxi: Yunxi) -> None:
    row = _place("compound", "教师新村")
    resident = yunxi.district.chat("new:resident")
    await _describe(resident)
    await resident.say("教师宿舍7栋")  # an alias of 教师新村
    await _finish(resident)
    case = await latest_case(yunxi.district.app)
    assert await _grid_of(yunxi, case.grid_id) == row["grid"] and await _grid_of(yunxi, case.current_unit_id) == row["grid"]
    member = yunxi.district.chat("new:member")
    await member.say(f"绑定 {yunxi.codes[('grid_member', row['grid'])]}")
    assert "绑定成功" in member.text and "网格员" in member.text
    pushed = [m.payload["text"] for m in await member.inbox()]
    assert any(f"【新派单】{case.number}" in text for text in pushed), pushed  # queued before they bound, delivered after
    await member.say("我是谁")
    with (EXAMPLE / "people.csv").open(encoding="utf-8") as fh:
        name = next(r["name"] for r in csv.DictReader(fh) if r["role"] == "grid_member" and r["unit"] == row["grid"])
    assert name in member.text and "网格员" in member.text, member.text  # the chat is now the roster's person


async def test_a_compound_name_in_two_communities_is_asked_about(yunxi: Yunxi) -> None:
    resident = yunxi.district.chat("new:twins")
    await _describe(resident)
    await resident.say("建设小区")
    assert "有几处相近的地方" in resident.text
    labels = [b.label for m in resident.last for b in m.buttons]
    assert len([label for label in labels if label.startswith("建设小区（")]) == 2 and "都不是" in labels
    await resident.press(labels[1])
    await _finish(resident)
    case = await latest_case(yunxi.district.app)
    assert case.address == "建设小区" and labels[1].endswith(f"{(await _unit_name(yunxi, case.grid_id))}）")


async def _unit_name(yunxi: Yunxi, unit_id: int | None) -> str:
    """Return a unit's name."""
    async with yunxi.district.app.uow() as uow:
        unit = await uow.session.get(Unit, unit_id) if unit_id else None
        return unit.name if unit else "-"


async def test_a_house_number_picks_the_road_section(yunxi: Yunxi) -> None:
    section = _place("road", "长江路")
    number = (int(section["from"]) + int(section["to"])) // 2
    resident = yunxi.district.chat("new:road")
    await _describe(resident, "路边的垃圾桶满了好几天没人清运")
    await resident.say(f"长江路{number}号")
    await _finish(resident)
    case = await latest_case(yunxi.district.app)
    assert await _grid_of(yunxi, case.grid_id) == section["grid"]


async def test_not_found_twice_keeps_the_residents_words_never_the_filler(yunxi: Yunxi) -> None:
    resident = yunxi.district.chat("new:lost")
    await _describe(resident)
    await resident.say("老火车站后面那排平房")
    assert "没能识别这个地点" in resident.text
    await resident.say("确认")
    assert "已记下您的描述「老火车站后面那排平房」" in resident.text
    await _finish(resident)
    case = await latest_case(yunxi.district.app)
    assert case.address == "老火车站后面那排平房" and case.grid_id is None
    assert await _grid_of(yunxi, case.current_unit_id) == "dispatch"  # the command center places it


async def test_i_dont_know_goes_on_without_a_place(yunxi: Yunxi) -> None:
    resident = yunxi.district.chat("new:unsure")
    await _describe(resident)
    await resident.say("不知道")
    assert "将转交" in resident.text  # straight on to the routing, nothing kept as an address
    await resident.press("确认")
    await resident.press("不留电话")
    assert "地点：地点待确认" in resident.text
    await resident.press("提交")
    case = await latest_case(yunxi.district.app)
    assert case.address is None and case.grid_id is None


async def test_a_shared_location_lands_in_the_grid_around_it(yunxi: Yunxi) -> None:
    landmark = _place("landmark", "云溪公园")
    resident = yunxi.district.chat("new:gps")
    await _describe(resident)
    await resident.location(float(landmark["lat"]), float(landmark["lon"]))
    await _finish(resident)
    case = await latest_case(yunxi.district.app)
    assert await _grid_of(yunxi, case.grid_id) == landmark["grid"]
