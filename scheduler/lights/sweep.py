"""The red/yellow-light sweep: fire every due light once, record it, and queue its nudges.

Cost grows with the number of cases due, not the number open: due cases are found through the
index on `cases.next_alert_at`, in batches, each batch one transaction. A light fires once per
case and cycle because its row in `lights` has a unique key (case_id, cycle, kind): the insert
is ON CONFLICT DO NOTHING RETURNING, and only the lights this transaction actually inserted get
an event, nudges (outbox rows with natural dedupe keys) and, for red, an explanation task. Two
sweeps at once cannot both win an insert; on PostgreSQL they also skip each other's locked
cases. After downtime the next sweep finds everything that fell due meanwhile, once.

Performance. A batch's rows are worked out once in Python (texts once per case, payloads once per
light, recipients once per unit, assignee and kind; button payloads without ButtonData.pack(),
which re-reads type hints per call) and written with one statement per table: on PostgreSQL
`INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING RETURNING …` and one
`UPDATE … FROM unnest(…)` for next_alert_at (`PostgresStore`); on SQLite multi-row INSERT … RETURNING and the driver's executemany
(`SqliteStore`: tuples straight to sqlite3, each time and payload converted once). On PostgreSQL
two batches run at once (`SweepSettings.workers`). One sweep over
1,000,000 open cases of which 10,000 fall yellow-due (batch 1,000; 10,000 lights, 10,000 events,
20,000 outbox rows), PostgreSQL 15 and SQLite on one 2-CPU host:

    .venv/bin/python bench/sweep_bench.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres --open 1000000
    .venv/bin/python bench/sweep_bench.py --url sqlite --open 1000000

PostgreSQL 0.87 s on a quiet host (median of 0.86, 0.87, 0.93; 1.19 s with --workers 1; 3.33 s
before). SQLite with SqliteStore: 1.04 s (median of 0.89, 1.14, 1.04), against 1.52 s (1.46, 1.52,
2.35) for SQLAlchemy's executemany in batches of 200, alternated in one session on a host shared
with other jobs (load average 3-5 on 2 CPUs), where PostgreSQL took 1.8-2.4 s. What remains on
PostgreSQL is the server's own work, about equal per statement: the non-HOT update of 10,000 cases
(twelve indexes: next_alert_at is one of them, so no update of it is HOT), the row locks taking
them, index and foreign-key checks of the inserts, and commits. Profile with --profile FILE (cProfile).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduler.lights.nudges import announce
from scheduler.lights.sqlite_store import SqliteStore
from scheduler.lights.store import Lit, PostgresStore, Store
from scheduler.settings import SweepSettings
from storage.cases.supervision import LightKind, Supervision, due_and_next
from storage.cases.workclock import HoursLike

log = logging.getLogger(__name__)
MAX_BATCHES = 10_000  # a guard: each batch advances every case it takes, so this is never reached
# SQLite runs in the event loop's thread: a batch holds the loop while it runs (~50 ms for 500 cases
# with SqliteStore's writes), and waiting chats go between batches. Each batch is a commit (~7-10 ms
# of WAL writes): 500 rather than 200 makes 21 commits of 10,000 due cases instead of 51.
SQLITE_BATCH = 500
_NONE_FIRED: frozenset[LightKind] = frozenset()


@dataclass
class SweepResult:
    """What one sweep did."""

    cases: int = 0
    lights: Counter[str] = field(default_factory=Counter)
    messages: int = 0

    def add(self, other: SweepResult) -> None:
        """Add another batch's figures to these."""
        self.cases += other.cases
        self.lights.update(other.lights)
        self.messages += other.messages

    def describe(self) -> str:
        """Return a one-line summary."""
        lights = ", ".join(f"{k} {v}" for k, v in sorted(self.lights.items())) or "no lights"
        return f"{self.cases} due cases: {lights}; {self.messages} messages queued"


async def sweep_lights(
    session_factory: async_sessionmaker[AsyncSession], supervision: Supervision, settings: SweepSettings, now: datetime
) -> SweepResult:
    """Fire every light due at NOW, batch by batch, until no case is due.

    On PostgreSQL `settings.workers` batches run at once, each in its own transaction on its own
    connection (they skip each other's locked cases), so one batch's statements overlap another's
    Python work; SQLite has one writer, so there batches run one after another.
    """
    bind = session_factory.kw.get("bind")
    workers = settings.workers if bind is not None and bind.dialect.name == "postgresql" else 1
    if bind is not None and bind.dialect.name == "sqlite" and settings.batch > SQLITE_BATCH:
        settings = dataclasses.replace(settings, batch=SQLITE_BATCH)
    total = SweepResult()
    for result in await asyncio.gather(*(_work(session_factory, supervision, settings, now) for _ in range(max(workers, 1)))):
        total.add(result)
    if total.cases:
        log.info("light sweep at %s: %s", now.isoformat(), total.describe())
    return total


async def _work(
    session_factory: async_sessionmaker[AsyncSession], supervision: Supervision, settings: SweepSettings, now: datetime
) -> SweepResult:
    """Sweep batch after batch until a batch comes up short (nothing more is due that nobody holds)."""
    total = SweepResult()
    for _ in range(MAX_BATCHES):
        async with session_factory() as session, session.begin():
            result = await _sweep_batch(session, supervision, settings, now)
        total.add(result)
        if result.cases < settings.batch:
            break
        await asyncio.sleep(0)  # chats waiting for the database go between batches (SQLite runs in the loop)
    return total


async def _sweep_batch(
    session: AsyncSession, supervision: Supervision, settings: SweepSettings, now: datetime
) -> SweepResult:
    """Handle one batch of due cases inside the caller's transaction."""
    dialect = session.get_bind().dialect.name
    store = PostgresStore(session, now) if dialect == "postgresql" else SqliteStore(session, now) if dialect == "sqlite" else Store(session, now)
    cases = await store.take_due(now, settings.batch)
    if not cases:
        return SweepResult()
    fired = await store.fired(cases)
    hours_by_code: dict[str | None, HoursLike] = {}
    candidates: list[Lit] = []
    next_alerts: list[tuple[int, datetime | None]] = []
    for case in cases:
        code = case.facts.department_code
        hours = hours_by_code.get(code)
        if hours is None:
            hours = hours_by_code[code] = supervision.hours(case.facts)
        due, later = due_and_next(case.facts, now, hours, supervision.clock, fired.get(case.id, _NONE_FIRED))
        for kind, at in due:
            candidates.append(Lit(case, kind, at))
        next_alerts.append((case.id, later))
    inserted = await store.insert_lights(candidates, now) if candidates else []
    result = SweepResult(cases=len(cases), lights=Counter(lit.kind.value for lit in inserted))
    if inserted:
        result.messages = await announce(session, store, supervision, settings, now, inserted=inserted)
    await store.set_next_alerts(next_alerts)
    return result


