"""Hot statements (storage/hot.py) store and read values exactly as SQLAlchemy does, on SQLite's in-loop driver."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, text

from storage.db import create_engine, create_session_factory
from storage.hot import asyncpg_of, sqlite_of
from storage.models.cases import Case
from storage.models.chat import InboundUpdate, OutboxMessage
from storage.models.people import ChannelAccount, Person
from storage.uow import UnitOfWork
from storage.upsert import _hot_insert_ignoring, _insert_ignoring
from tests.databases import copy_sqlite

WHEN = (datetime(2026, 12, 2, 8, 30, tzinfo=UTC), datetime(2026, 12, 2, 8, 30, 1, 250, tzinfo=UTC))


async def test_a_hot_insert_stores_what_sqlalchemy_stores(sqlite_template: Path, tmp_path: Path) -> None:
    engine = create_engine(copy_sqlite(sqlite_template, tmp_path))
    try:
        async with UnitOfWork(create_session_factory(engine)) as uow:
            assert await sqlite_of(uow.session) is not None
            keys = ("channel", "platform_id", "payload", "status", "received_at", "handled_at")
            assert _hot_insert_ignoring("sqlite", InboundUpdate.__table__, ("channel", "platform_id"), keys) is not None
            for n, when in enumerate(WHEN):
                payload = {"kind": "text", "payload": f"路灯不亮 {n}", "raw": {"nested": [1, 2.5, None, True]}}
                assert await uow.inbound.record("sim", f"hot-{n}", payload, when, status="handled")  # the hot path
                row = {"channel": "sim", "platform_id": f"orm-{n}", "payload": payload, "status": "handled", "received_at": when, "handled_at": when}
                await uow.session.execute(_insert_ignoring("sqlite", InboundUpdate.__table__, ("channel", "platform_id")), row)
                assert not await uow.inbound.record("sim", f"hot-{n}", payload, when, status="handled")  # recorded before
            await uow.commit()
        async with engine.connect() as conn:
            stored = (await conn.execute(text("SELECT platform_id, payload, status, received_at, handled_at FROM inbound_updates ORDER BY id"))).all()
        hot, orm = stored[0::2], stored[1::2]
        assert [r[1:] for r in hot] == [r[1:] for r in orm] and len(hot) == len(WHEN)
        async with UnitOfWork(create_session_factory(engine)) as uow:
            back = await uow.inbound.get("sim", "hot-1")
            assert back is not None and back.received_at == WHEN[1] and back.payload["payload"] == "路灯不亮 1"
    finally:
        await engine.dispose()


async def test_the_hot_sender_is_the_person_the_orm_loads(sqlite_template: Path, tmp_path: Path) -> None:
    engine = create_engine(copy_sqlite(sqlite_template, tmp_path))
    try:
        sessions = create_session_factory(engine)
        async with UnitOfWork(sessions) as uow:
            person = uow.people.add(Person(name="张三", phone="13800000000", created_at=WHEN[1], banned_until=WHEN[0], language="en"))
            await uow.flush()
            uow.people.add_account(ChannelAccount(channel="sim", external_id="u1", chat_id="c1", person_id=person.id, last_seen_at=WHEN[1], created_at=WHEN[0]))
            await uow.conversations.start("sim", "c1", person.id, "report.describe", WHEN[0])
            await uow.commit()
        async with UnitOfWork(sessions) as uow:
            sender = await uow.conversations.sender("sim", "u1", "c1")
            assert sender is not None and sender.conversation is not None
            loaded = (await uow.session.scalars(select(Person).where(Person.id == person.id))).one()
            assert loaded is sender.person  # the same object in the session's identity map
            assert (loaded.name, loaded.phone, loaded.created_at, loaded.banned_until, loaded.language) == ("张三", "13800000000", WHEN[1], WHEN[0], "en")
            assert sender.last_seen_at == WHEN[1] and sender.conversation.state == "report.describe" and sender.conversation.data == {}
            assert not uow.session.dirty
            sender.person.language = "zh"  # a change a handler makes is written back, as for a loaded person
            await uow.commit()
        async with UnitOfWork(sessions) as uow:
            assert (await uow.session.get(Person, person.id)) is not None
            assert (await uow.session.scalars(select(Person.language).where(Person.id == person.id))).one() == "zh"
    finally:
        await engine.dispose()


async def test_hot_case_numbers_and_recent_cases(sqlite_template: Path, tmp_path: Path) -> None:
    engine = create_engine(copy_sqlite(sqlite_template, tmp_path))
    try:
        async with UnitOfWork(create_session_factory(engine)) as uow:
            # The counter's INSERT carries a literal (last = 1) besides the day given by name.
            assert [await uow.cases.next_number("20261202") for _ in range(3)] == [1, 2, 3]
            assert await uow.cases.next_number("20261203") == 1
            person = uow.people.add(Person(name="李四", created_at=WHEN[0]))
            await uow.flush()
            for n, when in enumerate((WHEN[1], WHEN[0])):
                uow.cases.add(Case(number=f"QG-20261202-{n:04d}", request_type="complaint", text="路灯", photos=[], resident_person_id=person.id, status="registered", cycle=0, redo_count=0, created_at=when, updated_at=when))
            await uow.flush()
            assert await uow.cases.opened_since(person.id, WHEN[0]) == [WHEN[0], WHEN[1]]  # oldest first, aware UTC
            assert await uow.cases.opened_since(person.id, WHEN[1]) == [WHEN[1]]
    finally:
        await engine.dispose()


async def test_outbox_rows_by_the_hot_path_are_the_rows_sqlalchemy_writes(db_url: str) -> None:
    # On every backend and driver: SQLite in the loop and PostgreSQL take the hot path, the threaded SQLite driver does not.
    engine = create_engine(db_url)
    try:
        async with UnitOfWork(create_session_factory(engine)) as uow:
            if engine.dialect.driver == "asyncpg":
                assert await asyncpg_of(uow.session) is None  # no transaction yet: nothing may bypass its BEGIN
            await uow.session.execute(select(Person.id).limit(1))
            taken = await sqlite_of(uow.session) is not None or await asyncpg_of(uow.session) is not None
            assert taken == (engine.dialect.driver in ("inloop", "asyncpg"))
            payload = {"text": "您的诉求已受理", "buttons": [{"label": "查看", "payload": "c:x"}], "n": 1.5}
            for n, when in enumerate(WHEN):
                assert await uow.outbox.enqueue(f"hot-{n}", "notice", payload, when, channel="sim", chat_id="c1")
                assert not await uow.outbox.enqueue(f"hot-{n}", "notice", payload, when, channel="sim", chat_id="c1")
                row = {"dedupe_key": f"orm-{n}", "kind": "notice", "payload": payload, "person_id": None, "channel": "sim", "chat_id": "c1", "status": "pending", "attempts": 0, "next_attempt_at": when, "created_at": when}
                await uow.session.execute(_insert_ignoring(engine.dialect.name, OutboxMessage.__table__, ("dedupe_key",)), row)
            await uow.commit()
        async with UnitOfWork(create_session_factory(engine)) as uow:
            rows = (await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
            columns = ("kind", "payload", "channel", "chat_id", "status", "attempts", "next_attempt_at", "created_at")
            hot, orm = [[getattr(r, c) for c in columns] for r in rows[0::2]], [[getattr(r, c) for c in columns] for r in rows[1::2]]
            assert hot == orm and len(hot) == len(WHEN) and hot[0][1] == payload and hot[1][6] == WHEN[1]
        async with engine.connect() as conn:  # as stored, not only as read back
            stored = (await conn.execute(text("SELECT payload, next_attempt_at FROM outbox ORDER BY id"))).all()
            assert [tuple(map(str, r)) for r in stored[0::2]] == [tuple(map(str, r)) for r in stored[1::2]]
    finally:
        await engine.dispose()
