"""Dispatcher guarantees: once per platform id, order per chat, one error boundary, bad input."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from handlers.core import Context, Step
from handlers.messages import Inbound, InboundKind
from storage.conversations import ChatState
from storage.models.cases import Case
from storage.models.chat import InboundUpdate
from tests.handlers.chat import latest_case, report
from tests.handlers.conftest import District


async def _conversation(district: District, chat_id: str) -> ChatState:
    async with district.app.uow() as uow:
        conversation = await uow.conversations.get("sim", chat_id)
        assert conversation is not None
        return conversation


async def test_same_platform_id_is_handled_once(district: District) -> None:
    chat = district.chat("resident-1")
    await chat.say("我要反映")
    await chat.press("投诉")
    first = await chat.say("井盖坏了", platform_id="wx-42")
    again = await chat.say("井盖坏了", platform_id="wx-42")
    assert first and again == []
    conversation = await _conversation(district, "resident-1")
    assert conversation.data["parts"] == ["井盖坏了"]
    async with district.app.uow() as uow:
        recorded = await uow.inbound.get("sim", "wx-42")
        assert recorded is not None and recorded.status == "handled"


async def test_concurrent_messages_of_one_chat_keep_their_order(district: District) -> None:
    chat = district.chat("resident-2")
    await chat.say("我要反映")
    await chat.press("投诉")
    parts = [f"第{i}条补充说明" for i in range(12)]
    results = await asyncio.gather(*(chat.say(text) for text in parts))
    assert all(results)
    conversation = await _conversation(district, "resident-2")
    assert conversation.data["parts"] == parts


async def test_many_chats_at_once_lose_nothing(district: District) -> None:
    chats = [district.chat(f"new:crowd{i}") for i in range(8)]
    await asyncio.gather(*(c.say("我要反映") for c in chats))
    await asyncio.gather(*(c.press("投诉") for c in chats))
    await asyncio.gather(*(c.say(f"第{i}号居民：路灯不亮") for i, c in enumerate(chats)))
    for i, chat in enumerate(chats):
        conversation = await _conversation(district, chat.who)
        assert conversation.data["parts"] == [f"第{i}号居民：路灯不亮"]


async def test_duplicate_while_first_is_in_flight_does_nothing_twice(local_district: District) -> None:
    chat = local_district.chat("resident-1")
    await chat.say("我要反映")
    await chat.press("投诉")
    results = await asyncio.gather(*(chat.say("井盖坏了", platform_id="tg-7") for _ in range(5)))
    assert sum(1 for r in results if r) == 1
    assert (await _conversation(local_district, "resident-1")).data["parts"] == ["井盖坏了"]


async def test_unexpected_error_gets_the_fixed_apology(local_district: District, caplog: pytest.LogCaptureFixture) -> None:
    dispatcher = local_district.app.running_dispatcher()

    async def broken(ctx: Context) -> Step:
        await ctx.uow.session.execute(select(func.count()).select_from(Case))
        raise RuntimeError("secret internal detail")

    dispatcher._route = broken
    replies = await dispatcher.handle(Inbound("sim", "resident-1", "resident-1", InboundKind.TEXT, "hi", "boom-1"))
    assert [r.text for r in replies] == ["抱歉，系统出了点问题，您的消息没有处理成功。请稍后再试，或发送「菜单」重新开始。"]
    assert "secret" not in replies[0].text
    assert any(r.exc_info and "secret internal detail" in str(r.exc_info[1]) for r in caplog.records)
    async with local_district.app.uow() as uow:
        recorded = await uow.inbound.get("sim", "boom-1")
        assert recorded is not None and recorded.status == "failed"


async def test_a_very_long_text_is_cut_politely(local_district: District) -> None:
    chat = local_district.chat("resident-1")
    await chat.say("我要反映")
    await chat.press("投诉")
    await chat.say("噪音" * 5000)
    assert "内容较长，已记下前 2000 字" in chat.text
    await chat.say("还有一点")
    assert "已达 2000 字上限" in chat.text
    conversation = await _conversation(local_district, "resident-1")
    assert sum(len(p) for p in conversation.data["parts"]) == 2000


async def test_control_characters_are_removed(local_district: District) -> None:
    case = await report(local_district.chat("resident-1"), "\x00\x07井盖\u202e坏了\ud800\x1b[31m 🚧")
    assert case.text == "井盖坏了[31m 🚧"


async def test_only_emoji_and_digits_still_get_an_answer(local_district: District) -> None:
    chat = local_district.chat("resident-1")
    for text in ("😡😡😡", "1234567890", "ok", "   ", "hello, my street light is broken"):
        replies = await chat.say(text)
        assert replies and all(r.text for r in replies)
        await chat.say("取消")


@pytest.mark.parametrize(
    "payload",
    ["", "zz:1", "cv:abc", "cv:-1", "cv:1:2", "co:delete:1", "m:../../etc", "x" * 80, "m:report\u3000", "rv:1:1:9:9", "cv:99999999"],
)
async def test_forged_buttons_get_a_polite_refusal(local_district: District, payload: str) -> None:
    chat = local_district.chat("resident-1")
    replies = await chat.send(InboundKind.BUTTON, payload)
    assert len(replies) == 1
    assert "无法识别" in replies[0].text or "没有找到" in replies[0].text or "过期" in replies[0].text


async def test_a_choice_from_another_state_has_expired(local_district: District) -> None:
    chat = local_district.chat("resident-1")
    await chat.send(InboundKind.BUTTON, "c:report.confirm:submit")
    assert "过期" in chat.text
    async with local_district.app.uow() as uow:
        assert (await uow.session.scalars(select(Case))).first() is None


async def test_residents_cannot_touch_other_residents_cases(district: District) -> None:
    case = await report(district.chat("resident-1"), "井盖松动了")
    intruder = district.chat("resident-2")
    for payload in (f"cv:{case.id}", f"co:add:{case.id}", f"co:withdraw_yes:{case.id}", f"rv:{case.id}:1:1:1"):
        replies = await intruder.send(InboundKind.BUTTON, payload)
        assert "没有找到这条诉求，或者它不属于您" in replies[0].text
        assert case.number not in replies[0].text
    assert (await latest_case(district.app)).status == "dispatched"


async def test_every_update_is_recorded(local_district: District) -> None:
    chat = local_district.chat("resident-1")
    await chat.say("/start")
    await chat.send(InboundKind.BUTTON, "junk")
    async with local_district.app.uow() as uow:
        statuses = (await uow.session.scalars(select(InboundUpdate.status).order_by(InboundUpdate.id))).all()
    assert statuses == ["handled", "handled"]


async def test_a_newcomer_in_a_group_chat_joins_its_conversation(local_district: District) -> None:
    app = local_district.app
    dispatcher = app.running_dispatcher()
    first = await dispatcher.handle(Inbound("sim", "group-1", "member-a", InboundKind.TEXT, "帮助", "g-1"))
    second = await dispatcher.handle(Inbound("sim", "group-1", "member-b", InboundKind.TEXT, "帮助", "g-2"))
    assert first and second and second[0].text == first[0].text  # the second person is served, not apologised to
    async with app.uow() as uow:
        a = await uow.conversations.sender("sim", "member-a", "group-1")
        b = await uow.conversations.sender("sim", "member-b", "group-1")
        updates = (await uow.session.scalars(select(InboundUpdate).where(InboundUpdate.platform_id.in_(["g-1", "g-2"])))).all()
    assert a is not None and b is not None and a.person.id != b.person.id
    assert a.conversation is not None and b.conversation is not None and a.conversation.id == b.conversation.id
    assert sorted(u.status for u in updates) == ["handled", "handled"]


@pytest.mark.postgres
async def test_a_conversation_saved_meanwhile_is_handled_again_on_fresh_state(postgres_district: District) -> None:
    # PostgreSQL only: on SQLite a handler's transaction holds the one write lock, so no other worker can save meanwhile.
    chat = postgres_district.chat("resident-1")
    await chat.say("我要反映")
    await chat.press("投诉")
    app = postgres_district.app
    dispatcher = app.running_dispatcher()
    real_route = dispatcher._route
    interfered = False

    async def route_after_another_worker(ctx: Context) -> Step:
        nonlocal interfered
        if not interfered:  # another worker saves this chat's conversation while we handle the message
            interfered = True
            async with app.uow() as other:
                state = await other.conversations.get("sim", "resident-1")
                assert state is not None
                parts = {**state.data, "parts": ["另一个进程写的"]}
                await other.conversations.save(state, state.state, parts, person_id=ctx.person.id, expires_at=None, now=ctx.now)
                await other.commit()
        return await real_route(ctx)

    dispatcher._route = route_after_another_worker
    try:
        await chat.say("井盖坏了")
    finally:
        dispatcher._route = real_route
    state = await _conversation(postgres_district, "resident-1")
    assert interfered and state.data["parts"] == ["另一个进程写的", "井盖坏了"]
    async with app.uow() as uow:
        updates = (await uow.session.scalars(select(func.count()).select_from(InboundUpdate).where(InboundUpdate.status == "handled"))).one()
    assert updates == 3  # the retried message was recorded once


async def test_a_lost_connection_is_handled_again_on_a_fresh_one(district: District) -> None:
    chat = district.chat("resident-1")
    dispatcher = district.app.running_dispatcher()
    real_route = dispatcher._route
    lost = 0

    async def route_losing_the_connection_once(ctx: Context) -> Step:
        nonlocal lost
        if not lost:
            lost += 1
            raise DBAPIError("SELECT 1", {}, ConnectionResetError("the server went away"), connection_invalidated=True)
        return await real_route(ctx)

    dispatcher._route = route_losing_the_connection_once
    try:
        replies = await chat.say("我要反映", platform_id="lost-1")
    finally:
        dispatcher._route = real_route
    assert lost == 1 and replies and "反映" in replies[0].text + "".join(b.label for r in replies for b in r.buttons)
    async with district.app.uow() as uow:
        recorded = await uow.inbound.get("sim", "lost-1")
        assert recorded is not None and recorded.status == "handled"


@pytest.mark.postgres
async def test_a_connection_killed_in_the_pool_is_replaced(postgres_district: District, caplog: pytest.LogCaptureFixture) -> None:
    # Pooled connections are pinged only after sitting idle; one killed meanwhile fails once and is replaced.
    chat = postgres_district.chat("resident-1")
    assert await chat.say("我要反映")
    killer = create_async_engine(postgres_district.app.engine.url, poolclass=NullPool)
    try:
        async with killer.connect() as conn:
            killed = await conn.execute(
                sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            )
            assert killed.all()  # the app's pooled connections
    finally:
        await killer.dispose()
    await asyncio.sleep(0.2)
    replies = await chat.press("投诉")
    assert replies and "描述" in replies[0].text
    assert "lost the database connection" in caplog.text  # not pinged first: it failed once, and was replaced
