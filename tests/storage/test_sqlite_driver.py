"""The in-loop SQLite driver (sqlite+inloop://): busy waits in asyncio, IMMEDIATE transactions, async API."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from nlp import Classifier
from storage.db import create_engine, create_session_factory, engine_url
from storage.models.cases import CalendarOverride, Case
from storage.sqlite_driver import DEFAULT_BUSY_TIMEOUT, InLoopConnection
from tests.databases import copy_sqlite
from tests.districts import start_district
from tests.handlers.chat import report

DAY = date(2026, 12, 1)
TICK = 0.005


def _path(url: str) -> str:
    """Return the file of a SQLite URL."""
    database = make_url(url).database
    assert database
    return database


def _raw(url: str, *, timeout: float = 5.0) -> sqlite3.Connection:
    """Open a plain sqlite3 connection beside the engine, managing its own transactions."""
    return sqlite3.connect(_path(url), timeout=timeout, isolation_level=None)


async def _add_override(engine: AsyncEngine, day: date = DAY, note: str = "engine") -> None:
    """Write one row through a session, as a unit of work does."""
    async with create_session_factory(engine)() as session:
        session.add(CalendarOverride(day=day, is_workday=True, note=note))
        await session.commit()


async def _notes(engine: AsyncEngine) -> list[str | None]:
    """Return the notes of every calendar override, by day."""
    async with create_session_factory(engine)() as session:
        return list(await session.scalars(select(CalendarOverride.note).order_by(CalendarOverride.day)))


@pytest.fixture
def url(sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh migrated SQLite file, with the default (in-loop) URL."""
    return copy_sqlite(sqlite_template, tmp_path)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///x.db", "sqlite+inloop:///x.db"),
        ("sqlite://", "sqlite+inloop://"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql+asyncpg://qungong@127.0.0.1:5432/qungong", "postgresql+asyncpg://qungong@127.0.0.1:5432/qungong"),
    ],
)
def test_engine_url_selects_the_in_loop_driver_for_plain_sqlite(given: str, expected: str) -> None:
    assert engine_url(given) == expected


@pytest.mark.parametrize(("scheme", "driver"), [("sqlite", "inloop"), ("sqlite+aiosqlite", "aiosqlite")])
async def test_create_engine_picks_the_driver(tmp_path: Path, scheme: str, driver: str) -> None:
    engine = create_engine(f"{scheme}:///{tmp_path / 'x.db'}")
    try:
        assert engine.dialect.driver == driver
        assert engine.dialect.is_async
    finally:
        await engine.dispose()


