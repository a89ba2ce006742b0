"""Repository contract: the same assertions on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.orm.exc import StaleDataError

from bot.app import App
from storage.cases.lifecycle import (
    SYSTEM_ACTOR,
    Action,
    Actor,
    Deadlines,
    LifecycleError,
    Request,
    Role,
    Target,
)
from storage.cases.use_cases import NewCase, act, register_case
from storage.models.cases import CaseEvent
from storage.models.people import ChannelAccount, Person, Unit

NOW = datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
SHANGHAI = timezone(timedelta(hours=8))
DEADLINES = Deadlines(sign_hours=4, red_hours=48)


async def _seed(app: App) -> dict[str, int]:
    """Create a community, a grid, a grid member and a resident."""
    async with app.uow() as uow:
        community = uow.units.add(Unit(code="c1", name="测试社区", kind="community"))
        await uow.flush()
        grid = uow.units.add(Unit(code="g1", name="第一网格", kind="grid", parent_id=community.id))
        other = uow.units.add(Unit(code="g2", name="第二网格", kind="grid", parent_id=community.id))
        resident = uow.people.add(Person(name="张三", created_at=NOW))
        member = uow.people.add(Person(name="赵甲", created_at=NOW))
        await uow.flush()
        await uow.people.bind(member.id, "grid_member", grid.id, NOW)
        await uow.commit()
        return {"community": community.id, "grid": grid.id, "other": other.id, "resident": resident.id, "member": member.id}


async def _new_case(app: App, resident: int, text_: str = "井盖松动了") -> int:
    """Register a case and return its id."""
    async with app.uow() as uow:
        case = await register_case(
            uow, NewCase(resident_person_id=resident, text=text_, request_type="help"), Actor(Role.RESIDENT, resident), NOW, SHANGHAI
        )
        await uow.commit()
        return case.id


async def test_units_people_and_bindings(app: App) -> None:
    ids = await _seed(app)
    async with app.uow() as uow:
        grid = await uow.units.by_code("g1")
        assert grid is not None and grid.parent_id == ids["community"]
        assert [u.code for u in await uow.units.children(ids["community"])] == ["g1", "g2"]
        assert [u.code for u in await uow.units.of_kind("grid")] == ["g1", "g2"]
        holders = await uow.people.holders("grid_member", ids["grid"])
        assert [p.name for p in holders] == ["赵甲"]
        again = await uow.people.bind(ids["member"], "grid_member", ids["grid"], NOW)
        assert len(await uow.people.bindings(ids["member"])) == 1 and again.unit_id == ids["grid"]


async def test_register_numbers_cases_per_local_day(app: App) -> None:
    ids = await _seed(app)
    first = await _new_case(app, ids["resident"])
    second = await _new_case(app, ids["resident"])
    async with app.uow() as uow:
        numbers = [(await uow.cases.get(i)).number for i in (first, second)]  # type: ignore[union-attr]
        # 01:30 UTC is 09:30 in Shanghai: the local day counts.
        assert numbers == ["QG-20261121-0001", "QG-20261121-0002"]
        events = await uow.events.for_case(first)
        assert [(e.action, e.from_status, e.to_status) for e in events] == [("register", None, "registered")]


async def test_case_numbers_are_unique_under_concurrency(app: App) -> None:
    ids = await _seed(app)
    results = await asyncio.gather(*(_new_case(app, ids["resident"], f"第{i}件") for i in range(20)))
    async with app.uow() as uow:
        numbers = {(await uow.cases.get(i)).number for i in results}  # type: ignore[union-attr]
    assert len(numbers) == 20


async def test_times_come_back_aware_utc(app: App) -> None:
    ids = await _seed(app)
    case_id = await _new_case(app, ids["resident"])
    async with app.uow() as uow:
        case = await uow.cases.get(case_id)
        assert case is not None and case.created_at == NOW and case.created_at.tzinfo is not None
        case.updated_at = datetime(2026, 11, 21, 12, 0)  # noqa: DTZ001 - a naive time must be refused
        with pytest.raises(StatementError, match="naive datetime"):
            await uow.flush()


async def test_action_moves_case_and_appends_event(app: App) -> None:
    ids = await _seed(app)
    case_id = await _new_case(app, ids["resident"])
    async with app.uow() as uow:
        request = Request(Action.DISPATCH, SYSTEM_ACTOR, NOW, target=Target(ids["grid"]), deadlines=DEADLINES)
        case, _ = await act(uow, case_id, request)
        await uow.commit()
    member = Actor(Role.GRID_MEMBER, ids["member"], ids["grid"])
    async with app.uow() as uow:
        case, _ = await act(uow, case_id, Request(Action.SIGN, member, NOW + timedelta(hours=1)))
        await uow.commit()
    async with app.uow() as uow:
        case = await uow.cases.get(case_id)  # type: ignore[assignment]
        assert case.status == "signed" and case.assignee_person_id == ids["member"]
        assert case.handle_deadline == NOW + timedelta(hours=48)
        events = await uow.events.for_case(case_id)
        assert [(e.action, e.to_status, e.to_unit_id) for e in events] == [
            ("register", "registered", None),
            ("dispatch", "dispatched", ids["grid"]),
            ("sign", "signed", ids["grid"]),
        ]


async def test_refused_action_changes_nothing(app: App) -> None:
    ids = await _seed(app)
    case_id = await _new_case(app, ids["resident"])
    async with app.uow() as uow:
        await act(uow, case_id, Request(Action.DISPATCH, SYSTEM_ACTOR, NOW, target=Target(ids["other"]), deadlines=DEADLINES))
        await uow.commit()
    outsider = Actor(Role.GRID_MEMBER, ids["member"], ids["grid"])  # grid 1 may not sign grid 2's case
    async with app.uow() as uow:
        with pytest.raises(LifecycleError) as info:
            await act(uow, case_id, Request(Action.SIGN, outsider, NOW))
        assert info.value.code == "forbidden"
    async with app.uow() as uow:
        case = await uow.cases.get(case_id)
        assert case is not None and case.status == "dispatched"
        assert len(await uow.events.for_case(case_id)) == 2


async def test_uncommitted_work_is_rolled_back(app: App) -> None:
    async with app.uow() as uow:
        uow.units.add(Unit(code="tmp", name="临时", kind="grid"))
        await uow.flush()
    async with app.uow() as uow:
        assert await uow.units.by_code("tmp") is None


async def test_case_events_are_append_only(app: App) -> None:
    ids = await _seed(app)
    case_id = await _new_case(app, ids["resident"])
    for statement in (update(CaseEvent).values(note="改写"), delete(CaseEvent)):
        async with app.uow() as uow:
            with pytest.raises(DBAPIError, match="append-only"):
                await uow.session.execute(statement.where(CaseEvent.case_id == case_id))
    async with app.uow() as uow:
        assert len(await uow.events.for_case(case_id)) == 1


async def test_inbound_is_recorded_once_per_platform_id(app: App) -> None:
    async with app.uow() as uow:
        assert await uow.inbound.record("telegram:main", "1001", {"update_id": 1001}, NOW)
        assert not await uow.inbound.record("telegram:main", "1001", {"update_id": 1001}, NOW)
        assert await uow.inbound.record("wechat", "1001", {"MsgId": 1001}, NOW)
        await uow.commit()
    async with app.uow() as uow:
        assert not await uow.inbound.record("telegram:main", "1001", {}, NOW)
        recorded = await uow.inbound.get("telegram:main", "1001")
        assert recorded is not None and recorded.payload == {"update_id": 1001}


async def test_outbox_queues_once_per_key(app: App) -> None:
    async with app.uow() as uow:
        assert await uow.outbox.enqueue("case:1:yellow:1:person:5", "nudge", {"text": "黄灯"}, NOW, person_id=None)
        assert not await uow.outbox.enqueue("case:1:yellow:1:person:5", "nudge", {"text": "again"}, NOW)
        await uow.commit()
    async with app.uow() as uow:
        pending = await uow.outbox.pending()
        assert [(m.dedupe_key, m.payload, m.status) for m in pending] == [
            ("case:1:yellow:1:person:5", {"text": "黄灯"}, "pending")
        ]


async def test_conversation_version_detects_concurrent_writers(app: App) -> None:
    ids = await _seed(app)
    async with app.uow() as uow:
        uow.people.add_account(ChannelAccount(channel="sim", external_id="u1", chat_id="c1", person_id=ids["resident"], created_at=NOW))
        await uow.flush()
        started = await uow.conversations.start("sim", "c1", ids["resident"], "idle", NOW)
        await uow.commit()
    assert (started.state, started.data, started.version) == ("idle", {}, 1)
    async with app.uow() as uow:
        late = await uow.conversations.sender("sim", "u1", "c1")  # a second worker loads the state first
    async with app.uow() as uow:
        early = await uow.conversations.sender("sim", "u1", "c1")
        assert early is not None and early.conversation is not None
        await uow.conversations.save(early.conversation, "report:describe", {"parts": ["坑"]}, person_id=ids["resident"], expires_at=None, now=NOW)
        await uow.commit()
    async with app.uow() as uow:
        assert late is not None and late.conversation is not None
        with pytest.raises(StaleDataError):
            await uow.conversations.save(late.conversation, "wish:describe", {}, person_id=ids["resident"], expires_at=None, now=NOW)
    async with app.uow() as uow:
        now = await uow.conversations.sender("sim", "u1", "c1")
        assert now is not None and now.conversation is not None
        assert (now.conversation.state, now.conversation.data, now.conversation.version) == ("report:describe", {"parts": ["坑"]}, 2)
        assert now.person.id == ids["resident"] and now.account_chat_id == "c1"


async def test_first_contact_has_no_sender(app: App) -> None:
    async with app.uow() as uow:
        assert await uow.conversations.sender("sim", "nobody", "c9") is None


async def test_unique_channel_account(app: App) -> None:
    ids = await _seed(app)

    async with app.uow() as uow:
        uow.people.add_account(ChannelAccount(channel="sim", external_id="u1", person_id=ids["resident"], created_at=NOW))
        await uow.commit()
    async with app.uow() as uow:
        uow.people.add_account(ChannelAccount(channel="sim", external_id="u1", person_id=ids["member"], created_at=NOW))
        with pytest.raises(IntegrityError):
            await uow.commit()
    async with app.uow() as uow:
        account = await uow.people.account("sim", "u1")
        assert account is not None and account.person_id == ids["resident"]
        assert (await uow.session.execute(text("SELECT count(*) FROM channel_accounts"))).scalar_one() == 1
