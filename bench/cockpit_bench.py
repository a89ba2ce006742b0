"""Benchmark the cockpit's headline and map (what its page refreshes every 30 s) over a year of 100,000 cases (run by hand).

    .venv/bin/python bench/cockpit_bench.py --url sqlite
    .venv/bin/python bench/cockpit_bench.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres

The demo district gets a year of generated history (storage/demo/history.py, scaled to --cases); then
the headline and the map of the last 30 and the last 365 days, for the district and for one street, are
asked for --repeat times each, as `GET /cockpit/api/live` asks for them: first counted from the cases
alone (no rollup yet), then with the daily rollup made (storage/stats/rollup.py, the stats_rollup
job). Beside them, in the same run,
two references on the same data: counting the period's cases (the floor any figure pays), and
fetching every case row of the period (what counting in Python, the way before, started with).
Last, over HTTP as a signed-in browser: the live refresh (`/cockpit/api/live`, headline and map) and,
for comparison only, the whole overview page (it also builds the hot words and per-unit tables; a
report made in the last two minutes is reused, so it is measured both with and without one).
Reported per measure: p50 and p95 wall time and CPU time per call, the median of --runs runs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scratch import scratch_database  # bench/scratch.py, beside this script
from sqlalchemy import func, select, text

from handlers.reports.dashboard import quick_pulse
from nlp.categories import packaged_categories
from nlp.settings import NlpSettings
from storage.cases.categories import fill_categories
from storage.db import create_engine, create_read_engine, create_session_factory
from storage.demo import history
from storage.demo.district import load_demo_district
from storage.migrate import upgrade
from storage.models.cases import Case
from storage.stats.period import Period, parse_period
from storage.stats.rollup import refresh_rollup
from storage.uow import UnitOfWork

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)  # the history ends now: "now" figures are live
DAYS = 365
SPANS = {"30 days": 30, "365 days": 365}  # the last N local days, today included (the cockpit's custom period)


def span(days: int) -> tuple[str, str]:
    """Return the cockpit's from and to (both included) for the last DAYS local days."""
    today = NOW.astimezone(TZ).date()
    return (today - timedelta(days=days - 1)).isoformat(), today.isoformat()


def span_period(days: int) -> Period:
    """Return the period the cockpit makes of span(DAYS)."""
    first, last = span(days)
    return parse_period(f"{first}..{(date.fromisoformat(last) + timedelta(days=1)).isoformat()}", NOW, TZ)


async def load(url: str, cases: int) -> None:
    """Load the demo district with a year of history of about CASES cases."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        history.PER_DAY = round(cases / DAYS / 0.91)  # weekends are quieter (see history._arrivals)
        started = time.perf_counter()
        async with UnitOfWork(create_session_factory(engine)) as uow:
            await load_demo_district(uow, NOW, NlpSettings().taxonomy_path)
            made = await history.load_demo_history(uow.session, NOW, TZ, days=DAYS)
            categories = packaged_categories()
            while await fill_categories(uow.session, categories.categorise, batch=20_000):
                pass
            await uow.commit()
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
        print(f"loaded {made.cases:,} cases, {made.events:,} events, {made.lights:,} lights in {time.perf_counter() - started:.0f} s ({engine.dialect.name})")
    finally:
        await engine.dispose()


async def roll_up(url: str) -> None:
    """Run the daily rollup once, as the stats_rollup job does every minute."""
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        async with UnitOfWork(create_session_factory(engine)) as uow:
            done = await refresh_rollup(uow.session, TZ, NOW)
            await uow.commit()
        print(f"rollup: {done} in {time.perf_counter() - started:.2f} s")
    finally:
        await engine.dispose()


async def timed(call: Callable[[], Awaitable[Any]], repeat: int) -> tuple[list[float], list[float]]:
    """Call REPEAT times (after one warm-up); return wall and CPU seconds per call."""
    await call()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        await call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus


def p95(values: list[float]) -> float:
    """Return the 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


