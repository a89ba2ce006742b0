"""`qungong privacy export|erase --person P`: everything QunGong holds about a person, or its anonymisation."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.cli.common import CommandError, find_person, run_with_uow
from bot.config.schema import Config
from storage.privacy import erase_person, export_person
from storage.uow import UnitOfWork

EXIT_OK = 0


def add_commands(subparsers: Any) -> None:
    """Add `privacy export --person P [--out FILE]` and `privacy erase --person P --yes`."""
    privacy = subparsers.add_parser("privacy", help="a person's data: export it as JSON, or erase (anonymise) it")
    sub = privacy.add_subparsers(dest="privacy_command", metavar="PRIVACY_COMMAND", required=True)
    exporting = sub.add_parser("export", help="everything QunGong holds about a person, as JSON")
    exporting.add_argument("--person", required=True, help="person id, simulator key or exact name")
    exporting.add_argument("--out", help="write to this file (default: print)")
    exporting.set_defaults(func=cmd_export)
    erasing = sub.add_parser("erase", help="anonymise a person; their cases' facts stay for the statistics")
    erasing.add_argument("--person", required=True, help="person id, simulator key or exact name")
    erasing.add_argument("--yes", action="store_true", help="really erase (it cannot be undone)")
    erasing.set_defaults(func=cmd_erase)


def cmd_export(args: argparse.Namespace, config: Config) -> int:
    """Print or write a person's data."""

    async def work(uow: UnitOfWork) -> int:
        person = await find_person(uow, args.person)
        text = json.dumps(await export_person(uow.session, person.id), ensure_ascii=False, indent=2)
        if args.out:
            Path(args.out).write_text(text + "\n", encoding="utf-8")
            print(f"wrote everything held about #{person.id} to {args.out}")
        else:
            print(text)
        return EXIT_OK

    return run_with_uow(config, work)


def cmd_erase(args: argparse.Namespace, config: Config) -> int:
    """Anonymise a person."""

    async def work(uow: UnitOfWork) -> int:
        if not args.yes:
            raise CommandError("erasing cannot be undone: add --yes (export the person first if they asked for their data)")
        person = await find_person(uow, args.person)
        counts = await erase_person(uow.session, person.id)
        await uow.commit()
        print(f"person #{person.id} erased: " + ", ".join(f"{kind} {n}" for kind, n in counts.items()))
        return EXIT_OK

    return run_with_uow(config, work)
