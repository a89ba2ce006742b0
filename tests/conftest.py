"""Shared fixtures: fresh migrated databases on SQLite and PostgreSQL, and apps built on them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import App, build_app
from nlp import Classifier, NlpSettings, load_classifier
from tests.databases import (
    POSTGRES_ENV,
    PostgresRun,
    copy_sqlite,
    make_sqlite_template,
    postgres_run,
)
from tests.districts import District, district_url, make_demo_template, start_district
from tests.settings import config_for

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
# Repository-level tests also run on SQLite through the threaded aiosqlite driver, which the
# configuration still offers (sqlite+aiosqlite:///) beside the default in-loop one.
DATABASES = ["sqlite", "sqlite-threaded", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once per run."""
    return make_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresRun | None]:
    """The run's PostgreSQL database, or None when QUNGONG_TEST_POSTGRES_URL is not set."""
    yield from postgres_run()


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> str:
    """The URL of an empty, migrated database on each backend and SQLite driver (set up outside the test's loop)."""
    if request.param == "sqlite":
        return copy_sqlite(sqlite_template, tmp_path)
    if request.param == "sqlite-threaded":
        return copy_sqlite(sqlite_template, tmp_path).replace("sqlite://", "sqlite+aiosqlite://", 1)
    run: PostgresRun | None = request.getfixturevalue("postgres")
    if run is None:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test)")
    asyncio.run(run.empty())
    return run.url


@pytest.fixture
async def app(db_url: str) -> AsyncIterator[App]:
    """An app on a fresh migrated database of each backend."""
    built = build_app(config_for(db_url))
    try:
        yield built
    finally:
        await built.close()


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    """The shipped routing classifier, loaded once."""
    return load_classifier(NlpSettings())


@pytest.fixture(scope="session")
def demo_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file holding the demo district."""
    return make_demo_template(sqlite_template, tmp_path_factory.mktemp("demo-template"))


@pytest.fixture(params=BACKENDS)
def district_db(request: pytest.FixtureRequest, demo_template: Path, tmp_path: Path) -> str:
    """The demo district on each backend."""
    return district_url(request, request.param, demo_template, tmp_path)


@pytest.fixture
def sqlite_district_db(request: pytest.FixtureRequest, demo_template: Path, tmp_path: Path) -> str:
    """The demo district on SQLite only."""
    return district_url(request, "sqlite", demo_template, tmp_path)


@pytest.fixture
async def district(district_db: str, classifier: Classifier) -> AsyncIterator[District]:
    """A started app on the demo district, on each backend."""
    started = await start_district(district_db, classifier)
    yield started
    await started.app.close()


@pytest.fixture
def postgres_district_db(request: pytest.FixtureRequest, demo_template: Path, tmp_path: Path) -> str:
    """The demo district on PostgreSQL only (skipped without it)."""
    return district_url(request, "postgresql", demo_template, tmp_path)


@pytest.fixture
async def postgres_district(postgres_district_db: str, classifier: Classifier) -> AsyncIterator[District]:
    """A started app on the demo district on PostgreSQL, where two workers can write at once."""
    started = await start_district(postgres_district_db, classifier)
    yield started
    await started.app.close()


@pytest.fixture
async def local_district(sqlite_district_db: str, classifier: Classifier) -> AsyncIterator[District]:
    """A started app on the demo district, on SQLite."""
    started = await start_district(sqlite_district_db, classifier)
    yield started
    await started.app.close()


@pytest.fixture
async def demo_district(sqlite_district_db: str, classifier: Classifier) -> AsyncIterator[District]:
    """A started app on the demo district on SQLite, configured in demo mode (the simulator is open)."""
    started = await start_district(sqlite_district_db, classifier, QUNGONG_APP__DEMO="true")
    yield started
    await started.app.close()


@pytest.fixture
async def restart(sqlite_district_db: str, classifier: Classifier) -> AsyncIterator[tuple[District, District]]:
    """Two app instances on the same SQLite district, as before and after a restart."""
    first = await start_district(sqlite_district_db, classifier)
    second = await start_district(sqlite_district_db, classifier)
    yield first, second
    await first.app.close()
    await second.app.close()