async def test_sqlite_busy_handler_is_off_and_the_loop_waits_instead(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            adapted = raw.dbapi_connection
            assert isinstance(adapted, InLoopConnection)
            assert adapted.busy_timeout == 30.0  # what storage.db.create_engine passes
            assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar_one() == 0
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar_one() == "wal"
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar_one() == 1
    finally:
        await engine.dispose()
    bare = create_async_engine(engine_url(url))
    try:
        async with bare.connect() as conn:
            adapted = (await conn.get_raw_connection()).dbapi_connection
            assert isinstance(adapted, InLoopConnection) and adapted.busy_timeout == DEFAULT_BUSY_TIMEOUT
    finally:
        await bare.dispose()


async def test_threaded_driver_keeps_sqlites_busy_handler(url: str) -> None:
    engine = create_engine(url.replace("sqlite://", "sqlite+aiosqlite://", 1))
    try:
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar_one() == 30000
    finally:
        await engine.dispose()


async def test_a_writer_waits_for_the_lock_without_blocking_the_loop(url: str) -> None:
    engine = create_engine(url)
    holder = _raw(url)
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            await asyncio.sleep(TICK)
            ticks += 1

    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO calendar_overrides (day, is_workday, note) VALUES ('2026-11-30', 0, 'raw')")
        writer = asyncio.create_task(_add_override(engine))
        counting = asyncio.create_task(ticker())
        await asyncio.sleep(0.3)
        ticks_while_locked = ticks
        assert not writer.done(), "the writer got past a lock another connection holds"
        holder.execute("COMMIT")
        await asyncio.wait_for(writer, 5)
        stop.set()
        await counting
        # 0.3 s of 5 ms sleeps is about 60 ticks; a loop blocked in SQLite's busy handler gives none.
        assert ticks_while_locked >= 10, ticks_while_locked
        assert await _notes(engine) == ["raw", "engine"]
    finally:
        holder.close()
        await engine.dispose()


async def test_a_writer_gives_up_after_the_busy_timeout(url: str) -> None:
    engine = create_async_engine(engine_url(url), connect_args={"timeout": 0.2})
    holder = _raw(url)
    try:
        holder.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(OperationalError, match="locked"):
            await asyncio.wait_for(_add_override(engine), 5)
        waited = time.monotonic() - started
        assert 0.2 <= waited < 5, waited
        holder.execute("COMMIT")
        # The failed begin left the (only) pooled connection usable.
        await _add_override(engine, note="after")
        assert await _notes(engine) == ["after"]
    finally:
        holder.close()
        await engine.dispose()


async def test_a_writer_cancelled_while_waiting_returns_its_connection(url: str) -> None:
    engine = create_engine(url)  # one pooled connection: a leaked one would stall the next writer
    holder = _raw(url)
    try:
        holder.execute("BEGIN IMMEDIATE")
        writer = asyncio.create_task(_add_override(engine, note="cancelled"))
        await asyncio.sleep(0.05)
        assert not writer.done()
        writer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await writer
        holder.execute("COMMIT")
        await asyncio.wait_for(_add_override(engine, note="next"), 5)
        assert await _notes(engine) == ["next"]
    finally:
        holder.close()
        await engine.dispose()


@pytest.mark.parametrize("scheme", ["sqlite", "sqlite+aiosqlite"])
async def test_every_transaction_takes_the_write_lock_at_its_start(url: str, scheme: str) -> None:
    engine = create_engine(url.replace("sqlite://", f"{scheme}://", 1))
    other = _raw(url, timeout=0)
    try:
        async with create_session_factory(engine)() as session:
            assert list(await session.scalars(select(CalendarOverride))) == []  # a read only
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # both transactions ended: the lock is free
        other.execute("ROLLBACK")
    finally:
        other.close()
        await engine.dispose()


async def test_async_connection_execute_and_exec_driver_sql(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:  # what /healthz does
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
            assert (await conn.exec_driver_sql("SELECT ? + ?", (1, 2))).scalar_one() == 3
            assert await conn.scalar(text("SELECT count(*) FROM calendar_overrides")) == 0
    finally:
        await engine.dispose()


async def test_async_connection_executemany(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("SELECT 1"))  # the transaction is open before the executemany
            rows = [{"day": date(2026, 12, d), "is_workday": False, "note": f"core-{d}"} for d in (1, 2)]
            await conn.execute(insert(CalendarOverride), rows)
            await conn.exec_driver_sql(
                "INSERT INTO calendar_overrides (day, is_workday, note) VALUES (?, ?, ?)",
                [("2026-12-03", 1, "driver-3"), ("2026-12-04", 1, "driver-4")],
            )
        assert await _notes(engine) == ["core-1", "core-2", "driver-3", "driver-4"]
    finally:
        await engine.dispose()


async def test_rollback_leaves_nothing_and_frees_the_lock(url: str) -> None:
    engine = create_engine(url)
    other = _raw(url, timeout=0)
    try:
        async with create_session_factory(engine)() as session:
            session.add(CalendarOverride(day=DAY, is_workday=True, note="rolled back"))
            await session.flush()
            await session.rollback()
            other.execute("BEGIN IMMEDIATE")  # the rollback released the write lock
            other.execute("ROLLBACK")
        with pytest.raises(RuntimeError, match="abandon"):
            async with engine.begin() as conn:
                await conn.execute(insert(CalendarOverride).values(day=DAY, is_workday=False, note="abandoned"))
                raise RuntimeError("abandon")
        assert other.execute("SELECT count(*) FROM calendar_overrides").fetchone() == (0,)
        await _add_override(engine, note="kept")
        assert await _notes(engine) == ["kept"]
    finally:
        other.close()
        await engine.dispose()


async def test_threaded_driver_runs_a_whole_report(demo_template: Path, tmp_path: Path, classifier: Classifier) -> None:
    target = tmp_path / "district.db"
    shutil.copyfile(demo_template, target)
    district = await start_district(f"sqlite+aiosqlite:///{target}", classifier)
    try:
        assert district.app.engine.dialect.driver == "aiosqlite"
        case = await report(district.chat("resident-1"), "桂香苑7栋门口的井盖松动了，晚上有人踩空")
        assert case.status == "dispatched" and case.department_code == "shizheng"
        async with district.app.uow() as uow:
            assert [c.id for c in await uow.session.scalars(select(Case))] == [case.id]
    finally:
        await district.app.close()
