"""Benchmark `qungong report --period year` over a year of 100,000 or 1,000,000 cases (run by hand).

    .venv/bin/python bench/report_bench.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres --cases 100000
    .venv/bin/python bench/report_bench.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres --cases 1000000
    .venv/bin/python bench/report_bench.py --cases 100000          # SQLite

The demo district gets a year of generated history (storage/demo/history.py) of --base cases (default:
--cases, at most 100,000); above that the history is copied (cases, events, ratings, lights,
explanations and keywords, with new ids and numbers, on the same days) until there are --cases. The
keywords are cut as the case_keywords job cuts them (before copying), and the daily rollup is made. Then the report of
the year to date (text, with hot words) is built --runs times in-process, as `qungong report` builds
it, and once more by the command itself in a fresh process (its wall time includes starting Python and
loading jieba). Reported: each run's wall and CPU seconds, and the median.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scratch import scratch_database  # bench/scratch.py, beside this script
from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from handlers.reports.build import build_report
from handlers.reports.keywords import fill_all_keywords, shared_keywords
from handlers.reports.settings import ReportsSection
from handlers.reports.text import full_text
from nlp.categories import packaged_categories
from nlp.settings import NlpSettings
from storage.cases.categories import fill_categories
from storage.db import create_engine, create_read_engine, create_session_factory
from storage.demo import history
from storage.demo.district import load_demo_district
from storage.migrate import upgrade
from storage.models.cases import Case, CaseEvent, CaseRating, ExplanationTask, Light
from storage.models.reports import CaseKeyword
from storage.stats.period import parse_period
from storage.stats.rollup import refresh_rollup
from storage.uow import UnitOfWork

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
DAYS = 365
ROOT = Path(__file__).resolve().parents[1]


async def load(url: str, base: int) -> int:
    """Load the demo district with a year of history of about BASE cases, categorised; return how many cases."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        history.PER_DAY = round(base / DAYS / 0.91)  # weekends are quieter (see history._arrivals)
        started = time.perf_counter()
        async with UnitOfWork(create_session_factory(engine)) as uow:
            await load_demo_district(uow, NOW, NlpSettings().taxonomy_path)
            made = await history.load_demo_history(uow.session, NOW, TZ, days=DAYS)
            categories = packaged_categories()
            while await fill_categories(uow.session, categories.categorise, batch=20_000):
                pass
            await uow.commit()
        print(f"history: {made.cases:,} cases, {made.events:,} events, {made.lights:,} lights in {time.perf_counter() - started:.0f} s")
        return made.cases
    finally:
        await engine.dispose()


def _copy(table: Table, shift: dict[str, int], renumber: str | None, copy: int) -> str:
    """Return INSERT … SELECT copying TABLE's original rows with ids shifted (SHIFT: column → offset), numbers suffixed."""
    keep = [c.name for c in table.columns if c.name != "id" or "id" in shift]  # new rows get new serial ids
    values = []
    for name in keep:
        if name in shift:
            values.append(f"{name} + {shift[name] * copy}")
        elif name == renumber:
            values.append(f"{name} || '-{copy}'")
        else:
            values.append(name)
    first = next(iter(shift))
    return f"INSERT INTO {table.name} ({', '.join(keep)}) SELECT {', '.join(values)} FROM {table.name} WHERE {first} <= :top"


async def multiply(url: str, cases: int, base: int) -> None:
    """Copy the history (with its keywords) until there are about CASES cases."""
    engine = create_engine(url)
    try:
        copies = max(0, round(cases / base) - 1)
        if not copies:
            return
        started = time.perf_counter()
        async with engine.begin() as conn:
            top_case = int(await conn.scalar(select(func.max(Case.id))) or 0)
            top_light = int(await conn.scalar(select(func.max(Light.id))) or 0)
            tables = (
                (Case.__table__, {"id": top_case}, "number", top_case),
                (CaseEvent.__table__, {"case_id": top_case}, None, top_case),
                (CaseRating.__table__, {"case_id": top_case}, None, top_case),
                (Light.__table__, {"id": top_light, "case_id": top_case}, None, top_light),
                (ExplanationTask.__table__, {"light_id": top_light, "case_id": top_case}, None, top_light),
                (CaseKeyword.__table__, {"case_id": top_case}, None, top_case),
            )
            for copy in range(1, copies + 1):
                for table, shift, renumber, top in tables:
                    await conn.execute(text(_copy(table, shift, renumber, copy)), {"top": top})  # type: ignore[arg-type]
            if engine.dialect.name == "postgresql":
                for name, column in (("cases", "id"), ("lights", "id")):
                    await conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', '{column}'), (SELECT max({column}) FROM {name}))"))
        print(f"copied the history {copies} times in {time.perf_counter() - started:.0f} s")
    finally:
        await engine.dispose()


async def cut_keywords(url: str) -> None:
    """Cut every case's keywords not cut yet, as the case_keywords job does."""
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        done = await fill_all_keywords(create_session_factory(engine), await shared_keywords(None), NOW)
        print(f"keywords cut for {done:,} cases in {time.perf_counter() - started:.0f} s")
    finally:
        await engine.dispose()