async def measure(url: str, repeat: int, label: str) -> dict[str, tuple[float, float, float]]:
    """Time each measure once (REPEAT calls); return {name: (p50 ms, p95 ms, cpu ms per call)}, named with LABEL."""
    engine = create_engine(url)
    read_engine = create_read_engine(url)
    sessions = create_session_factory(read_engine or engine)
    results: dict[str, tuple[float, float, float]] = {}
    try:
        for period_name, days in SPANS.items():
            period = span_period(days)
            where = (Case.created_at >= period.start) & (Case.created_at < period.end)
            for unit in (None, "dh"):

                async def headline_and_map(unit: str | None = unit, period: Any = period) -> None:
                    async with sessions() as session:
                        await quick_pulse(session, period, unit, tz=TZ, now=NOW)

                walls, cpus = await timed(headline_and_map, repeat)
                results[f"headline+map {period_name} {unit or 'district'} ({label})"] = (statistics.median(walls) * 1000, p95(walls) * 1000, statistics.mean(cpus) * 1000)

            async def count(where: Any = where) -> None:
                async with sessions() as session:
                    await session.scalar(select(func.count()).select_from(Case).where(where))

            async def rows(where: Any = where) -> None:
                async with sessions() as session:
                    columns = (Case.street_id, Case.community_id, Case.grid_id, Case.department_code, Case.status, Case.created_at, Case.completed_at, Case.handle_deadline)
                    (await session.execute(select(*columns).where(where))).all()

            references = (("reference: count the period's cases", count), ("reference: fetch the period's case rows", rows))
            for name, call in references if label == "rollup" else ():
                walls, cpus = await timed(call, max(3, repeat // 3))
                results[f"{name} ({period_name})"] = (statistics.median(walls) * 1000, p95(walls) * 1000, statistics.mean(cpus) * 1000)
    finally:
        if read_engine is not None:
            await read_engine.dispose()
        await engine.dispose()
    return results


async def measure_http(url: str, repeat: int) -> dict[str, tuple[float, float, float]]:
    """Time the cockpit over HTTP as a signed-in browser meets it: the live refresh (headline and map), and the whole overview page."""
    from aiohttp.test_utils import TestClient, TestServer  # noqa: PLC0415

    from bot.app import build_app  # noqa: PLC0415
    from bot.config.loader import load_config  # noqa: PLC0415
    from bot.web.cockpit.pages import CACHE_KEY  # noqa: PLC0415
    from bot.web.server import build_web_app  # noqa: PLC0415
    from storage.cockpit_access import issue_link  # noqa: PLC0415

    app = build_app(load_config(None, environ={"QUNGONG_STORAGE__URL": url, "QUNGONG_APP__DEMO": "false"}))
    client = TestClient(TestServer(build_web_app(app)))
    await client.start_server()
    results: dict[str, tuple[float, float, float]] = {}
    try:
        async with app.uow() as uow:
            leader = await uow.people.by_demo_key("leader-district")
            assert leader is not None
            issued = await issue_link(uow.session, leader.id, datetime.now(UTC), timedelta(hours=1), via="bench")
            await uow.commit()
        assert (await client.post("/cockpit/login", data={"code": issued.code}, allow_redirects=False)).status == 303
        query = {name: "period=custom&from={}&to={}".format(*span(days)) for name, days in SPANS.items()}
        pages = (("GET /cockpit/api/live (30 days)", f"/cockpit/api/live?{query['30 days']}", repeat, False),
                 ("GET /cockpit/api/live (365 days)", f"/cockpit/api/live?{query['365 days']}", repeat, False),
                 ("GET /cockpit/ whole page, report reused (30 days)", f"/cockpit/?{query['30 days']}", max(3, repeat // 3), False),
                 ("GET /cockpit/ whole page, first (30 days)", f"/cockpit/?{query['30 days']}", max(3, repeat // 10), True))
        for name, path, calls, cold in pages:

            async def fetch(path: str = path, cold: bool = cold) -> None:
                if cold:
                    client.server.app[CACHE_KEY].found.clear()
                response = await client.get(path)
                assert response.status == 200, await response.text()
                await response.read()

            walls, cpus = await timed(fetch, calls)
            results[name] = (statistics.median(walls) * 1000, p95(walls) * 1000, statistics.mean(cpus) * 1000)
    finally:
        await client.close()
        await app.close()
    return results


async def run(url: str, cases: int, repeat: int, runs: int) -> None:
    """Load a year of cases into a scratch database, then measure RUNS times and print the medians."""
    async with scratch_database(url, "cockpit.db") as scratch:
        await load(scratch, cases)
        direct = [await measure(scratch, repeat, "no rollup") for _ in range(runs)]
        await roll_up(scratch)
        rolled = [await measure(scratch, repeat, "rollup") for _ in range(runs)]
        served = [await measure_http(scratch, repeat) for _ in range(runs)]
        all_runs = [d | r | h for d, r, h in zip(direct, rolled, served, strict=True)]
    print(f"\n{'measure':48} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms/call':>12}   (median of {runs} runs, {repeat} calls each)")
    for name in all_runs[0]:
        p50s, p95s, cpus = zip(*(r[name] for r in all_runs), strict=True)
        print(f"{name:48} {statistics.median(p50s):8.1f} {statistics.median(p95s):8.1f} {statistics.median(cpus):12.1f}")


def main() -> None:
    """Parse the arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="sqlite", help='"sqlite" or a postgresql+asyncpg:// URL of a server database')
    parser.add_argument("--cases", type=int, default=100_000, help="cases in the year of history")
    parser.add_argument("--repeat", type=int, default=30, help="calls per measure")
    parser.add_argument("--runs", type=int, default=3, help="runs (the median is reported)")
    args = parser.parse_args()
    asyncio.run(run(args.url, args.cases, args.repeat, args.runs))


if __name__ == "__main__":
    main()
