"""A throw-away database for a benchmark: a temporary SQLite file, or a PostgreSQL database made and dropped."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


async def _admin(url: str, statement: str) -> None:
    """Run CREATE or DROP DATABASE on the server (outside a transaction)."""
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await admin.dispose()


@asynccontextmanager
async def scratch_database(url: str, file_name: str = "bench.db") -> AsyncIterator[str]:
    """Yield the URL of a fresh database: "sqlite" → a temporary file; a PostgreSQL URL → a new database on that server."""
    if url == "sqlite":
        yield f"sqlite:///{Path(tempfile.mkdtemp()) / file_name}"
        return
    name = f"qungong_bench_{uuid.uuid4().hex[:8]}"
    await _admin(url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
