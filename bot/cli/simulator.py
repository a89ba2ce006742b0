"""`qungong simulator link`: a trainer's one-time link into the web simulator outside demo mode."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.cli.common import CommandError, find_person, run_with_uow
from bot.config.schema import Config
from bot.web.server import simulator_mode
from storage.sim_access import PassError, issue_pass
from storage.uow import UnitOfWork

EXIT_OK = 0
DEFAULT_LINK_HOURS = 24.0


def add_commands(subparsers: Any) -> None:
    """Add `simulator link --person P --as KEY ... [--allow-new] [--hours H] [--base-url URL]`."""
    simulator = subparsers.add_parser("simulator", help="the web chat simulator outside demo mode: trainers' links")
    sub = simulator.add_subparsers(dest="simulator_command", metavar="SIMULATOR_COMMAND", required=True)
    link = sub.add_parser("link", help="a one-time link that signs a trainer in, acting only as the people named")
    link.add_argument("--person", required=True, help="the trainer: person id, simulator key or exact name")
    link.add_argument("--as", dest="identities", action="append", default=[], metavar="KEY",
                      help="a training person's simulator key the trainer may act as (repeat for several)")
    link.add_argument("--allow-new", action="store_true", help="let the trainer start new residents (new:NAME)")
    link.add_argument("--hours", type=float, default=DEFAULT_LINK_HOURS, help="how long the link stays valid (default 24)")
    link.add_argument("--base-url", help="the address trainers reach QunGong at (default: [web] host and port)")
    link.set_defaults(func=cmd_link)


def cmd_link(args: argparse.Namespace, config: Config) -> int:
    """Issue a trainer's link and print it (the code is shown this once)."""
    if args.hours <= 0:
        print("qungong: --hours must be more than 0")
        return 2
    now = datetime.now(UTC)

    async def work(uow: UnitOfWork) -> int:
        trainer = await find_person(uow, args.person)
        try:
            issued = await issue_pass(uow.session, trainer, args.identities, now, timedelta(hours=args.hours), allow_new=args.allow_new)
        except PassError as exc:
            raise CommandError(str(exc)) from exc
        await uow.commit()
        base = (args.base_url or f"http://{config.web.host}:{config.web.port}").rstrip("/")
        expires = issued.expires_at.astimezone(config.tz).strftime("%Y-%m-%d %H:%M")
        if simulator_mode(config) is None:
            print("note: the simulator is not served with this configuration; set [web] simulator = \"on\" first")
        print(f"one-time link for {trainer.name} (#{trainer.id}), valid until {expires}:")
        print(f"{base}/sim/login?code={issued.code}")
        return EXIT_OK

    return run_with_uow(config, work)
