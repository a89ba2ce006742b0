"""Fixtures for flow tests: the demo district on each backend, a started app and a settable clock."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import App, build_app, load_demo, start_app
from nlp import Classifier, NlpSettings, load_classifier
from tests.conftest import BACKENDS, config_for
from tests.databases import POSTGRES_ENV, PostgresRun, sqlite_url
from tests.handlers.chat import Chat, Clock


@dataclass
class District:
    """A started app on the demo district, with its clock."""

    app: App
    clock: Clock

    def chat(self, who: str) -> Chat:
        """Open a chat as a demo identity (or new:NAME)."""
        return Chat(self.app, who)


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    """The shipped routing classifier, loaded once."""
    return load_classifier(NlpSettings())


async def _load_demo(url: str) -> None:
    """Load the demo district into a migrated database."""
    app = build_app(config_for(url))
    try:
        await load_demo(app, datetime(2026, 11, 1, tzinfo=UTC))
    finally:
        await app.close()


@pytest.fixture(scope="session")
def demo_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file holding the demo district."""
    path = tmp_path_factory.mktemp("demo-template") / "demo.db"
    shutil.copyfile(sqlite_template, path)
    asyncio.run(_load_demo(sqlite_url(path)))
    return path


def _district_url(request: pytest.FixtureRequest, backend: str, demo_template: Path, tmp_path: Path) -> str:
    """Return a fresh demo-district database URL on a backend."""
    if backend == "sqlite":
        target = tmp_path / "district.db"
        shutil.copyfile(demo_template, target)
        return sqlite_url(target)
    run: PostgresRun | None = request.getfixturevalue("postgres")
    if run is None:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    asyncio.run(run.empty())
    asyncio.run(_load_demo(run.url))
    return run.url


@pytest.fixture(params=BACKENDS)
def district_url(request: pytest.FixtureRequest, demo_template: Path, tmp_path: Path) -> str:
    """The demo district on each backend."""
    return _district_url(request, request.param, demo_template, tmp_path)


@pytest.fixture
def sqlite_district_url(request: pytest.FixtureRequest, demo_template: Path, tmp_path: Path) -> str:
    """The demo district on SQLite only."""
    return _district_url(request, "sqlite", demo_template, tmp_path)


async def _started(url: str, classifier: Classifier) -> District:
    """Build and start an app on a district database."""
    clock = Clock()
    app = build_app(config_for(url))
    await start_app(app, classifier, clock)
    return District(app, clock)


@pytest.fixture
async def district(district_url: str, classifier: Classifier) -> AsyncIterator[District]:
    """A started app on the demo district, on each backend."""
    started = await _started(district_url, classifier)
    yield started
    await started.app.close()


@pytest.fixture
async def local_district(sqlite_district_url: str, classifier: Classifier) -> AsyncIterator[District]:
    """A started app on the demo district, on SQLite."""
    started = await _started(sqlite_district_url, classifier)
    yield started
    await started.app.close()


@pytest.fixture
async def restart(sqlite_district_url: str, classifier: Classifier) -> AsyncIterator[tuple[District, District]]:
    """Two app instances on the same SQLite district, as before and after a restart."""
    first = await _started(sqlite_district_url, classifier)
    second = await _started(sqlite_district_url, classifier)
    yield first, second
    await first.app.close()
    await second.app.close()
