"""Count PostgreSQL round trips: every message the asyncpg protocol sends and then waits for an answer to.

    counter = RoundTrips.attach(engine)   # before the connections are used
    before = counter.count; ...; counter.count - before

Each connection's asyncpg protocol is wrapped on checkout (once) by a proxy that counts the calls
that go to the server and wait for its answer: a simple query (BEGIN, COMMIT, ROLLBACK, a ping),
a prepare (only when a statement is not in the connection's cache yet), a bind-and-execute, an
executemany. Bench use only: it leans on asyncpg's internals (`Connection._protocol`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

ROUND_TRIPS = frozenset({"query", "prepare", "bind_execute", "bind_execute_many", "bind", "execute", "close_statement"})


class _CountingProtocol:
    """Forwards everything to the real protocol, counting the calls that are round trips."""

    def __init__(self, protocol: Any, counter: RoundTrips) -> None:
        self._protocol = protocol
        self._counter = counter

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._protocol, name)
        if name in ROUND_TRIPS:
            self._counter.count += 1
            self._counter.by_kind[name] = self._counter.by_kind.get(name, 0) + 1
        return attribute


class RoundTrips:
    """The number of round trips made so far on an engine's asyncpg connections."""

    def __init__(self) -> None:
        self.count = 0
        self.by_kind: dict[str, int] = {}

    @classmethod
    def attach(cls, engine: AsyncEngine) -> RoundTrips:
        """Start counting on ENGINE's connections (each is wrapped the first time it is checked out)."""
        counter = cls()

        def wrap(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            driver = dbapi_connection.driver_connection
            if not isinstance(driver._protocol, _CountingProtocol):
                driver._protocol = _CountingProtocol(driver._protocol, counter)

        event.listen(engine.sync_engine.pool, "checkout", wrap)
        return counter
