"""`qungong cockpit link`: a personal single-use link into the data cockpit for a leader, dispatcher or administrator."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.cli.common import CommandError, find_person, run_with_uow
from bot.config.schema import Config
from storage.cockpit_access import CockpitDenied, issue_link
from storage.uow import UnitOfWork

EXIT_OK, EXIT_USAGE = 0, 2


def add_commands(subparsers: Any) -> None:
    """Add `cockpit link --person P [--hours H] [--base-url URL]`."""
    cockpit = subparsers.add_parser("cockpit", help="the web data cockpit: a person's sign-in link")
    sub = cockpit.add_subparsers(dest="cockpit_command", metavar="COCKPIT_COMMAND", required=True)
    link = sub.add_parser("link", help="a personal single-use link that signs a leader, dispatcher or administrator in")
    link.add_argument("--person", required=True, help="person id, simulator key or exact name (see `qungong people list`)")
    link.add_argument("--hours", type=float, help="how long the link stays valid (default: [cockpit] link_hours)")
    link.add_argument("--base-url", help="the address people reach QunGong at (default: [cockpit] base_url, else [web] host and port)")
    link.set_defaults(func=cmd_link)


def cmd_link(args: argparse.Namespace, config: Config) -> int:
    """Issue a cockpit link and print it (the code is shown this once)."""
    hours = config.cockpit.link_hours if args.hours is None else args.hours
    if hours <= 0:
        print("qungong: --hours must be more than 0")
        return EXIT_USAGE
    now = datetime.now(UTC)

    async def work(uow: UnitOfWork) -> int:
        person = await find_person(uow, args.person)
        try:
            issued = await issue_link(uow.session, person.id, now, timedelta(hours=hours), via="cli")
        except CockpitDenied as exc:
            raise CommandError(f"{person.name} (#{person.id}): {exc}") from exc
        await uow.commit()
        base = args.base_url or config.cockpit.base_url or f"http://{config.web.host}:{config.web.port}"
        expires = issued.expires_at.astimezone(config.tz).strftime("%Y-%m-%d %H:%M")
        print(f"cockpit link for {person.name} (#{person.id}), single use, valid until {expires}:")
        print(f"{base.rstrip('/')}/cockpit/login?code={issued.code}")
        return EXIT_OK

    return run_with_uow(config, work)
