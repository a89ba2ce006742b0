"""Shared fixtures: fresh migrated databases on SQLite and PostgreSQL, and apps built on them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.config import Config, load_config
from tests.databases import (
    POSTGRES_ENV,
    PostgresRun,
    copy_sqlite,
    make_sqlite_template,
    postgres_run,
)

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once per run."""
    return make_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresRun | None]:
    """The run's PostgreSQL database, or None when QUNGONG_TEST_POSTGRES_URL is not set."""
    yield from postgres_run()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> str:
    """The URL of an empty, migrated database on each backend (set up outside the test's loop)."""
    if request.param == "sqlite":
        return copy_sqlite(sqlite_template, tmp_path)
    run: PostgresRun | None = request.getfixturevalue("postgres")
    if run is None:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test)")
    asyncio.run(run.empty())
    return run.url


def config_for(url: str, **env: str) -> Config:
    """Return a config for a test database (not demo mode) with extra QUNGONG_* overrides."""
    return load_config(None, environ={"QUNGONG_STORAGE__URL": url, "QUNGONG_APP__DEMO": "false", **env})


@pytest.fixture
async def app(db_url: str) -> AsyncIterator[App]:
    """An app on a fresh migrated database of each backend."""
    built = build_app(config_for(db_url))
    try:
        yield built
    finally:
        await built.close()
