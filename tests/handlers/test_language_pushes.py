"""Every push in its reader's language: the scheduler's nudges, revisits, wish reminders, leader reports and
administrators' warnings, and the dispatcher's own apologies, each written for the person who reads it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from bot.app import build_app
from handlers.messages import outbound_from_payload
from scheduler.calendar_check import check_calendar
from scheduler.jobs import JOBS, light_sweep, revisit_followup
from scheduler.wiring import JobDeps
from scheduler.wish_jobs import wish_reminders
from storage.cases.lifecycle import Action
from storage.models.chat import OutboxMessage
from storage.models.people import Person
from tests.districts import District
from tests.handlers.chat import report
from tests.handlers.staff import staff_act
from tests.settings import config_for
from tests.wishes.helpers import op, seeded_wish


async def _pushed(district: District, kind: str) -> dict[str, OutboxMessage]:
    """Return the queued pushes of a kind by their reader's demo key."""
    async with district.app.uow() as uow:
        query = select(OutboxMessage, Person.demo_key).join(Person, Person.id == OutboxMessage.person_id).where(OutboxMessage.kind == kind)
        return {key: row for row, key in (await uow.session.execute(query)).all()}


async def test_light_nudges_and_the_explanation_request_follow_each_readers_language(district: District) -> None:
    staff = district.chat("dept-shizheng")
    await staff.say("/language en")
    case = await report(district.chat("resident-1"), "东湖路上有个大坑")
    await staff_act(district, "dept-shizheng", case.id, Action.SIGN)
    deps = JobDeps(session_factory=district.app.session_factory, settings=district.app.config)
    await light_sweep(deps, district.clock() + timedelta(hours=49))
    red = await _pushed(district, "light_red")
    english = outbound_from_payload(red["dept-shizheng"].payload)
    assert english.text.startswith(f"[Red light] Case {case.number}"), english.text
    assert [b.label for b in english.buttons] == ["Open case"] and english.language == "en"
    others = [outbound_from_payload(row.payload) for key, row in red.items() if key != "dept-shizheng"]
    assert others and all(m.text.startswith("【红灯督办】") and m.language is None for m in others)
    request = (await _pushed(district, "explanation_request"))["dept-shizheng"]
    assert request.payload["text"].startswith(f"[Explanation] Case {case.number}")
    yellow = outbound_from_payload((await _pushed(district, "light_yellow"))["dept-shizheng"].payload)
    assert yellow.text.startswith("[Yellow light]")
    staff.last = [english]
    await staff.press("Open case")  # the button still opens the card
    assert case.number in staff.text


async def test_the_revisit_question_reminder_and_phone_task_in_each_readers_language(district: District) -> None:
    resident = district.chat("resident-1")
    case = await report(resident, "东湖路上有个大坑")
    await resident.say("/language en")
    await staff_act(district, "dept-shizheng", case.id, Action.SIGN)
    await staff_act(district, "dept-shizheng", case.id, Action.COMPLETE, note="已修补")
    asked = [outbound_from_payload(r.payload) for r in await resident.inbox() if r.kind == "revisit"]
    assert asked and asked[0].text == f"Your case {case.number} has been completed. Has the problem been solved?"
    deps = JobDeps(session_factory=district.app.session_factory, settings=district.app.config)
    await revisit_followup(deps, district.clock() + timedelta(hours=73))
    reminder = (await _pushed(district, "revisit"))["resident-1"]
    assert reminder.payload["text"].startswith(f"Hello, case {case.number} was completed")
    assert reminder.payload["language"] == "en"
    phone = (await _pushed(district, "revisit_phone"))["dispatcher-1"]
    assert phone.payload["text"].startswith("【电话回访】") and "language" not in phone.payload


async def test_wish_reminders_in_each_readers_language(local_district: District) -> None:
    deps = JobDeps(session_factory=local_district.app.session_factory, settings=local_district.app.config)
    t0 = local_district.clock()
    party = local_district.chat("party-1")
    await party.say("/language en")
    unclaimed = await seeded_wish(local_district, by_days=30)
    claimed = await seeded_wish(local_district, by_days=5)
    await op(party, "claim", claimed)
    await wish_reminders(deps, t0 + timedelta(days=10, hours=1))
    async with local_district.app.uow() as uow:
        query = select(OutboxMessage, Person.demo_key).join(Person, Person.id == OutboxMessage.person_id).where(OutboxMessage.kind == "wish_reminder")
        rows = [(key, outbound_from_payload(row.payload)) for row, key in (await uow.session.execute(query)).all()]
    claimant = next(m for key, m in rows if key == "party-1")
    assert claimant.text.startswith(f"[Micro-wish reminder] The micro-wish #{claimed} you claimed")
    assert [b.label for b in claimant.buttons] == ["Report fulfilled", "Release the wish"], claimant.buttons
    community = [m for key, m in rows if key == "community-guixiang"]
    assert any(m.text.startswith(f"【微心愿无人认领】#{unclaimed}（老人）") for m in community)
    assert any(m.text.startswith(f"【微心愿超期】#{claimed}（老人）") for m in community)


async def test_calendar_warning_in_each_administrators_language(district: District) -> None:
    admin = district.chat("admin")
    await admin.say("/language en")
    config = district.app.config
    now = datetime(2099, 6, 1, tzinfo=UTC)
    assert await check_calendar(district.app.session_factory, config.tz, 30, config.app.language, now) == [2099]
    warned = await _pushed(district, "calendar_missing")
    assert warned["admin"].payload["text"].startswith("[Warning] The working-day calendar does not know 2099")
    assert all(row.payload["text"].startswith("【系统警告】") for key, row in warned.items() if key != "admin")


async def test_leader_reports_in_each_leaders_language(district_db: str, tmp_path: Path) -> None:
    app = build_app(config_for(district_db, QUNGONG_REPORTS__FOLDER=str(tmp_path)))
    try:
        async with app.uow() as uow:
            await uow.session.execute(update(Person).where(Person.demo_key == "leader-dh").values(language="en"))
            await uow.commit()
        monday = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
        deps = JobDeps(session_factory=app.session_factory, settings=app.config)
        assert "4 reports queued" in await JOBS["weekly_report"].func(deps, monday)
        async with app.session_factory() as session:
            query = select(OutboxMessage, Person.demo_key).join(Person, Person.id == OutboxMessage.person_id).where(OutboxMessage.kind == "report")
            by_leader = {key: outbound_from_payload(row.payload) for row, key in (await session.execute(query)).all()}
        english, chinese = by_leader["leader-dh"], by_leader["leader-nq"]
        assert english.language == "en" and english.text.startswith("[东湖街道 weekly report] week 47 of 2026"), english.text
        assert chinese.language is None and chinese.text.startswith("【") and "周报】2026年第47周" in chinese.text, chinese.text
        assert english.image != chinese.image  # each chart drawn in its reader's language
    finally:
        await app.close()


async def test_the_dispatchers_apology_in_the_senders_language(district: District) -> None:
    staff = district.chat("dept-shizheng")
    await staff.say("/language en")
    dispatcher = district.app.running_dispatcher()

    async def broken(ctx: object) -> object:
        raise RuntimeError("a handler fault")

    dispatcher._route = broken  # type: ignore[assignment]
    await staff.say("hello")
    assert staff.text.startswith("Sorry, something went wrong"), staff.text
    assert [m.language for m in staff.last] == ["en"]
    resident = district.chat("resident-1")
    await resident.say("你好")
    assert resident.text.startswith("抱歉，系统出了点问题") and [m.language for m in resident.last] == [None]
