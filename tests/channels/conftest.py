"""Fixtures for channel tests: fresh apps on copies of the demo district, and a limiter that never waits."""

from __future__ import annotations

import shutil
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from bot.app import App
from bot.outbox.rate_limit import Limit, RateLimiter
from nlp import Classifier
from tests.databases import sqlite_url
from tests.districts import start_district

FIXTURES = Path(__file__).resolve().parent / "fixtures"
OpenApp = Callable[..., AbstractAsyncContextManager[App]]


def fast_limiter() -> RateLimiter:
    """A limiter that never makes the tests wait (the real limits are tested with the outbox sender)."""
    return RateLimiter(lambda channel: (Limit(10_000, 1.0), Limit(10_000, 1.0)), time.monotonic)


@pytest.fixture
def open_app(demo_template: Path, tmp_path: Path, classifier: Classifier) -> OpenApp:
    """Open a started app on a fresh copy of the demo district (several per test if needed)."""

    @asynccontextmanager
    async def opened(name: str = "district", **env: str) -> AsyncIterator[App]:
        target = tmp_path / f"{name}.db"
        shutil.copyfile(demo_template, target)
        district = await start_district(sqlite_url(target), classifier, **env)
        try:
            yield district.app
        finally:
            await district.app.close()

    return opened
