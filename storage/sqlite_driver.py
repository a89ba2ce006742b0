"""SQLite for the asyncio engine without a thread hop: statements run in the event loop's own thread.

aiosqlite sends every cursor call through a worker thread (four hops per statement), which costs
more than the statements themselves: a local SQLite statement takes tens of microseconds, a hop
about a hundred. Here the standard `sqlite3` module runs each statement directly in the loop, so
the async ORM pays only its greenlet switch. Nothing may *sleep* in the loop, so SQLite's own busy
handler is off (`timeout=0`); when another connection holds the write lock, beginning a transaction
fails with SQLITE_BUSY and is retried after an `asyncio.sleep`, with backoff, for up to
`busy_timeout` seconds. A statement inside a transaction never waits that way: the dialect begins
every transaction with `BEGIN IMMEDIATE`, so it already holds the lock.

The URL is `sqlite:///PATH` (storage.db maps it to this dialect); `sqlite+aiosqlite:///PATH` still
selects the threaded driver. Long analytic reads (leader reports) do not run here: they have their
own read-only connection on the threaded driver (storage.db.create_read_engine), and the light
sweep yields to waiting chats between batches.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import pool
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import AdaptedConnection
from sqlalchemy.engine.url import URL
from sqlalchemy.util.concurrency import await_only

DIALECT_NAME = "sqlite.inloop"
DEFAULT_BUSY_TIMEOUT = 30.0
FIRST_BACKOFF = 0.0005
LONGEST_BACKOFF = 0.05
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
T = TypeVar("T")
Parameters = Sequence[Any] | dict[str, Any]


def is_busy(error: BaseException) -> bool:
    """Tell whether SQLite refused because another connection holds a lock."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    return "database is locked" in str(error)


