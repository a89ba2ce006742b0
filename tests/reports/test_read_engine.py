"""Long reads (the pushed reports) run on their own read-only connection: off the loop, off the write lock."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

import handlers.reports.leader
from bot.app import App, build_app
from handlers.reports.build import Report, build_report
from scheduler.jobs import JOBS
from scheduler.runner import start_scheduler, stop_scheduler
from scheduler.wiring import JobDeps
from storage.db import create_read_engine
from storage.models.chat import OutboxMessage
from storage.models.people import Person
from tests.databases import copy_sqlite
from tests.settings import config_for

MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai: last week is 2026-W47
WRITE_TIMEOUT = 3.0  # far below the 30 s a writer would wait for a held SQLite write lock


def job_deps(app: App) -> JobDeps:
    """Return the deps the scheduler gives jobs: the app's main and read session factories."""
    return JobDeps(app.session_factory, app.config, read_session_factory=app.read_session_factory)


async def add_person(app: App, name: str) -> None:
    """Commit one new person through the main engine."""
    async with app.uow() as uow:
        uow.session.add(Person(name=name, created_at=MONDAY))
        await uow.commit()


async def count_people(app: App, name: str) -> int:
    """Return how many people have the name (read on the main engine)."""
    async with app.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(Person).where(Person.name == name)) or 0)


async def until_set(flag: asyncio.Event, job: asyncio.Future[str]) -> None:
    """Wait until FLAG is set, failing at once with the job's error if it ends first."""
    waiter: asyncio.Future[Any] = asyncio.ensure_future(flag.wait())
    await asyncio.wait([waiter, job], timeout=60, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if job.done():
        job.result()
    assert flag.is_set(), "the report was not built within 60 s"


async def test_a_write_commits_while_the_report_is_being_built(
    district_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(config_for(district_db, QUNGONG_REPORTS__FOLDER=str(tmp_path)))
    built, release = asyncio.Event(), asyncio.Event()

    async def build_and_hold(*args: Any, **kwargs: Any) -> Report:
        # Keep the report's read session (and its transaction) open until the write below is done.
        report = await build_report(*args, **kwargs)
        built.set()
        await release.wait()
        return report

    monkeypatch.setattr(handlers.reports.leader, "build_report", build_and_hold)
    job: asyncio.Future[str] = asyncio.ensure_future(JOBS["weekly_report"].func(job_deps(app), MONDAY))
    try:
        await until_set(built, job)
        await asyncio.wait_for(add_person(app, "写于周报生成时"), WRITE_TIMEOUT)
        release.set()
        assert "4 reports queued" in await job
        assert await count_people(app, "写于周报生成时") == 1
        async with app.session_factory() as session:
            keys = (await session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "report"))).all()
        assert len(keys) == 4 and all(k.startswith("report:week:2026-W47:p") for k in keys)
        assert "nothing to send" in await JOBS["weekly_report"].func(job_deps(app), MONDAY)
    finally:
        release.set()
        with contextlib.suppress(Exception):
            await job
        await app.close()


async def test_the_read_engine_refuses_writes(sqlite_template: Path, tmp_path: Path) -> None:
    app = build_app(config_for(copy_sqlite(sqlite_template, tmp_path)))
    try:
        assert app.read_engine is not None and app.read_session_factory is not app.session_factory
        async with app.read_session_factory() as session:
            with pytest.raises(OperationalError, match="readonly"):
                await session.execute(text("INSERT INTO people (name, created_at) VALUES ('x', '2026-11-23 00:00:00')"))
        async with app.read_session_factory() as session:
            session.add(Person(name="x", created_at=MONDAY))
            with pytest.raises(OperationalError, match="readonly"):
                await session.commit()
        assert await count_people(app, "x") == 0
    finally:
        await app.close()


async def test_long_reads_run_off_the_loop_thread(sqlite_template: Path, tmp_path: Path) -> None:
    app = build_app(config_for(copy_sqlite(sqlite_template, tmp_path)))
    assert app.read_engine is not None

    def register(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("thread_ident", 0, threading.get_ident)

    # SQLite calls the function in the thread that steps the statement.
    event.listen(app.read_engine.sync_engine, "connect", register)
    try:
        async with app.read_session_factory() as session:
            assert await session.scalar(text("SELECT thread_ident()")) != threading.get_ident()
    finally:
        await app.close()


async def test_the_scheduler_gives_jobs_the_read_sessions(sqlite_template: Path, tmp_path: Path) -> None:
    app = build_app(config_for(copy_sqlite(sqlite_template, tmp_path), QUNGONG_SCHEDULER__ENABLED="false"))
    scheduler = start_scheduler(app)
    try:
        _spec, deps = scheduler.get_job("weekly_report").args
        assert deps.session_factory is app.session_factory
        assert deps.read_session_factory is app.read_session_factory is not app.session_factory
        assert JobDeps(app.session_factory, app.config).reads is app.session_factory
    finally:
        stop_scheduler(scheduler)
        await app.close()


@pytest.mark.parametrize("url", ["sqlite:///q.db", "sqlite+aiosqlite:///q.db"])
def test_a_sqlite_file_gets_a_threaded_read_engine(url: str) -> None:
    engine = create_read_engine(url)
    assert engine is not None
    assert (engine.dialect.name, engine.dialect.driver, engine.url.database) == ("sqlite", "aiosqlite", "q.db")
    assert engine.pool.size() == 2  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite+aiosqlite:///:memory:",
        "sqlite:///file:shared?mode=memory&cache=shared&uri=true",
        "postgresql+asyncpg://postgres@127.0.0.1:5432/qungong",
    ],
)
def test_memory_and_postgresql_use_the_main_engine(url: str) -> None:
    assert create_read_engine(url) is None


async def test_only_sqlite_apps_have_a_read_engine(app: App) -> None:
    if app.engine.dialect.name == "postgresql":
        assert app.read_engine is None and app.read_session_factory is app.session_factory
    else:
        assert app.read_engine is not None and app.read_engine.url.database == app.engine.url.database