async def prepare(url: str) -> None:
    """Make the daily rollup, VACUUM ANALYZE, and show what there is."""
    engine = create_engine(url)
    try:
        async with UnitOfWork(create_session_factory(engine)) as uow:
            await refresh_rollup(uow.session, TZ, NOW)
            await uow.commit()
        async with engine.connect() as conn:  # a settled database, as autovacuum leaves it (visibility map: index-only scans)
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
        async with engine.begin() as conn:
            count = await conn.scalar(select(func.count()).select_from(Case))
            year = parse_period("year", NOW, TZ)
            in_year = await conn.scalar(select(func.count()).select_from(Case).where(Case.created_at >= year.start, Case.created_at < year.end))
            words = await conn.scalar(select(func.count()).select_from(CaseKeyword))
        print(f"{count:,} cases ({in_year:,} in the year to date), {words:,} keyword rows ({engine.dialect.name})")
    finally:
        await engine.dispose()


async def report_once(engine: AsyncEngine, read: AsyncEngine | None) -> tuple[float, float, int]:
    """Build the year's report as `qungong report --period year` does; return wall and CPU seconds and the text's length."""
    keywords = await shared_keywords(None)
    wall, cpu = time.perf_counter(), time.process_time()
    now = datetime.now(UTC)
    period = parse_period("year", now, TZ)
    settings = ReportsSection()
    async with create_session_factory(read or engine)() as session:
        report = await build_report(session, period, unit_code=None, tz=TZ, now=now, settings=settings, keywords=keywords, language="zh")
    body = full_text(report, TZ, settings.min_volume)
    return time.perf_counter() - wall, time.process_time() - cpu, len(body)


async def measure(url: str, runs: int) -> list[tuple[float, float]]:
    """Build the report RUNS times (after one warm-up); return (wall, CPU) seconds per run."""
    engine = create_engine(url)
    read = create_read_engine(url)
    try:
        await report_once(engine, read)
        found = []
        for _ in range(runs):
            wall, cpu, length = await report_once(engine, read)
            print(f"  report --period year: {wall:.2f} s wall, {cpu:.2f} s CPU ({length:,} characters)")
            found.append((wall, cpu))
        return found
    finally:
        if read is not None:
            await read.dispose()
        await engine.dispose()


def command(url: str) -> float:
    """Run `qungong report --period year` in a fresh process; return its wall seconds."""
    environ = os.environ | {"QUNGONG_STORAGE__URL": url, "QUNGONG_APP__DEMO": "false"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bot.cli.main", "report", "--period", "year"], cwd=ROOT, env=environ, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"qungong report failed ({done.returncode}): {done.stdout[-500:]} {done.stderr[-2000:]}")
    return elapsed


@asynccontextmanager
async def kept_database(url: str, name: str) -> AsyncIterator[str]:
    """Yield the URL of database NAME on the PostgreSQL server of URL (or a SQLite file NAME), made if missing and kept."""
    if url == "sqlite":
        yield f"sqlite:///{Path(name).resolve()}"
        return
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            if not await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    yield make_url(url).set(database=name).render_as_string(hide_password=False)


async def _has_cases(url: str) -> bool:
    """Tell whether a kept database was loaded already."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return bool(await conn.scalar(text("SELECT count(*) FROM cases")))
    except DBAPIError:
        return False
    finally:
        await engine.dispose()


async def run(url: str, cases: int, base: int, runs: int, keep: str | None) -> None:
    """Load, multiply and prepare a scratch (or kept) database, then measure."""
    async with kept_database(url, keep) if keep else scratch_database(url, "report.db") as scratch:
        if not (keep and await _has_cases(scratch)):
            made = await load(scratch, base)
            await cut_keywords(scratch)  # before copying: the copies take their keywords along
            await multiply(scratch, cases, made)
            await prepare(scratch)
        found = await measure(scratch, runs)
        whole = command(scratch)
    walls, cpus = zip(*found, strict=True)
    print(f"report --period year, in-process: median {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU ({runs} runs)")
    print(f"qungong report --period year (fresh process, jieba loaded): {whole:.2f} s wall")


def main() -> None:
    """Parse the arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="a postgresql+asyncpg:// URL of a server database (default: SQLite)")
    parser.add_argument("--cases", type=int, default=100_000, help="cases in the year of history")
    parser.add_argument("--base", type=int, help="cases generated (the rest are copies; default: --cases, at most 100,000)")
    parser.add_argument("--runs", type=int, default=3, help="reports built (the median is reported)")
    parser.add_argument("--keep", metavar="NAME", help="load into database (or SQLite file) NAME and keep it; measure again without loading")
    args = parser.parse_args()
    asyncio.run(run(args.postgres or "sqlite", args.cases, args.base or min(args.cases, 100_000), args.runs, args.keep))


if __name__ == "__main__":
    main()
