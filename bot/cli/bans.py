"""`qungong people ban` and `qungong people unban`: an administrator's ban list, from the command line."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from typing import Any

from bot.cli.common import CommandError, find_person, run_with_uow
from bot.config.schema import Config
from storage.bans import ban, unban
from storage.uow import UnitOfWork

EXIT_OK, EXIT_FAILURE = 0, 1


def add_commands(people_sub: Any) -> None:
    """Add `people ban --person P --until DATE --reason TEXT` and `people unban --person P`."""
    banning = people_sub.add_parser("ban", help="stop handling a person's messages until a date (they are told once)")
    banning.add_argument("--person", required=True, help="person id, demo key or exact name")
    banning.add_argument("--until", required=True, help="date or date-time, local time (e.g. 2027-01-31)")
    banning.add_argument("--reason", required=True, help="why (recorded)")
    banning.set_defaults(func=cmd_ban)
    lifting = people_sub.add_parser("unban", help="lift a person's ban now")
    lifting.add_argument("--person", required=True, help="person id, demo key or exact name")
    lifting.set_defaults(func=cmd_unban)


def _until(text: str, config: Config) -> datetime:
    """Parse --until: a date means the start of that local day."""
    try:
        moment = datetime.fromisoformat(text) if ("T" in text or " " in text) else datetime.combine(date.fromisoformat(text), datetime.min.time())
    except ValueError as exc:
        raise CommandError(f"--until expects a date such as 2027-01-31, got {text!r}") from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=config.tz)


def cmd_ban(args: argparse.Namespace, config: Config) -> int:
    """Ban a person until a date."""
    now = datetime.now(UTC)
    until = _until(args.until, config)

    async def work(uow: UnitOfWork) -> int:
        if until <= now:
            raise CommandError("--until must be in the future")
        person = await find_person(uow, args.person)
        await ban(uow.session, person, until, reason=args.reason, by_person_id=None, now=now)
        await uow.commit()
        print(f"{person.name} (#{person.id}) banned until {until.astimezone(config.tz):%Y-%m-%d %H:%M}")
        return EXIT_OK

    return run_with_uow(config, work)


def cmd_unban(args: argparse.Namespace, config: Config) -> int:
    """Lift a person's ban."""

    async def work(uow: UnitOfWork) -> int:
        person = await find_person(uow, args.person)
        lifted = await unban(uow.session, person, datetime.now(UTC))
        await uow.commit()
        print(f"{person.name} (#{person.id}): {lifted} ban(s) lifted")
        return EXIT_OK if lifted else EXIT_FAILURE

    return run_with_uow(config, work)
