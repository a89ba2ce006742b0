"""The running app as the tests meet it: `qungong run` processes on fresh databases, one per backend and module."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import (
    POSTGRES_ENV,
    REQUIRE_POSTGRES_ENV,
    fresh_postgres_database,
    postgres_admin_url,
)
from tests.e2e.process import Server
from tests.e2e.simclient import SimClient

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
PAUSE = 1.5  # seconds between acting and reading an inbox: longer than the outbox sender's poll (1 s)


@contextlib.contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    """Yield the URL of a fresh, empty database on a backend (skipping PostgreSQL when it is not configured)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'qungong.db'}"
        return
    admin = postgres_admin_url()
    if admin is None:
        if os.environ.get(REQUIRE_POSTGRES_ENV):
            pytest.fail(f"{POSTGRES_ENV} is required")
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    with fresh_postgres_database(admin) as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def demo_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`qungong run` in demo mode (no configuration) on a fresh database of each backend, for a module's tests."""
    folder = tmp_path_factory.mktemp(f"e2e-{request.param}")
    with database(request.param, folder) as url:
        server = Server(folder, url).start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def sim(demo_server: Server) -> SimClient:
    """A script's client of the demo server's simulator."""
    return SimClient(demo_server.base, pause=PAUSE)


def assert_clean(server: Server) -> None:
    """No outbox row is dead, and the server logged no error."""
    overview = server.qungong("outbox").stdout
    assert "dead: 0" in overview.splitlines(), overview
    assert server.error_lines() == [], "\\n".join(server.error_lines())
