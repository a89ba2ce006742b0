"""Create or upgrade the schema with Alembic, and tell whether a database is at the newest revision."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class SchemaNotReady(Exception):
    """The database is not at the newest schema revision; `qungong db upgrade` fixes it."""


def alembic_config() -> AlembicConfig:
    """Return an Alembic config that points at the packaged migrations."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    """Return the newest revision the code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def _upgrade(connection: Connection, revision: str) -> None:
    """Run Alembic's upgrade on an open connection."""
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


def _current(connection: Connection) -> str | None:
    """Return the revision recorded in the database, if any."""
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> str | None:
    """Upgrade the database to REVISION (default: the newest) and return the revision now in force."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


async def current_revision(engine: AsyncEngine) -> str | None:
    """Return the database's schema revision (None for an empty database)."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


async def ensure_schema_current(engine: AsyncEngine) -> None:
    """Raise SchemaNotReady unless the database is at the newest revision."""
    current = await current_revision(engine)
    head = head_revision()
    if current != head:
        found = "is empty or not migrated" if current is None else f"is at schema revision {current}"
        raise SchemaNotReady(
            f"the database {found}, but this QunGong needs revision {head}: run `qungong db upgrade` first"
        )
