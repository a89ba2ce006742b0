"""`qungong apikey create|list|revoke`: the keys client systems (a 12345 hotline, an app) file through the Open311 API with."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from bot.cli.common import CommandError, run_with_uow
from bot.config.schema import Config
from storage.apikeys import DEFAULT_RATE, ApiKeyError, create_key, list_keys, revoke_key
from storage.uow import UnitOfWork

EXIT_OK = 0


def add_commands(sub: Any) -> None:
    """Add `apikey create --name N [--rate 10/s]`, `apikey list` and `apikey revoke --name N`."""
    apikey = sub.add_parser("apikey", help="API keys of the systems that file through the Open311 API (/open311/v2/)")
    apikey_sub = apikey.add_subparsers(dest="apikey_command", metavar="APIKEY_COMMAND", required=True)
    create = apikey_sub.add_parser("create", help="make a key for a client system; the key is printed once, on the last line")
    create.add_argument("--name", required=True, help="the client system, e.g. hotline-12345 (its cases' source: open311:NAME)")
    create.add_argument("--rate", default=DEFAULT_RATE, help=f"requests allowed per second, minute or hour, e.g. 10/s, 600/m (default {DEFAULT_RATE})")
    create.set_defaults(func=cmd_create)
    apikey_sub.add_parser("list", help="list the keys: name, rate, made, revoked").set_defaults(func=cmd_list)
    revoke = apikey_sub.add_parser("revoke", help="revoke a key: its system files no more (its cases stay)")
    revoke.add_argument("--name", required=True, help="the key's name")
    revoke.set_defaults(func=cmd_revoke)


def cmd_create(args: argparse.Namespace, config: Config) -> int:
    """Make a key and print it once, alone on the last line."""

    async def work(uow: UnitOfWork) -> int:
        try:
            row, key = await create_key(uow.session, args.name, args.rate, datetime.now(UTC))
        except ApiKeyError as exc:
            raise CommandError(str(exc)) from exc
        await uow.commit()
        print(f"API key {row.name!r} made (rate {row.rate}); it is shown only now, keep it safe:")
        print(key)
        return EXIT_OK

    return run_with_uow(config, work)


def cmd_list(args: argparse.Namespace, config: Config) -> int:
    """List the keys (never the keys themselves: only their hashes are kept)."""

    async def work(uow: UnitOfWork) -> int:
        rows = await list_keys(uow.session)
        if not rows:
            print("no API keys (make one with `qungong apikey create --name NAME`)")
        for row in rows:
            made = row.created_at.astimezone(config.tz).strftime("%Y-%m-%d %H:%M")
            state = f"revoked {row.revoked_at.astimezone(config.tz):%Y-%m-%d %H:%M}" if row.revoked_at else "active"
            print(f"{row.name:24} {row.rate:8} made {made}  {state}")
        return EXIT_OK

    return run_with_uow(config, work)


def cmd_revoke(args: argparse.Namespace, config: Config) -> int:
    """Revoke a key by name."""

    async def work(uow: UnitOfWork) -> int:
        try:
            row = await revoke_key(uow.session, args.name, datetime.now(UTC))
        except ApiKeyError as exc:
            raise CommandError(str(exc)) from exc
        await uow.commit()
        print(f"API key {row.name!r} revoked")
        return EXIT_OK

    return run_with_uow(config, work)
