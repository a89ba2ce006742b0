"""One chat floods while 20 residents walk report flows: the residents' latency beside a quiet run (run by hand).

    .venv/bin/python bench/flood_bench.py [--postgres URL] [--runs 3]

Twenty residents walk the report flow paced (together --rate messages a second, a fixed timetable, so
latency counts from when a message was due). In the flood run one more chat sends --flood messages at
once (--inflight at a time, as a script hammering a webhook would). The dispatcher's intake limit
(`[abuse] messages_per_minute`) answers the flood after its first minute's worth with one polite
"slow down" and handles nothing more from it, before taking the chat's lock or touching the database.
Printed: the residents' p50 and p99 in the quiet and the flood run (medians of --runs runs of each),
their ratio, and what became of the flood's messages.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from dispatch_bench import (  # bench/dispatch_bench.py, beside this script
    SCRIPT,
    Tally,
    Workload,
    _walk,
    paced,
)
from scratch import scratch_database

from bot.app import App, build_app, load_demo, start_app
from bot.config.loader import load_config
from bot.heap import settle_heap
from handlers.messages import Inbound, InboundKind
from nlp import NlpSettings, load_classifier
from storage.migrate import upgrade

RESIDENTS = 20


async def _flood(app: App, tag: str, messages: int, inflight: int) -> tuple[int, int]:
    """Send MESSAGES from one chat, INFLIGHT at a time; return (answered with something, answered with nothing)."""
    dispatcher = app.running_dispatcher()
    queue = iter(range(messages))
    answered = silent = 0

    async def one_stream() -> None:
        nonlocal answered, silent
        for number in queue:
            replies = await dispatcher.handle(Inbound("bench", tag, tag, InboundKind.TEXT, f"刷屏 {number}", f"{tag}-{number}"))
            answered, silent = (answered + 1, silent) if replies else (answered, silent + 1)

    await asyncio.gather(*(one_stream() for _ in range(inflight)))
    return answered, silent


async def _residents(app: App, tag: str, rate: float, conversations: int) -> list[float]:
    """Walk the report flow with RESIDENTS residents paced at RATE messages a second; return their latencies."""
    work = Workload(RESIDENTS, conversations, SCRIPT, rate)
    tally = Tally()
    start = time.perf_counter()
    gap = RESIDENTS / rate
    spread = gap * len(SCRIPT) / RESIDENTS
    dispatcher = app.running_dispatcher()
    await asyncio.gather(*(_walk(dispatcher, f"{tag}{i}", work, paced(start + 0.01, gap, spread * i), tally) for i in range(RESIDENTS)))
    return tally.latencies


def _p(latencies: list[float], q: float) -> float:
    """Return the q-quantile in milliseconds."""
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


async def bench(url: str, label: str, args: argparse.Namespace) -> None:
    """Quiet and flood runs, alternated, on one database."""
    # The residents open more cases an hour than [abuse] allows a person; the per-chat message limit stays as configured.
    environ = {"QUNGONG_STORAGE__URL": url, "QUNGONG_LOGGING__LEVEL": "ERROR", "QUNGONG_ABUSE__NEW_CASES_PER_HOUR": "1000000"}
    app = build_app(load_config(None, environ=environ))
    try:
        await upgrade(app.engine)
        await load_demo(app)
        await start_app(app, load_classifier(NlpSettings()))
        settle_heap()
        await _residents(app, "warm", args.rate, 1)
        quiet: list[tuple[float, float]] = []
        flood: list[tuple[float, float]] = []
        fates: list[tuple[int, int]] = []
        for run in range(args.runs):
            latencies = await _residents(app, f"q{run}-", args.rate, args.conversations)
            quiet.append((_p(latencies, 0.5), _p(latencies, 0.99)))
            walking = asyncio.create_task(_residents(app, f"f{run}-", args.rate, args.conversations))
            fates.append(await _flood(app, f"flooder{run}", args.flood, args.inflight))
            latencies = await walking
            flood.append((_p(latencies, 0.5), _p(latencies, 0.99)))
        q50, q99 = statistics.median(q[0] for q in quiet), statistics.median(q[1] for q in quiet)
        f50, f99 = statistics.median(f[0] for f in flood), statistics.median(f[1] for f in flood)
        answered = statistics.median(f[0] for f in fates)
        print(f"{label:10} residents quiet: p50 {q50:6.1f} ms  p99 {q99:6.1f} ms   with a flood: p50 {f50:6.1f} ms  p99 {f99:6.1f} ms"
              f"   p99 ratio {f99 / q99:4.2f}   flood: {args.flood} sent, {answered:.0f} answered (the rest silently not handled)", flush=True)
    finally:
        await app.close()


async def main_async(args: argparse.Namespace) -> None:
    """Run on SQLite, then on PostgreSQL when a server URL is given."""
    print(f"{RESIDENTS} residents at {args.rate:.0f} msg/s together; one chat sends {args.flood} at once ({args.inflight} in flight); medians of {args.runs}")
    async with scratch_database("sqlite") as url:
        await bench(url, "SQLite", args)
    if args.postgres:
        async with scratch_database(args.postgres) as url:
            await bench(url, "PostgreSQL", args)


def main() -> None:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="the residents' messages a second, together (default 100)")
    parser.add_argument("--conversations", type=int, default=3, help="report conversations per resident per run (default 3)")
    parser.add_argument("--flood", type=int, default=2000, help="messages the flooding chat sends (default 2000)")
    parser.add_argument("--inflight", type=int, default=20, help="of them at a time (default 20)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (postgresql+asyncpg://...); a fresh database is made on it")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
