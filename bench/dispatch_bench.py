"""Dispatcher throughput and latency for whole report conversations, with an echo handler as the ceiling.

    .venv/bin/python bench/dispatch_bench.py [--residents 8] [--conversations 25] [--rate 1000] [--postgres URL]

Each simulated resident walks the report flow (10 messages, ending in a dispatched case) on its
own chat, `--conversations` times; all residents run concurrently in one process, on a fresh
database with the demo district and its history.

- Closed loop (always): each resident sends its next message as soon as the reply to the last one
  arrives. A message's latency runs from the moment it is sent, so waiting behind other chats'
  messages counts. Throughput here is the capacity of one process.
- Paced (`--rate R`): the residents together send R messages a second on a fixed timetable, whatever
  the replies; a message's latency runs from when it was due, so falling behind shows as latency
  rather than hiding as a slower send rate. Residents start one after another over the length of
  one conversation, so at any moment they are at different steps, as real residents would be.

The echo run sends the same number of messages through the same dispatcher (recording, sender and
conversation state, the transaction) with a handler that only echoes, so the difference is the cost
of the flows themselves. `--postgres URL` repeats everything on a fresh database made (and dropped)
on that server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from scratch import scratch_database  # bench/scratch.py, beside this script
from sqlalchemy import text

from bot.app import App, build_app, load_demo, start_app
from bot.config.loader import load_config
from bot.dispatcher import Dispatcher
from bot.heap import settle_heap
from handlers.core import Context, Step
from handlers.messages import Inbound, InboundKind, Outbound
from nlp import NlpSettings, load_classifier
from storage.migrate import upgrade

SCRIPT: list[tuple[InboundKind, str]] = [
    (InboundKind.TEXT, "我要反映"),
    (InboundKind.BUTTON, "c:report.type:complaint"),
    (InboundKind.TEXT, "东湖路上有个大坑，车开过去很危险"),
    (InboundKind.TEXT, "晚上没有路灯，更看不见"),
    (InboundKind.BUTTON, "c:report.describe:done"),
    (InboundKind.TEXT, "桂香苑7栋"),
    (InboundKind.BUTTON, "c:report.route:ok"),
    (InboundKind.BUTTON, "c:report.contact:none"),
    (InboundKind.BUTTON, "c:report.confirm:submit"),
]
SIMILAR_NEW = "c:report.similar:new"
ECHO_SCRIPT: list[tuple[InboundKind, str]] = [(InboundKind.TEXT, "回声")] * 10
# When a message is sent, and from when its latency counts: now (closed loop) or its due time (paced).
Pace = Callable[[int], Awaitable[float]]


@dataclass(frozen=True)
class Workload:
    """Who sends what: residents at once, conversations each, the script, and the pace (None: closed loop)."""

    residents: int
    conversations: int
    script: list[tuple[InboundKind, str]]
    rate: float | None


@dataclass
class Tally:
    """Latencies of one run."""

    latencies: list[float] = field(default_factory=list)


async def echo(ctx: Context) -> Step:
    """Reply with the message itself, touching nothing else."""
    return ctx.step(Outbound(text=ctx.inbound.payload), state="echo")


async def closed_loop(_number: int) -> float:
    """Send at once; the message then waits behind every chat already waiting."""
    sent = time.perf_counter()
    await asyncio.sleep(0)  # the message arrives as another task would: chats already waiting go first
    return sent


def paced(start: float, gap: float, offset: float) -> Pace:
    """Send message number n of a chat at start + offset + n × gap, whether or not the last reply came."""

    async def wait(number: int) -> float:
        due = start + offset + number * gap
        delay = due - time.perf_counter()
        await asyncio.sleep(max(delay, 0.0))
        return due

    return wait


async def _walk(dispatcher: Dispatcher, who: str, work: Workload, pace: Pace, tally: Tally) -> None:
    """Walk the script `conversations` times as one resident, timing each message."""
    number = 0
    for conversation in range(work.conversations):
        steps = list(work.script)
        replies: list[Outbound] = []
        while steps:
            kind, payload = steps.pop(0)
            since = await pace(number)
            replies = await dispatcher.handle(Inbound("bench", who, who, kind, payload, f"{who}-{conversation}-{number}"))
            tally.latencies.append(time.perf_counter() - since)
            number += 1
            assert replies, (who, number)
            if any(b.payload == SIMILAR_NEW for r in replies for b in r.buttons):
                steps.insert(0, (InboundKind.BUTTON, SIMILAR_NEW))  # a similar case nearby: open a new one anyway
        if work.script is SCRIPT:
            assert "已受理" in replies[0].text, replies[0].text


async def _database_cpu(app: App) -> float:
    """Return the CPU seconds PostgreSQL's backends serving this database have used so far (0 on SQLite or a remote server)."""
    if app.engine.dialect.name != "postgresql":
        return 0.0
    async with app.engine.connect() as conn:
        pids = (await conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))).scalars().all()
    total = 0.0
    for pid in pids:
        stat = Path(f"/proc/{pid}/stat")
        if stat.exists():
            fields = stat.read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def _run(app: App, tag: str, work: Workload) -> str:
    """Run every resident at once and return the result line (with CPU per message, ours and the database's)."""
    dispatcher = app.running_dispatcher()
    tally = Tally()
    cpu, database = time.process_time(), await _database_cpu(app)
    started = time.perf_counter()
    paces: list[Pace] = [closed_loop] * work.residents
    if work.rate is not None:
        gap = work.residents / work.rate  # each chat sends every `gap` seconds, so together they send `rate` a second
        # Starts spread over one conversation's length, so the chats are not all at the same step at once.
        spread = gap * len(work.script) / work.residents
        paces = [paced(started + 0.01, gap, spread * i) for i in range(work.residents)]
    await asyncio.gather(*(_walk(dispatcher, f"{tag}{i}", work, paces[i], tally) for i in range(work.residents)))
    line = _summary(time.perf_counter() - started, tally.latencies)
    ours = (time.process_time() - cpu) / len(tally.latencies) * 1e6
    theirs = (await _database_cpu(app) - database) / len(tally.latencies) * 1e6
    return line + f"   CPU {ours:5.0f} µs/msg" + (f" + PostgreSQL {theirs:5.0f} µs/msg" if theirs else "")


