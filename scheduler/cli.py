"""The scheduler's commands: `qungong jobs list|run` and `qungong lights`."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

from scheduler.jobs import JOBS
from scheduler.lights.report import as_csv, as_table, lights_report
from scheduler.settings import SettingsLike
from scheduler.wiring import JobDeps
from storage.db import create_engine, create_read_engine, create_session_factory
from storage.migrate import ensure_schema_current

EXIT_OK, EXIT_USAGE = 0, 2


def add_commands(subparsers: Any) -> None:
    """Add `jobs list`, `jobs run NAME [--now ISO_TIME]` and `lights --from --to [--csv]`."""
    jobs = subparsers.add_parser("jobs", help="scheduled jobs: list them, or run one once")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", metavar="JOBS_COMMAND", required=True)
    jobs_sub.add_parser("list", help="list the scheduled jobs and when they run").set_defaults(func=cmd_jobs_list)
    run = jobs_sub.add_parser("run", help="run one job once against the configured database")
    run.add_argument("name", choices=sorted(JOBS), help="the job to run")
    run.add_argument("--now", metavar="ISO_TIME", help="pretend it is this time (no offset: [app] timezone)")
    run.set_defaults(func=cmd_jobs_run)
    lights = subparsers.add_parser("lights", help="yellow and red lights and explanations per unit over a period")
    lights.add_argument("--from", dest="start", required=True, type=date.fromisoformat, metavar="DATE")
    lights.add_argument("--to", dest="end", required=True, type=date.fromisoformat, metavar="DATE")
    lights.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    lights.set_defaults(func=cmd_lights)


def parse_now(value: str | None, config: SettingsLike) -> datetime:
    """Return the job's clock: --now (local time when it has no offset), else the current time."""
    if value is None:
        return datetime.now(UTC)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=config.tz)


def _with_db(config: SettingsLike, work: Callable[[JobDeps], Awaitable[int]]) -> int:
    """Open the configured (migrated) database, run WORK with its session factories, close it."""

    async def runner() -> int:
        engine = create_engine(config.storage.url, echo=config.storage.echo)
        # A running bot may share the SQLite file: long reads must not hold its write lock.
        read_engine = create_read_engine(config.storage.url, echo=config.storage.echo)
        try:
            await ensure_schema_current(engine)
            reads = None if read_engine is None else create_session_factory(read_engine)
            return await work(JobDeps(create_session_factory(engine), config, read_session_factory=reads))
        finally:
            if read_engine is not None:
                await read_engine.dispose()
            await engine.dispose()

    return asyncio.run(runner())


def cmd_jobs_list(args: argparse.Namespace, config: SettingsLike) -> int:
    """Print every job with its schedule and purpose."""
    for spec in JOBS.values():
        doc = (spec.func.__doc__ or "").strip().splitlines()[0]
        print(f"{spec.name:16} {spec.schedule(config):32} {doc}")
    state = "on" if config.scheduler.enabled else "off ([scheduler] enabled = false)"
    print(f"scheduler in `qungong run`: {state}")
    return EXIT_OK


def cmd_jobs_run(args: argparse.Namespace, config: SettingsLike) -> int:
    """Run one job once and print what it did."""
    try:
        now = parse_now(args.now, config)
    except ValueError:
        print(f"qungong: --now expects an ISO time such as 2026-11-21T09:00, got {args.now!r}")
        return EXIT_USAGE
    spec = JOBS[args.name]

    async def work(deps: JobDeps) -> int:
        outcome = await spec.func(deps, now)
        print(f"{spec.name} at {now.isoformat()}: {outcome}")
        return EXIT_OK

    return _with_db(config, work)


def cmd_lights(args: argparse.Namespace, config: SettingsLike) -> int:
    """Print lights and explanations per unit for local days --from to --to (inclusive)."""
    if args.end < args.start:
        print("qungong: --to must not be before --from")
        return EXIT_USAGE

    async def work(deps: JobDeps) -> int:
        async with deps.reads() as session:
            report = await lights_report(session, args.start, args.end, config.tz, datetime.now(UTC))
        print(as_csv(report) if args.csv else as_table(report), end="" if args.csv else "\n")
        return EXIT_OK

    return _with_db(config, work)
