"""`qungong status`: which processes are alive, which one leads the scheduler, and what waits in the outbox."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from typing import Any

from bot.cli.outbox import BY_PERSON
from bot.config.schema import Config
from bot.process import STALE_AFTER
from scheduler.leader import LEASE
from storage.db import create_engine, create_session_factory
from storage.leases import holder_of
from storage.migrate import ensure_schema_current
from storage.outbox import PENDING, overview
from storage.processes import processes

EXIT_OK = 0


def add_commands(subparsers: Any) -> None:
    """Add `status`."""
    subparsers.add_parser("status", help="processes alive, the scheduler's leader, outbox depth per channel").set_defaults(func=cmd_status)


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    """Print the deployment's processes, its scheduler leader and its outbox depth."""

    async def work() -> int:
        engine = create_engine(config.storage.url)
        try:
            await ensure_schema_current(engine)
            now = datetime.now(UTC)
            async with create_session_factory(engine)() as session:
                found = await processes(session)
                leader = await holder_of(session, LEASE, now)
                view = await overview(session, dead_limit=0)
            print(_describe(found, leader, view, now))
            return EXIT_OK
        finally:
            await engine.dispose()

    return asyncio.run(work())


def _describe(found: list[Any], leader: tuple[str, datetime] | None, view: Any, now: datetime) -> str:
    """Return the lines `qungong status` prints."""
    lines = ["processes:"]
    for process in found:
        alive = now - process.beat_at <= STALE_AFTER
        state = "alive" if alive else f"gone (last beat {int((now - process.beat_at).total_seconds())} s ago)"
        lines.append(f"  {process.role:9} {process.id:40} {state}")
    if not found:
        lines.append("  none")
    lines.append(f"scheduler leader: {leader[0]} (lease until {leader[1]:%H:%M:%S} UTC)" if leader else "scheduler leader: none")
    pending = {channel: n for (channel, status), n in view.counts.items() if status == PENDING}
    lines.append("outbox pending: " + (", ".join(f"{c or BY_PERSON} {n}" for c, n in sorted(pending.items(), key=lambda i: str(i[0]))) or "none"))
    oldest = view.oldest_pending
    if oldest is not None:
        lines.append(f"oldest pending: #{oldest.id}, queued {int((now - oldest.created_at).total_seconds())} s ago")
    return "\n".join(lines)