class InLoopConnection(AdaptedConnection):
    """The DBAPI connection SQLAlchemy's async engine sees, running `sqlite3` calls in place."""

    __slots__ = ("busy_timeout", "dbapi", "raw")

    def __init__(self, dbapi: InLoopDBAPI, connection: sqlite3.Connection, busy_timeout: float) -> None:
        self.dbapi = dbapi
        self.raw = connection
        self._connection = cast(Any, connection)  # what SQLAlchemy hands out as the driver connection
        self.busy_timeout = busy_timeout

    def run(self, call: Callable[..., T], *args: Any) -> T:
        """Run one sqlite3 call; outside a transaction, wait for a busy database in the loop, not in SQLite."""
        deadline: float | None = None
        backoff = FIRST_BACKOFF
        while True:
            try:
                return call(*args)
            except sqlite3.OperationalError as error:
                if not is_busy(error) or self.raw.in_transaction:
                    raise
                deadline = deadline or time.monotonic() + self.busy_timeout
                if time.monotonic() >= deadline:
                    raise
            await_only(asyncio.sleep(backoff))
            backoff = min(backoff * 2, LONGEST_BACKOFF)

    @property
    def isolation_level(self) -> str | None:
        """The sqlite3 module's transaction mode (None: SQLAlchemy issues BEGIN itself)."""
        return self.raw.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: Any) -> None:
        self.raw.isolation_level = value

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open on this connection."""
        return self.raw.in_transaction

    def create_function(self, *args: Any, **kw: Any) -> None:
        """Register an SQL function (SQLAlchemy adds REGEXP this way)."""
        self.raw.create_function(*args, **kw)

    def cursor(self, server_side: bool = False) -> InLoopCursor:
        """Return a cursor (SQLite has no server-side cursors)."""
        return InLoopCursor(self)

    def execute(self, operation: str, parameters: Parameters = ()) -> sqlite3.Cursor:
        """Execute one statement on the connection."""
        return self.run(self.raw.execute, operation, parameters)

    def commit(self) -> None:
        """Commit the open transaction."""
        self.run(self.raw.commit)

    def rollback(self) -> None:
        """Roll back the open transaction."""
        self.raw.rollback()

    def close(self) -> None:
        """Close the connection."""
        self.raw.close()


class InLoopCursor:
    """A DBAPI cursor over a `sqlite3.Cursor`, retrying a busy start as its connection does."""

    __slots__ = ("_adapted", "_cursor")
    server_side = False

    def __init__(self, adapted: InLoopConnection) -> None:
        self._adapted = adapted
        self._cursor: sqlite3.Cursor = adapted.raw.cursor()

    @property
    def description(self) -> Any:
        """Column descriptions of the last query, or None."""
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        """Rows changed by the last statement."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """The row id of the last inserted row."""
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        """Rows returned by fetchmany() without a size."""
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    def execute(self, operation: str, parameters: Parameters | None = None) -> None:
        """Execute one statement."""
        self._adapted.run(self._cursor.execute, operation, () if parameters is None else parameters)
        _awaited()

    def executemany(self, operation: str, seq_of_parameters: Sequence[Parameters]) -> None:
        """Execute one statement for each set of parameters."""
        self._adapted.run(self._cursor.executemany, operation, seq_of_parameters)
        _awaited()

    def fetchone(self) -> Any:
        """Return the next row, or None."""
        return self._cursor.fetchone()

    def fetchmany(self, size: int | None = None) -> list[Any]:
        """Return up to `size` rows."""
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    def fetchall(self) -> list[Any]:
        """Return the remaining rows."""
        return self._cursor.fetchall()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor)

    def setinputsizes(self, *inputsizes: Any) -> None:
        """Do nothing, as DBAPI allows."""

    def close(self) -> None:
        """Close the cursor."""
        self._cursor.close()

    async def _async_soft_close(self) -> None:
        """Nothing to release before an async result is handed over: the rows are read in place."""


async def _done() -> None:
    """An awaitable that completes at once."""


def _awaited() -> None:
    """Await something that is already done: AsyncConnection.execute() insists the driver awaited.

    It costs one greenlet switch and does not yield to the event loop.
    """
    await_only(_done())


class InLoopDBAPI:
    """The DBAPI module SQLAlchemy sees: `sqlite3`'s names, with connect() returning an InLoopConnection."""

    paramstyle = "qmark"

    def __init__(self) -> None:
        self.sqlite = sqlite3

    def connect(self, *args: Any, **kw: Any) -> InLoopConnection:
        """Open a connection whose busy waits happen in the event loop."""
        busy_timeout = float(kw.pop("timeout", DEFAULT_BUSY_TIMEOUT))
        kw.pop("async_fallback", None)
        kw["check_same_thread"] = False  # the pool may close a connection from another thread
        # SQLite's busy handler would sleep in the loop; the adapter waits with asyncio instead.
        connection: sqlite3.Connection = sqlite3.connect(*args, timeout=0, **kw)  # type: ignore[call-overload]
        return InLoopConnection(self, connection, busy_timeout)

    def __getattr__(self, name: str) -> Any:
        # Error classes, sqlite_version, PARSE_* and Binary: exactly the sqlite3 module's.
        return getattr(sqlite3, name)


class SQLiteDialect_inloop(SQLiteDialect_pysqlite):  # noqa: N801 (SQLAlchemy's naming for dialects)
    """SQLAlchemy's SQLite dialect for the async engine, with statements run in the loop's thread."""

    driver = "inloop"
    supports_statement_cache = True
    is_async = True
    has_terminate = False
    supports_server_side_cursors = False

    @classmethod
    def import_dbapi(cls) -> Any:
        """Return the in-loop DBAPI module."""
        return InLoopDBAPI()

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        """A queue pool for a file, one static connection for memory."""
        return pool.AsyncAdaptedQueuePool if cls._is_url_file_db(url) else pool.StaticPool

    def get_driver_connection(self, connection: Any) -> Any:
        """Return the raw sqlite3 connection."""
        return connection.raw

    def do_begin(self, dbapi_connection: Any) -> None:
        """Begin every transaction as the writer, so writers queue for the lock instead of failing later."""
        dbapi_connection.execute("BEGIN IMMEDIATE")


dialect = SQLiteDialect_inloop
