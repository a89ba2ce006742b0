"""Dispatcher throughput and latency for whole report conversations, with an echo handler as the ceiling.

    .venv/bin/python bench/dispatch_bench.py [--residents 8] [--conversations 25] [--rate 1000] [--runs 3] [--postgres URL] [--json]

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

The reference (bench/ptb_reference.py) runs beside them on SQLite, closed loop, with as many
residents and conversations: a bare python-telegram-bot `ConversationHandler` bot walking the same
report conversation and writing its state to SQLite after every update. It runs twice: keeping its
replies (as the dispatcher returns its replies, unsent; this is the reference of the ratio), and
sending them through the framework's Bot API to a fake request object. CPU is the process's time
(steadier than wall time on a shared machine). Each figure is the median of `--runs` runs (3), the
runs taking turns; `--json` ends with one JSON line of them: `msgs_per_s`, `p99_ms`,
`cpu_us_per_msg` (the report conversation), `echo_cpu_us_per_msg`, `reference_cpu_us_per_msg`,
`ratio` (report / reference), `echo_ratio` …, with PostgreSQL's under "postgresql".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import ptb_reference  # bench/ptb_reference.py, beside this script
from round_trips import RoundTrips  # bench/round_trips.py, beside this script
from scratch import scratch_database  # bench/scratch.py, beside this script
from sqlalchemy import text
from sqlalchemy.engine import make_url

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


@dataclass(frozen=True)
class Measure:
    """What one run measured: throughput, latency percentiles, and CPU per message (ours and PostgreSQL's)."""

    messages: int
    msgs_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    cpu_us_per_msg: float
    database_cpu_us_per_msg: float = 0.0
    round_trips_per_msg: float = 0.0

    def line(self) -> str:
        """Format the run for a person."""
        database = f" + PostgreSQL {self.database_cpu_us_per_msg:5.0f} µs/msg" if self.database_cpu_us_per_msg else ""
        database += f", {self.round_trips_per_msg:.2f} round trips/msg" if self.round_trips_per_msg else ""
        return (
            f"{self.msgs_per_s:7.0f} msg/s   p50 {self.p50_ms:6.1f} ms   p99 {self.p99_ms:6.1f} ms   max {self.max_ms:6.1f} ms"
            f"   ({self.messages} messages)   CPU {self.cpu_us_per_msg:5.0f} µs/msg{database}"
        )


def measure(elapsed: float, latencies: list[float], cpu: float, database_cpu: float = 0.0, round_trips: int = 0) -> Measure:
    """Return the figures of a run from its wall time, latencies (seconds) and CPU seconds."""
    ordered = sorted(latencies)
    n = len(ordered)
    return Measure(
        messages=n,
        msgs_per_s=n / elapsed,
        p50_ms=statistics.median(ordered) * 1000,
        p99_ms=ordered[min(n - 1, int(n * 0.99))] * 1000,
        max_ms=ordered[-1] * 1000,
        cpu_us_per_msg=cpu / n * 1e6,
        database_cpu_us_per_msg=database_cpu / n * 1e6,
        round_trips_per_msg=round_trips / n,
    )


def median_of(runs: list[Measure]) -> Measure:
    """Return the median of every figure over several runs (each figure on its own)."""
    return Measure(**{name: statistics.median(getattr(r, name) for r in runs) for name in Measure.__dataclass_fields__})


async def _run(app: App, tag: str, work: Workload, trips: RoundTrips | None = None) -> Measure:
    """Run every resident at once and return what it measured (CPU per message, ours and the database's; round trips)."""
    dispatcher = app.running_dispatcher()
    tally = Tally()
    cpu, database = time.process_time(), await _database_cpu(app)
    trips_before = trips.count if trips else 0
    started = time.perf_counter()
    paces: list[Pace] = [closed_loop] * work.residents
    if work.rate is not None:
        gap = work.residents / work.rate  # each chat sends every `gap` seconds, so together they send `rate` a second
        # Starts spread over one conversation's length, so the chats are not all at the same step at once.
        spread = gap * len(work.script) / work.residents
        paces = [paced(started + 0.01, gap, spread * i) for i in range(work.residents)]
    await asyncio.gather(*(_walk(dispatcher, f"{tag}{i}", work, paces[i], tally) for i in range(work.residents)))
    elapsed, ours = time.perf_counter() - started, time.process_time() - cpu
    round_trips = trips.count - trips_before if trips else 0
    return measure(elapsed, tally.latencies, ours, await _database_cpu(app) - database, round_trips)


async def _reference(args: argparse.Namespace, folder: Path, run: int, *, quiet: bool) -> Measure:
    """Run the python-telegram-bot reference once (on its own SQLite file in FOLDER) and return what it measured."""
    name = f"reference-{'quiet' if quiet else 'sending'}-{run}.db"
    result = await ptb_reference.run(args.residents, args.conversations, folder / name, quiet=quiet)
    return measure(result.elapsed, result.latencies, result.cpu)


async def bench(url: str, label: str, args: argparse.Namespace, folder: Path | None) -> dict[str, Measure]:
    """Benchmark the report flow and the echo ceiling on one database (and the reference beside them when FOLDER is given).

    Every figure is the median of `--runs` runs; the runs of the report flow, the echo handler and
    the reference take turns, so a change in the machine's load falls on all of them alike.
    """
    # A bench resident sends far faster than a person would: the abuse limits ([abuse]) are lifted here.
    limits = {"QUNGONG_ABUSE__MESSAGES_PER_MINUTE": "1000000", "QUNGONG_ABUSE__NEW_CASES_PER_HOUR": "1000000"}
    app = build_app(load_config(None, environ={"QUNGONG_STORAGE__URL": url, "QUNGONG_LOGGING__LEVEL": "WARNING", **limits}))
    runs: dict[str, list[Measure]] = {}
    trips = RoundTrips.attach(app.engine) if app.engine.dialect.name == "postgresql" else None
    try:
        await upgrade(app.engine)
        await load_demo(app)
        await start_app(app, load_classifier(NlpSettings()))
        settle_heap()  # as `qungong run` does once everything is started
        await _run(app, "warm", Workload(4, 1, SCRIPT, None))  # warm-up: caches, statements, connections
        if folder is not None:
            await _reference(args, folder, 0, quiet=True)
        dispatcher = app.running_dispatcher()
        flows = dispatcher._route
        modes: list[tuple[str, float | None]] = [("closed loop", None)] + ([(f"paced {args.rate:.0f}/s", args.rate)] if args.rate else [])
        for run in range(args.runs):
            for mode, rate in modes:
                dispatcher._route = flows
                measured = await _run(app, f"r{run}{mode[0]}", Workload(args.residents, args.conversations, SCRIPT, rate), trips)
                runs.setdefault(f"report {mode}", []).append(measured)
                print(f"{label:10} {mode:14} report conversations  {measured.line()}", flush=True)
                dispatcher._route = echo
                measured = await _run(app, f"e{run}{mode[0]}", Workload(args.residents, args.conversations, ECHO_SCRIPT, rate), trips)
                runs.setdefault(f"echo {mode}", []).append(measured)
                print(f"{label:10} {mode:14} echo handler (ceiling) {measured.line()}", flush=True)
            dispatcher._route = flows
            measured = await _run(app, f"a{run}", Workload(1, args.conversations, SCRIPT, None), trips)
            runs.setdefault("report one resident", []).append(measured)
            print(f"{label:10} {'one resident':14} report conversations  {measured.line()}", flush=True)
            if folder is not None:
                for quiet, what in ((True, "replies kept"), (False, "replies sent")):
                    measured = await _reference(args, folder, run + 1, quiet=quiet)
                    runs.setdefault(f"reference {what}", []).append(measured)
                    print(f"{'PTB+SQLite':10} {'closed loop':14} reference, {what:11} {measured.line()}", flush=True)
    finally:
        await app.close()
    return {name: median_of(measured) for name, measured in runs.items()}


def _summary(label: str, medians: dict[str, Measure], runs: int) -> None:
    """Print the medians, QunGong's CPU per message and its ratio to the reference."""
    print(f"{label}, medians of {runs} runs:", flush=True)
    for name, measured in medians.items():
        print(f"  {name:28} {measured.line()}", flush=True)
    reference = medians.get("reference replies kept")
    if reference is not None:
        for name in ("report closed loop", "echo closed loop"):
            ours = medians[name].cpu_us_per_msg
            print(f"  QunGong {name:19} CPU {ours:5.0f} µs/msg = {ours / reference.cpu_us_per_msg:4.2f} × the reference ({reference.cpu_us_per_msg:.0f} µs/msg)", flush=True)


def _figures(medians: dict[str, Measure], rate: float | None) -> dict[str, float]:
    """Return the JSON figures of one backend."""
    report, echo_ = medians["report closed loop"], medians["echo closed loop"]
    figures = {
        "msgs_per_s": report.msgs_per_s,
        "p50_ms": report.p50_ms,
        "p99_ms": report.p99_ms,
        "cpu_us_per_msg": report.cpu_us_per_msg,
        "echo_msgs_per_s": echo_.msgs_per_s,
        "echo_p50_ms": echo_.p50_ms,
        "echo_cpu_us_per_msg": echo_.cpu_us_per_msg,
    }
    if report.database_cpu_us_per_msg:
        figures["database_cpu_us_per_msg"] = report.database_cpu_us_per_msg
        figures["echo_database_cpu_us_per_msg"] = echo_.database_cpu_us_per_msg
    if report.round_trips_per_msg:
        figures["round_trips_per_msg"] = report.round_trips_per_msg
        figures["echo_round_trips_per_msg"] = echo_.round_trips_per_msg
    alone = medians["report one resident"]
    figures |= {"alone_p50_ms": alone.p50_ms, "alone_p99_ms": alone.p99_ms}
    if rate:
        paced_ = medians[f"report paced {rate:.0f}/s"]
        figures |= {"paced_rate": rate, "paced_p50_ms": paced_.p50_ms, "paced_p99_ms": paced_.p99_ms}
    return {name: round(value, 2) for name, value in figures.items()}


async def main_async(args: argparse.Namespace) -> None:
    """Run on SQLite with the reference beside it, then on PostgreSQL when a server URL is given; end with the JSON line if asked."""
    print(f"{args.residents} residents at once, {args.conversations} report conversations each, {args.runs} runs", flush=True)
    async with scratch_database("sqlite") as url:
        folder = Path(make_url(url).database or ".").parent  # the reference's files go beside ours, and go with them
        medians = await bench(url, "SQLite", args, folder)
    _summary("SQLite", medians, args.runs)
    reference = medians["reference replies kept"].cpu_us_per_msg
    result: dict[str, object] = _figures(medians, args.rate) | {
        "reference_cpu_us_per_msg": round(reference, 2),
        "reference_sending_cpu_us_per_msg": round(medians["reference replies sent"].cpu_us_per_msg, 2),
        "ratio": round(medians["report closed loop"].cpu_us_per_msg / reference, 2),
        "echo_ratio": round(medians["echo closed loop"].cpu_us_per_msg / reference, 2),
        "residents": args.residents,
        "runs": args.runs,
    }
    if args.postgres:
        async with scratch_database(args.postgres) as url:
            postgres = await bench(url, "PostgreSQL", args, None)
        _summary("PostgreSQL", postgres, args.runs)
        result["postgresql"] = _figures(postgres, args.rate)
    if args.json:
        print(json.dumps(result), flush=True)


def main() -> None:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--residents", type=int, default=8, help="residents talking at once (default 8)")
    parser.add_argument("--conversations", type=int, default=25, help="report conversations per resident (default 25)")
    parser.add_argument("--rate", type=float, help="also run paced: all residents together send this many messages a second")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (postgresql+asyncpg://...); a fresh database is made on it")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement; the figures are their medians (default 3)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the medians (SQLite at the top level, PostgreSQL under \"postgresql\")")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
