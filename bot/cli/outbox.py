"""`qungong outbox`: what waits to be pushed, per channel; dead letters and their errors; retry them."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from typing import Any

from bot.config.schema import Config
from storage.db import create_engine, create_session_factory
from storage.migrate import ensure_schema_current
from storage.outbox import DEAD, PENDING, SENT, OutboxOverview, OutboxRow, overview, retry_dead

EXIT_OK, EXIT_FAILURE = 0, 1
STATUSES = (PENDING, SENT, DEAD)
BY_PERSON = "(by person)"  # rows addressed to a person: the channel is chosen when they are sent


def add_commands(subparsers: Any) -> None:
    """Add `outbox` (the overview) and `outbox retry ID [ID ...]`."""
    outbox = subparsers.add_parser("outbox", help="pushes per channel and status, the oldest pending, dead letters; retry ID")
    outbox.add_argument("action", nargs="?", choices=["retry"], help="put dead rows back in the queue")
    outbox.add_argument("ids", nargs="*", type=int, metavar="ID", help="the dead rows to retry")
    outbox.add_argument("--dead", type=int, default=20, metavar="N", help="how many dead rows to list (newest first)")
    outbox.set_defaults(func=cmd_outbox)


def describe(view: OutboxOverview, now: datetime) -> str:
    """Return the overview as the lines `qungong outbox` prints."""
    channels = sorted({channel for channel, _ in view.counts}, key=lambda c: (c is None, c or ""))
    lines = [f"{'channel':24}" + "".join(f"{s:>10}" for s in STATUSES)]
    for channel in channels:
        lines.append(f"{channel or BY_PERSON:24}" + "".join(f"{view.counts.get((channel, s), 0):>10}" for s in STATUSES))
    if not channels:
        lines.append("(the outbox is empty)")
    oldest = view.oldest_pending
    if oldest is None:
        lines.append("oldest pending: none")
    else:
        waited = int((now - oldest.created_at).total_seconds())
        lines.append(f"oldest pending: #{oldest.id} {oldest.kind} to {_where(oldest)}, queued {waited} s ago")
    dead = sum(n for (_, status), n in view.counts.items() if status == DEAD)
    lines.append(f"dead: {dead}" + (" (newest first; `qungong outbox retry ID` queues one again)" if dead else ""))
    lines += [f"  #{row.id} {row.kind} to {_where(row)}, {row.attempts} attempts: {row.last_error or '—'}" for row in view.dead]
    return "\n".join(lines)


def _where(row: OutboxRow) -> str:
    """Describe where a row goes."""
    if row.channel is None:
        return f"person {row.person_id}"
    return f"{row.channel} chat {row.chat_id}" if row.chat_id else f"{row.channel} (person {row.person_id})"


def cmd_outbox(args: argparse.Namespace, config: Config) -> int:
    """Print the outbox overview, or queue dead rows again."""

    async def work() -> int:
        engine = create_engine(config.storage.url, echo=config.storage.echo)
        try:
            await ensure_schema_current(engine)
            now = datetime.now(UTC)
            async with create_session_factory(engine)() as session, session.begin():
                if args.action == "retry":
                    return await _retry(session, args.ids, now)
                print(describe(await overview(session, dead_limit=args.dead), now))
            return EXIT_OK
        finally:
            await engine.dispose()

    return asyncio.run(work())


async def _retry(session: Any, ids: list[int], now: datetime) -> int:
    """Queue the given dead rows again and say which were not dead."""
    if not ids:
        print("qungong: name the dead rows to retry, e.g. `qungong outbox retry 42`")
        return EXIT_FAILURE
    queued = await retry_dead(session, ids, now)
    skipped = sorted(set(ids) - set(queued))
    if queued:
        print("queued again: " + ", ".join(f"#{i}" for i in queued))
    if skipped:
        print("not dead (left as they are): " + ", ".join(f"#{i}" for i in skipped))
    return EXIT_OK if queued else EXIT_FAILURE
