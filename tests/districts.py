"""The demo district for flow and channel tests: a started app on it, and a settable clock."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import App, build_app, load_demo, start_app
from nlp import Classifier
from tests.databases import POSTGRES_ENV, PostgresRun, sqlite_url
from tests.handlers.chat import Chat, Clock
from tests.settings import config_for


@dataclass
class District:
    """A started app on the demo district, with its clock."""

    app: App
    clock: Clock

    def chat(self, who: str) -> Chat:
        """Open a chat as a demo identity (or new:NAME)."""
        return Chat(self.app, who)


async def load_demo_into(url: str) -> None:
    """Load the demo district into a migrated database."""
    app = build_app(config_for(url))
    try:
        await load_demo(app, datetime(2026, 11, 1, tzinfo=UTC), history=False)
    finally:
        await app.close()


def make_demo_template(sqlite_template: Path, folder: Path) -> Path:
    """Copy the migrated template and load the demo district into it."""
    path = folder / "demo.db"
    shutil.copyfile(sqlite_template, path)
    asyncio.run(load_demo_into(sqlite_url(path)))
    return path


def district_url(request: pytest.FixtureRequest, backend: str, demo_template: Path, tmp_path: Path) -> str:
    """Return a fresh demo-district database URL on a backend."""
    if backend == "sqlite":
        target = tmp_path / "district.db"
        shutil.copyfile(demo_template, target)
        return sqlite_url(target)
    run: PostgresRun | None = request.getfixturevalue("postgres")
    if run is None:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    asyncio.run(run.empty())
    asyncio.run(load_demo_into(run.url))
    return run.url


async def start_district(url: str, classifier: Classifier, **env: str) -> District:
    """Build and start an app on a district database."""
    clock = Clock()
    app = build_app(config_for(url, **env))
    await start_app(app, classifier, clock)
    return District(app, clock)
