"""Test databases: a migrated SQLite template file, and a throw-away PostgreSQL database per run."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import create_engine
from storage.migrate import upgrade
from storage.models.base import Base

POSTGRES_ENV = "QUNGONG_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "QUNGONG_TEST_REQUIRE_POSTGRES"


def sqlite_url(path: Path) -> str:
    """Return the URL of a SQLite file (the default, in-loop driver)."""
    return f"sqlite:///{path}"


async def _migrate(url: str) -> None:
    """Migrate a database to the newest revision."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def make_sqlite_template(folder: Path) -> Path:
    """Create and migrate a SQLite file that tests copy."""
    path = folder / "template.db"
    asyncio.run(_migrate(sqlite_url(path)))
    return path


def copy_sqlite(template: Path, folder: Path) -> str:
    """Copy the migrated template into a test's folder and return its URL."""
    target = folder / "qungong.db"
    shutil.copyfile(template, target)
    return sqlite_url(target)


def postgres_admin_url() -> str | None:
    """Return the PostgreSQL URL from the environment, or None."""
    return os.environ.get(POSTGRES_ENV) or None


async def _admin(url: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


class PostgresRun:
    """A database created for this test run, migrated once, emptied before each test."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.name = f"qungong_test_{uuid.uuid4().hex[:10]}"
        self.url = make_url(admin_url).set(database=self.name).render_as_string(hide_password=False)

    def create(self) -> None:
        """Create and migrate the run's database."""
        asyncio.run(_admin(self.admin_url, f'CREATE DATABASE "{self.name}"'))
        asyncio.run(_migrate(self.url))

    def drop(self) -> None:
        """Drop the run's database."""
        asyncio.run(_admin(self.admin_url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))

    async def empty(self) -> None:
        """Empty every table (TRUNCATE fires no row triggers, so the event log can be reset)."""
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        engine = create_async_engine(self.url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        finally:
            await engine.dispose()


@contextlib.contextmanager
def fresh_postgres_database(admin_url: str, prefix: str = "qungong_e2e") -> Iterator[str]:
    """Create an empty database (not migrated) for one test's processes, drop it afterwards; yield its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def postgres_run() -> Iterator[PostgresRun | None]:
    """Yield the run's PostgreSQL database, None when not configured; fail if required but broken."""
    admin = postgres_admin_url()
    if admin is None:
        yield None
        return
    run = PostgresRun(admin)
    try:
        run.create()
    except Exception as exc:
        if os.environ.get(REQUIRE_POSTGRES_ENV):
            pytest.fail(f"PostgreSQL at {admin} is required but unusable: {exc}")
        pytest.skip(f"PostgreSQL at {admin} is unusable: {exc}")
    try:
        yield run
    finally:
        run.drop()
