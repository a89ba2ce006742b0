"""Typical cases: asked in the revisit, published by the command center with a redacted, reviewed text (an event
in the case's history), shown on the public page with nothing personal, taken off again by either side."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from handlers.messages import outbound_from_payload
from storage.cases.lifecycle import Action
from storage.cases.publication import publication_of
from storage.models.cases import Case
from tests.districts import District
from tests.handlers.chat import Chat, report
from tests.handlers.staff import staff_act

TEXT = "桂香苑7栋门口的井盖松动了，王大爷差点摔倒，我电话13912345678"


async def _closed_case(district: District, chat: Chat, *, consent: str) -> Case:
    """Report, handle and complete a case, answer the revisit happily, then answer the consent question."""
    case = await report(chat, TEXT)
    await staff_act(district, "dept-shizheng", case.id, Action.SIGN)
    await staff_act(district, "dept-shizheng", case.id, Action.COMPLETE, note="已更换井盖，并告知张三本人")
    revisit = next(p for p in await chat.inbox() if p.kind == "revisit")
    chat.last = [outbound_from_payload(revisit.payload)]
    await chat.press("已解决")
    await chat.press("满意")
    assert "可以匿名公开这件事的处理结果吗？" in chat.text
    await chat.press(consent)
    return case


async def _events(district: District, case_id: int) -> list[tuple[str, str, str | None]]:
    async with district.app.uow() as uow:
        return [(e.action, e.actor_role, e.note) for e in await uow.events.for_case(case_id)]


async def test_publish_with_consent_then_unpublish(district: District, web: TestClient) -> None:
    resident = district.chat("resident-1")
    case = await _closed_case(district, resident, consent="可以")
    assert "可能会把诉求" in resident.text
    center = district.chat("dispatcher-1")
    await center.say("菜单")
    await center.press("可公开案例")
    assert case.number in center.text
    await center.press(case.number)
    assert "居民同意匿名公开" in center.text
    await center.press("公开为典型案例")
    removed, proposal = center.text.split("\n", 1)  # what was taken out (for the dispatcher), then the text
    assert "13912345678" in removed and "王大爷" in removed
    assert "13912345678" not in proposal and "张三" not in proposal and "[电话已隐去]" in proposal and "某大爷" in proposal
    assert "处理结果：已更换井盖" in proposal
    await center.press("确认公开")
    assert "已作为典型案例公开" in center.text
    events = await _events(district, case.id)
    assert events[-1][0] == "publish" and events[-1][1] == "command_center" and "13912345678" not in (events[-1][2] or "")

    page = await (await web.get("/public/?month=2026-11")).text()
    assert "已更换井盖" in page and "13912345678" not in page and "张三" not in page and case.number not in page
    assert (await web.get("/public/")).headers["Cache-Control"].startswith("public, max-age=")
    for month in ("2099-01", "1999-12", "2026-13", "nov"):
        assert (await web.get(f"/public/?month={month}")).status == 400

    await center.send_button_of(case)
    await center.press("撤下典型案例")
    assert "已撤下" in center.text
    assert (await _events(district, case.id))[-1][:2] == ("unpublish", "command_center")


async def test_no_consent_no_publishing_and_a_late_no_takes_it_off(district: District) -> None:
    resident = district.chat("resident-1")
    refused = await _closed_case(district, resident, consent="不可以")
    center = district.chat("dispatcher-1")
    await center.send_button_of(refused)
    assert "居民不同意公开" in center.text and "公开为典型案例" not in [b.label for m in center.last for b in m.buttons]
    await center.send_raw(f"kp:propose:{refused.id}")
    assert "现在不能公开" in center.text

    agreed = await _closed_case(district, resident, consent="可以")
    await center.send_raw(f"kp:propose:{agreed.id}")
    await center.press("自己改写")
    await center.say("井盖松动，有居民电话 13912345678 反映")
    assert "还有电话号码或证件号" in center.text
    await center.say("井盖松动，部门当天更换了井盖。")
    assert "已作为典型案例公开" in center.text
    await resident.send_raw(f"kc:{agreed.id}:0")  # the resident changes their mind
    async with district.app.uow() as uow:
        publication = await publication_of(uow.session, agreed.id)
        assert publication is not None and publication.consent is False and publication.published_at is None
    assert [e[:2] for e in await _events(district, agreed.id)][-2:] == [("publish", "command_center"), ("unpublish", "system")]


async def test_only_the_command_center_publishes(district: District) -> None:
    case = await _closed_case(district, district.chat("resident-1"), consent="可以")
    for who in ("leader-district", "dept-shizheng", "resident-2"):
        chat = district.chat(who)
        await chat.send_raw(f"kp:confirm:{case.id}")
        assert "已作为典型案例公开" not in chat.text
    await district.chat("resident-2").send_raw(f"kc:{case.id}:0")
    async with district.app.uow() as uow:
        publication = await publication_of(uow.session, case.id)
        assert publication is not None and publication.consent is True and publication.published_at is None
