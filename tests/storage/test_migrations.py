"""Migrations create the schema from nothing on both backends; an un-migrated database is refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import inspect

from storage.db import create_engine
from storage.migrate import (
    SchemaNotReady,
    current_revision,
    ensure_schema_current,
    head_revision,
    upgrade,
)
from storage.models.base import Base
from tests.databases import POSTGRES_ENV, PostgresRun, _admin, sqlite_url

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a database with no tables at all."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "empty.db")
    run: PostgresRun | None = request.getfixturevalue("postgres")
    if run is None:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    name = f"{run.name}_empty"
    asyncio.run(_admin(run.admin_url, f'CREATE DATABASE "{name}"'))
    request.addfinalizer(lambda: asyncio.run(_admin(run.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))
    return run.url.rsplit("/", 1)[0] + f"/{name}"


async def test_upgrade_from_empty_creates_every_table(empty_url: str) -> None:
    engine = create_engine(empty_url)
    try:
        with pytest.raises(SchemaNotReady, match="qungong db upgrade"):
            await ensure_schema_current(engine)
        assert await current_revision(engine) is None
        assert await upgrade(engine) == head_revision()
        await ensure_schema_current(engine)
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        assert set(Base.metadata.tables) <= tables
        assert await upgrade(engine) == head_revision()  # a second upgrade is a no-op
    finally:
        await engine.dispose()


async def test_models_match_the_migrations(empty_url: str) -> None:
    """Autogenerate finds nothing to add: the models and the migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(empty_url)
    try:
        await upgrade(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
        assert diff == []
    finally:
        await engine.dispose()
