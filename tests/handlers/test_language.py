"""Each person's language: chosen in any menu (or typed), kept on the person, used for their replies and for every push to them."""

from __future__ import annotations

from handlers.messages import outbound_from_payload
from storage.models.people import Person
from tests.districts import District
from tests.handlers.chat import report


async def _language(district: District, key: str) -> str | None:
    async with district.app.uow() as uow:
        person = await uow.people.by_demo_key(key)
        assert isinstance(person, Person)
        return person.language


async def test_a_resident_switches_to_english_from_the_menu_and_back_by_command(district: District) -> None:
    resident = district.chat("resident-1")
    await resident.say("菜单")
    await resident.press("语言 / Language")
    assert "Choose your language" in resident.text
    await resident.press("English")
    assert "in English" in resident.text and "Report an issue" in [b.label for m in resident.last for b in m.buttons]
    assert await _language(district, "resident-1") == "en"
    await resident.say("帮助")
    assert "The QunGong service platform can help you" in resident.text
    await resident.say("/language zh")
    assert "以后用中文" in resident.text
    assert await _language(district, "resident-1") == "zh"
    await resident.say("/language klingon")
    assert "中文、English" in resident.text
    assert await _language(district, "resident-1") == "zh"


async def test_pushes_are_written_in_each_readers_language(district: District) -> None:
    department = district.chat("dept-shizheng")
    await department.say("/language en")
    assert "Language / 语言" in [b.label for m in department.last for b in m.buttons]  # in the work menu too
    resident = district.chat("resident-1")
    case = await report(resident, "桂香苑7栋门口的井盖松动了")
    pushed = await department.inbox()
    messages = [outbound_from_payload(row.payload) for row in pushed]
    new_case = next(m for m in messages if case.number in m.text)
    assert new_case.text.startswith("[New case]"), new_case.text
    assert new_case.language == "en"
    department.last = [new_case]
    await department.press("Open")
    labels = [b.label for m in department.last for b in m.buttons]
    assert "Accept" in labels, labels
    await department.press("Accept")
    told = [outbound_from_payload(row.payload) for row in await resident.inbox()]
    signed = next(m for m in told if case.number in m.text and "签收" in m.text)
    assert signed.language is None  # the resident chose no language: the district's (Chinese)
