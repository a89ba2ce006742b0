"""`qungong lovebank`: the audit export (CSV or XLSX) over a period, a correction entered as a new ledger entry
with its reason, and the check that every balance is the sum of its ledger."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.cli.common import EXIT_FAILURE, CommandError, find_person, run_with_uow
from bot.cli.people import EXIT_OK
from bot.config.schema import Config
from handlers.lovebank.export import entry_table, sheets
from handlers.reports.export import to_csv, write_xlsx
from handlers.texts import load_texts
from storage.db import create_engine, create_read_engine, create_session_factory
from storage.lovebank.audit import balance_rows, entry_rows, redemption_rows, totals
from storage.lovebank.ledger import (
    CORRECTION,
    NewEntry,
    Overdraw,
    Recorder,
    audit,
    balance_of,
    post,
)
from storage.migrate import ensure_schema_current
from storage.stats.period import Period, PeriodError, parse_period
from storage.uow import UnitOfWork

EXIT_USAGE = 2
FORMATS = ("csv", "xlsx")
MAX_REASON = 200


def add_commands(sub: Any) -> None:
    """Add `lovebank export`, `lovebank correct` and `lovebank check`."""
    lovebank = sub.add_parser("lovebank", help="the love bank (爱心银行): audit export, corrections, ledger check")
    lovebank_sub = lovebank.add_subparsers(dest="lovebank_command", metavar="LOVEBANK_COMMAND", required=True)
    export = lovebank_sub.add_parser("export", help="the ledger, balances and redemptions of a period (local dates, TO excluded)")
    export.add_argument("--from", dest="start", required=True, metavar="DATE", help="first day, e.g. 2026-11-01")
    export.add_argument("--to", dest="end", required=True, metavar="DATE", help="the day after the last, e.g. 2026-12-01")
    export.add_argument("--format", choices=FORMATS, default="csv", help="csv: the ledger entries; xlsx: entries, balances, redemptions")
    export.add_argument("--out", type=Path, metavar="FILE", help="write here (xlsx: default in [reports] folder; csv: default stdout)")
    export.set_defaults(func=cmd_export)
    correct = lovebank_sub.add_parser("correct", help="add a correction entry (+ or − points) with its reason; nothing is ever edited")
    correct.add_argument("--person", required=True, help="person id, demo key or exact name")
    correct.add_argument("--points", required=True, type=int, help="points to add (negative to take away)")
    correct.add_argument("--reason", required=True, help="why, kept in the ledger")
    correct.set_defaults(func=cmd_correct)
    lovebank_sub.add_parser("check", help="check that every balance is the sum of its ledger entries").set_defaults(func=cmd_check)


def _period(args: argparse.Namespace, config: Config) -> Period:
    """Return the export's period from --from and --to."""
    return parse_period(f"{args.start}..{args.end}", datetime.now(UTC), config.tz)


def cmd_export(args: argparse.Namespace, config: Config) -> int:
    """Write the period's ledger (CSV), or its ledger, balances and redemptions (XLSX)."""
    try:
        period = _period(args, config)
    except PeriodError as exc:
        print(f"qungong: --from/--to: {exc}")
        return EXIT_USAGE
    texts = load_texts(config.app.language)

    async def work() -> int:
        engine = create_engine(config.storage.url, echo=config.storage.echo)
        read_engine = create_read_engine(config.storage.url, echo=config.storage.echo)
        try:
            await ensure_schema_current(engine)
            async with create_session_factory(read_engine or engine)() as session:
                entries = await entry_rows(session, period.start, period.end)
                balances = await balance_rows(session, period.start, period.end)
                redemptions = await redemption_rows(session, period.start, period.end)
        finally:
            if read_engine is not None:
                await read_engine.dispose()
            await engine.dispose()
        if args.format == "csv":
            text = to_csv(entry_table(entries, texts, config.tz))
            if args.out is None:
                print(text, end="")
                return EXIT_OK
            args.out.write_text(text, encoding="utf-8")
        else:
            args.out = args.out or config.reports.path / f"lovebank-{period.key.replace('..', '_')}.xlsx"
            await asyncio.to_thread(write_xlsx, args.out, sheets(entries, balances, redemptions, texts, config.tz), config.app.language)
        net = ", ".join(f"{reason} {amount:+d}" for reason, amount in sorted(totals(entries).items())) or "no entries"
        print(f"wrote {args.out}: {len(entries)} entries ({net}), {len(balances)} people, {len(redemptions)} redemptions")
        return EXIT_OK

    return asyncio.run(work())


def cmd_correct(args: argparse.Namespace, config: Config) -> int:
    """Add a correction entry to a person's ledger."""
    reason = " ".join(args.reason.split())
    if args.points == 0 or not reason or len(reason) > MAX_REASON:
        print(f"qungong: --points must not be 0 and --reason must be 1 to {MAX_REASON} characters")
        return EXIT_USAGE

    async def work(uow: UnitOfWork) -> int:
        person = await find_person(uow, args.person)
        now = datetime.now(UTC)
        try:
            entry = await post(uow.session, NewEntry(person.id, args.points, CORRECTION, None, reason), Recorder(None, "admin"), now)
        except Overdraw as exc:
            raise CommandError(f"{person.name} has {exc.balance} points; a correction of {args.points} would overdraw") from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        await uow.commit()
        assert entry is not None
        print(f"entry #{entry.id}: {person.name} {args.points:+d} ({reason}); balance {await balance_of(uow.session, person.id)}")
        return EXIT_OK

    return run_with_uow(config, work)


def cmd_check(args: argparse.Namespace, config: Config) -> int:
    """Check that every balance equals the sum of its ledger entries."""

    async def work(uow: UnitOfWork) -> int:
        mismatches = await audit(uow.session)
        for m in mismatches:
            print(f"person {m.person_id}: balance {m.balance}, ledger {m.ledger}")
        print("every balance is the sum of its ledger entries" if not mismatches else f"{len(mismatches)} balances disagree with the ledger")
        return EXIT_OK if not mismatches else EXIT_FAILURE

    return run_with_uow(config, work)
