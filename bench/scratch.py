"""A throw-away database for a benchmark: a temporary SQLite file, or a PostgreSQL database made and dropped.

A SQLite scratch database lives in a folder of its own (with its -wal and -shm files and whatever
else a bench puts beside it), removed when the `async with` ends, however it ends: normally, by an
exception, by Ctrl-C (asyncio.run cancels the main task, so the block unwinds) or by SIGTERM
(turned into SystemExit here, which unwinds the same way). A folder still there at interpreter
exit (a block that never unwound) is removed by an atexit hook. Only SIGKILL or a crash of the
interpreter itself leaves it behind: `bench-*` folders under the temporary directory.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import signal
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import FrameType

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

_folders: set[Path] = set()  # scratch folders not removed yet, for the atexit hook


async def _admin(url: str, statement: str) -> None:
    """Run CREATE or DROP DATABASE on the server (outside a transaction)."""
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await admin.dispose()


def _remove(folder: Path) -> None:
    """Remove a scratch folder and everything in it (the database, its -wal and -shm files)."""
    shutil.rmtree(folder, ignore_errors=True)
    _folders.discard(folder)


def _remove_all() -> None:
    """Remove every scratch folder still there (at interpreter exit)."""
    for folder in list(_folders):
        _remove(folder)


def _terminated(signum: int, _frame: FrameType | None) -> None:
    """Turn SIGTERM into SystemExit, so that the scratch blocks unwind and clean up."""
    raise SystemExit(128 + signum)


atexit.register(_remove_all)
with contextlib.suppress(ValueError):  # only the main thread may set signal handlers
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminated)


@asynccontextmanager
async def scratch_database(url: str, file_name: str = "bench.db") -> AsyncIterator[str]:
    """Yield the URL of a fresh database: "sqlite" → a file in a new temporary folder; a PostgreSQL URL → a new database on that server."""
    if url == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="bench-"))
        _folders.add(folder)
        try:
            yield f"sqlite:///{folder / file_name}"
        finally:
            _remove(folder)
        return
    name = f"qungong_bench_{uuid.uuid4().hex[:8]}"
    await _admin(url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