def _summary(elapsed: float, latencies: list[float]) -> str:
    """Format throughput and latency."""
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return f"{len(ordered) / elapsed:7.0f} msg/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   max {ordered[-1] * 1000:6.1f} ms   ({len(ordered)} messages)"


async def bench(url: str, label: str, args: argparse.Namespace) -> None:
    """Benchmark the report flow and the echo ceiling on one database, closed loop and (if asked) paced."""
    # A bench resident sends far faster than a person would: the abuse limits ([abuse]) are lifted here.
    limits = {"QUNGONG_ABUSE__MESSAGES_PER_MINUTE": "1000000", "QUNGONG_ABUSE__NEW_CASES_PER_HOUR": "1000000"}
    app = build_app(load_config(None, environ={"QUNGONG_STORAGE__URL": url, "QUNGONG_LOGGING__LEVEL": "WARNING", **limits}))
    try:
        await upgrade(app.engine)
        await load_demo(app)
        await start_app(app, load_classifier(NlpSettings()))
        settle_heap()  # as `qungong run` does once everything is started
        await _run(app, "warm", Workload(4, 1, SCRIPT, None))  # warm-up: caches, statements, connections
        modes: list[tuple[str, float | None]] = [("closed loop", None)] + ([(f"paced {args.rate:.0f}/s", args.rate)] if args.rate else [])
        for mode, rate in modes:
            line = await _run(app, f"r{mode[0]}", Workload(args.residents, args.conversations, SCRIPT, rate))
            print(f"{label:10} {mode:14} report conversations  {line}", flush=True)
        app.running_dispatcher()._route = echo
        for mode, rate in modes:
            line = await _run(app, f"e{mode[0]}", Workload(args.residents, args.conversations, ECHO_SCRIPT, rate))
            print(f"{label:10} {mode:14} echo handler (ceiling) {line}", flush=True)
    finally:
        await app.close()


async def main_async(args: argparse.Namespace) -> None:
    """Run on SQLite, then on PostgreSQL when a server URL is given."""
    print(f"{args.residents} residents at once, {args.conversations} report conversations each", flush=True)
    async with scratch_database("sqlite") as url:
        await bench(url, "SQLite", args)
    if args.postgres:
        async with scratch_database(args.postgres) as url:
            await bench(url, "PostgreSQL", args)


def main() -> None:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--residents", type=int, default=8, help="residents talking at once (default 8)")
    parser.add_argument("--conversations", type=int, default=25, help="report conversations per resident (default 25)")
    parser.add_argument("--rate", type=float, help="also run paced: all residents together send this many messages a second")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (postgresql+asyncpg://...); a fresh database is made on it")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
