"""Benchmark one light sweep over N open cases of which a fraction are due (run by hand).

    .venv/bin/python bench/sweep_bench.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres --open 1000000
    .venv/bin/python bench/sweep_bench.py --url sqlite --open 100000

For PostgreSQL the URL names a server database used only to CREATE and DROP a scratch database;
"sqlite" uses a scratch file. Cases are bulk-loaded (COPY on PostgreSQL, executemany on SQLite).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scratch import scratch_database  # bench/scratch.py, beside this script
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from scheduler.lights.sweep import sweep_lights
from scheduler.settings import SweepSettings
from storage.cases.supervision import DEFAULT_SUPERVISION
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models.cases import Case
from storage.models.chat import OutboxMessage
from storage.models.people import ChannelAccount, Person, RoleBinding, Unit

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Shanghai")
COLUMNS = [
    "id", "number", "request_type", "text", "photos", "resident_person_id", "anonymous", "status", "cycle",
    "redo_count", "dispatched_at", "sign_deadline", "handle_deadline", "next_alert_at", "current_unit_id",
    "assignee_person_id", "created_at", "updated_at", "version", "department_code", "keywords_cut",
]


async def _org(engine: AsyncEngine) -> dict[str, int]:
    """Create a community, 50 grids with members, the command center with 3 people."""
    factory = create_session_factory(engine)
    async with factory() as s, s.begin():
        head = Person(name="社区书记", created_at=NOW)
        center_head = Person(name="中心主任", created_at=NOW)
        resident = Person(name="居民", created_at=NOW)
        s.add_all([head, center_head, resident])
        await s.flush()
        community = Unit(code="c", name="社区", kind="community", head_person_id=head.id)
        center = Unit(code="dispatch", name="指挥中心", kind="command_center", head_person_id=center_head.id)
        s.add_all([community, center])
        await s.flush()
        for i in range(2):
            member = Person(name=f"调度{i}", created_at=NOW)
            s.add(member)
            await s.flush()
            s.add(RoleBinding(person_id=member.id, role="command_center", unit_id=center.id, created_at=NOW))
        grids = []
        for i in range(50):
            member = Person(name=f"网格员{i}", created_at=NOW)
            s.add(member)
            await s.flush()
            grid = Unit(code=f"g{i}", name=f"网格{i}", kind="grid", parent_id=community.id)
            s.add(grid)
            await s.flush()
            s.add(RoleBinding(person_id=member.id, role="grid_member", unit_id=grid.id, created_at=NOW))
            s.add(ChannelAccount(channel="sim", external_id=f"m{i}", chat_id=f"m{i}", person_id=member.id, created_at=NOW))
            grids.append((grid.id, member.id))
    return {"resident": resident.id, **{f"grid{i}": g for i, (g, _) in enumerate(grids)},
            **{f"member{i}": m for i, (_, m) in enumerate(grids)}}


def _rows(n: int, due_every: int, org: dict[str, int]) -> list[tuple[Any, ...]]:
    """Return N signed cases; every DUE_EVERY-th fell yellow-due a minute ago, the rest are fresh."""
    rows = []
    for i in range(1, n + 1):
        due = i % due_every == 0
        dispatched = NOW - timedelta(hours=24, minutes=1) if due else NOW - timedelta(hours=1)
        g = i % 50
        rows.append((
            i, f"B-{i:08d}", "help", "路灯不亮", "[]", org["resident"], False, "signed", 1, 0,
            dispatched, dispatched + timedelta(hours=4), dispatched + timedelta(hours=48),
            dispatched + timedelta(hours=24), org[f"grid{g}"], org[f"member{g}"], dispatched, dispatched, 1, None,
            True,  # keywords cut long ago (the case_keywords job cuts a case within a minute)
        ))
    return rows


async def _load_postgres(engine: AsyncEngine, rows: list[tuple[Any, ...]]) -> None:
    """COPY the cases in."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        await raw.driver_connection.copy_records_to_table("cases", records=rows, columns=COLUMNS)  # type: ignore[union-attr]
        await conn.execute(text("SELECT setval('cases_id_seq', (SELECT max(id) FROM cases))"))
        await conn.execute(text("ANALYZE cases"))
        await conn.commit()


async def _load_sqlite(engine: AsyncEngine, rows: list[tuple[Any, ...]]) -> None:
    """Insert the cases with executemany in chunks."""
    table = Case.__table__
    async with engine.begin() as conn:
        for start in range(0, len(rows), 50_000):
            chunk = [dict(zip(COLUMNS, r, strict=True)) for r in rows[start : start + 50_000]]
            for row in chunk:
                row["photos"] = json.loads(row["photos"])
            await conn.execute(table.insert(), chunk)  # type: ignore[attr-defined]
        await conn.execute(text("ANALYZE"))


async def run(url: str, n: int, fraction: float, batch: int, workers: int, profile: str | None = None) -> None:  # noqa: PLR0917
    """Load N cases, then time one sweep."""
    async with scratch_database(url, "bench.db") as scratch_url:
        await _measure(scratch_url, n, fraction, batch, workers, profile)


async def _measure(url: str, n: int, fraction: float, batch: int, workers: int, profile: str | None) -> None:  # noqa: PLR0917
    """Load the cases into a fresh database and time the sweep."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        org = await _org(engine)
        rows = _rows(n, round(1 / fraction), org)
        started = time.perf_counter()
        await (_load_postgres if engine.dialect.name == "postgresql" else _load_sqlite)(engine, rows)
        print(f"loaded {n:,} open cases in {time.perf_counter() - started:.1f} s ({engine.dialect.name})")
        factory = create_session_factory(engine)
        settings = SweepSettings(tz=TZ, batch=batch, workers=workers, quiet_start=NOW.time(), quiet_end=NOW.time())
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        result = await sweep_lights(factory, DEFAULT_SUPERVISION, settings, NOW)
        elapsed = time.perf_counter() - started
        if profiler and profile:
            profiler.disable()
            profiler.dump_stats(profile)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        print(f"sweep: {result.describe()} in {elapsed:.3f} s ({result.cases / elapsed:,.0f} due cases/s)")
        started = time.perf_counter()
        again = await sweep_lights(factory, DEFAULT_SUPERVISION, settings, NOW)
        print(f"second sweep (nothing due): {again.describe()} in {time.perf_counter() - started:.4f} s")
        async with factory() as s:
            print(f"outbox rows: {await s.scalar(select(func.count(OutboxMessage.id)))}")
    finally:
        await engine.dispose()


def main() -> None:
    """Parse the arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="sqlite", help='"sqlite" or a postgresql+asyncpg:// URL')
    parser.add_argument("--open", type=int, default=100_000, help="open cases")
    parser.add_argument("--due", type=float, default=0.01, help="fraction of them due")
    parser.add_argument("--batch", type=int, default=1000, help="cases per sweep transaction")
    parser.add_argument("--workers", type=int, default=2, help="batches at once (PostgreSQL only)")
    parser.add_argument("--profile", metavar="FILE", help="profile the sweep with cProfile, save the stats to FILE")
    args = parser.parse_args()
    asyncio.run(run(args.url, args.open, args.due, args.batch, args.workers, args.profile))


if __name__ == "__main__":
    main()
