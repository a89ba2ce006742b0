"""Database engines and sessions: SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import AsyncAdaptedQueuePool, event
from sqlalchemy.dialects import registry
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.sqlite_driver import DIALECT_NAME, InLoopConnection

registry.register(DIALECT_NAME, "storage.sqlite_driver", "SQLiteDialect_inloop")
# A PostgreSQL connection back in the pool for longer than this is pinged before it is used again.
# (SQLAlchemy's pool_pre_ping pings on every checkout: BEGIN, a ping and ROLLBACK, three round trips
# before every message.) A connection that broke while in use is replaced when its error is seen.
PING_AFTER_IDLE = 5.0
CHECKED_IN_AT = "qungong_checked_in_at"


def engine_url(url: str) -> str:
    """Return the URL SQLAlchemy is given: plain `sqlite://` selects the in-loop SQLite driver."""
    if url.startswith("sqlite://"):
        return "sqlite+inloop://" + url.split("://", 1)[1]
    return url


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create an async engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    url = engine_url(url)
    if url.startswith("sqlite"):
        # One connection: SQLite has one writer anyway, and queueing for it in asyncio is far
        # cheaper than several connections sleeping in SQLite's busy handler.
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": 30}, poolclass=AsyncAdaptedQueuePool, pool_size=1, max_overflow=0, pool_timeout=60
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if engine.dialect.driver != "inloop":  # that dialect begins IMMEDIATE itself, without a statement round trip
            event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        return engine
    engine = create_async_engine(url, echo=echo, pool_size=10, max_overflow=10)
    event.listen(engine.sync_engine.pool, "checkout", _ping_if_idle)
    event.listen(engine.sync_engine.pool, "checkin", _stamp_checkin)
    event.listen(engine.sync_engine.pool, "connect", _stamp_checkin)  # a new connection needs no ping
    return engine


def _stamp_checkin(_dbapi_connection: Any, record: Any) -> None:
    """Note when a connection went back to the pool."""
    if record is not None:
        record.info[CHECKED_IN_AT] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Ping a connection that sat idle in the pool (or is new); a dead one is replaced by the pool."""
    checked_in = record.info.get(CHECKED_IN_AT)
    if checked_in is not None and time.monotonic() - checked_in < PING_AFTER_IDLE:
        return
    try:
        dbapi_connection.ping()
    except Exception as exc:
        raise DisconnectionError("the connection did not answer a ping") from exc


def create_read_engine(url: str, *, echo: bool = False) -> AsyncEngine | None:
    """Return a read-only engine for long reads on a SQLite file; None for memory or PostgreSQL."""
    parsed = make_url(engine_url(url))
    if parsed.get_backend_name() != "sqlite" or is_memory_url(url):
        return None
    # The threaded driver keeps a long read off the event loop, and its deferred transactions let
    # WAL readers run while the main engine's writer commits.
    engine = create_async_engine(
        parsed.set(drivername="sqlite+aiosqlite"),
        echo=echo,
        connect_args={"timeout": 30},
        poolclass=AsyncAdaptedQueuePool,
        pool_size=2,
        max_overflow=0,
        pool_timeout=60,
    )
    event.listen(engine.sync_engine, "connect", _sqlite_read_pragmas)
    event.listen(engine.sync_engine, "begin", _sqlite_begin_deferred)
    return engine


def is_memory_url(url: str) -> bool:
    """Tell whether a SQLite URL names a database in memory (no file: it would vanish with its connection)."""
    parsed = make_url(engine_url(url))
    if parsed.get_backend_name() != "sqlite":
        return False
    return not parsed.database or parsed.database == ":memory:" or parsed.query.get("mode") == "memory"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Turn on WAL, foreign keys and a busy timeout, and let SQLAlchemy manage transactions."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    if not isinstance(dbapi_connection, InLoopConnection):  # that driver waits for locks in the loop
        cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_read_pragmas(dbapi_connection: Any, record: Any) -> None:
    """Set the usual pragmas, then refuse writes on this connection."""
    _sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _sqlite_begin_deferred(connection: Any) -> None:
    """Start a plain (deferred) transaction: one consistent snapshot for a read, without the write lock."""
    connection.exec_driver_sql("BEGIN")


def _sqlite_begin_immediate(connection: Any) -> None:
    """Start every SQLite transaction as a writer, so concurrent writers queue instead of failing."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the session factory used by units of work."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
