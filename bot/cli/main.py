"""The `qungong` command line: one entry point, one line per error, an exit code for each outcome."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError

from bot.app import App, build_app, load_demo, prepare_database
from bot.cli import apikey as cli_apikey
from bot.cli import cockpit as cli_cockpit
from bot.cli import district as cli_district
from bot.cli import lovebank as cli_lovebank
from bot.cli import outbox as cli_outbox
from bot.cli import people as cli_people
from bot.cli import privacy as cli_privacy
from bot.cli import reports as cli_reports
from bot.cli import routing as cli_routing
from bot.cli import simulator as cli_simulator
from bot.cli import status as cli_status
from bot.cli import wechat as channels_cli
from bot.cli import wecom as wecom_cli
from bot.config.loader import ConfigError, load_config
from bot.config.schema import Config
from bot.process import ROLES
from bot.runtime import run_until
from bot.web.server import simulator_mode
from bot.web.simulator.access import DEMO
from nlp import cli as nlp_cli
from nlp.errors import NlpInputError
from scheduler import cli as scheduler_cli
from storage.migrate import (
    SchemaNotReady,
    current_revision,
    ensure_schema_current,
    head_revision,
    upgrade,
)

EXIT_OK, EXIT_FAILURE, EXIT_CONFIG = 0, 1, 2
Command = Callable[[argparse.Namespace, Config], int]


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every sub-command and its one-line description."""
    parser = argparse.ArgumentParser(
        prog="qungong",
        description="QunGong (群工): chat-native grievance and service platform for a district.",
    )
    parser.add_argument("--config", metavar="PATH", help="config file (default: $QUNGONG_CONFIG, else demo mode)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    run = sub.add_parser("run", help="start QunGong (demo mode: migrate, load the demo district, serve)")
    run.add_argument(
        "--role",
        choices=ROLES,
        default="all",
        help="all (one machine, the default); web (webhooks, simulator, pages); sender (the outbox); scheduler (the jobs, one leads)",
    )
    run.set_defaults(func=cmd_run)
    db = sub.add_parser("db", help="database schema: upgrade or show the revision")
    db_sub = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    db_sub.add_parser("upgrade", help="create or upgrade the schema to the newest revision").set_defaults(
        func=cmd_db_upgrade
    )
    db_sub.add_parser("current", help="show the database's schema revision").set_defaults(func=cmd_db_current)
    sub.add_parser("demo-data", help="load the demo district into a migrated, empty database").set_defaults(
        func=cmd_demo_data
    )
    sub.add_parser("check-config", help="validate the configuration and show what is in force").set_defaults(
        func=cmd_check_config
    )
    cli_people.add_commands(sub)
    cli_district.add_commands(sub)
    cli_routing.add_commands(nlp_cli.add_commands(sub))
    scheduler_cli.add_commands(sub)
    channels_cli.add_commands(sub)
    wecom_cli.add_commands(sub)
    cli_reports.add_commands(sub)
    cli_outbox.add_commands(sub)
    cli_simulator.add_commands(sub)
    cli_status.add_commands(sub)
    cli_privacy.add_commands(sub)
    cli_lovebank.add_commands(sub)
    cli_cockpit.add_commands(sub)
    cli_apikey.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"qungong: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    logging.basicConfig(
        level=config.logging.level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        if getattr(args, "nlp_func", None) is not None:
            return int(args.nlp_func(args, config.nlp_settings()))
        func: Command = args.func
        return func(args, config)
    except (SchemaNotReady, NlpInputError) as exc:
        print(f"qungong: {exc}", file=sys.stderr)
    except (OperationalError, DBAPIError, OSError) as exc:
        print(f"qungong: cannot use the database at {_safe_url(config.storage.url)}: {_first_line(exc)}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    return EXIT_FAILURE


def _first_line(exc: BaseException) -> str:
    """Return the first line of an exception's text."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _safe_url(url: str) -> str:
    """Hide a password in a database URL."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}" if ":" in credentials else url


def _with_app(config: Config, work: Callable[[App], Awaitable[int]]) -> int:
    """Build the app, run one coroutine with it, and close it."""

    async def runner() -> int:
        app = build_app(config)
        try:
            return await work(app)
        finally:
            await app.close()

    return asyncio.run(runner())


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    """Start QunGong and serve until interrupted."""

    async def work(app: App) -> int:
        await prepare_database(app)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        mode = "demo district" if config.app.demo else config.source
        where = f"on http://{config.web.host}:{config.web.port}/ " if args.role in ("all", "web") else ""
        print(f"QunGong ({mode}, {args.role}) {where}— Ctrl+C stops it", flush=True)
        await run_until(app, stop, args.role)
        return EXIT_OK

    return _with_app(config, work)


def cmd_db_upgrade(args: argparse.Namespace, config: Config) -> int:
    """Create or upgrade the schema."""

    async def work(app: App) -> int:
        revision = await upgrade(app.engine)
        print(f"database {_safe_url(config.storage.url)} is at schema revision {revision}")
        return EXIT_OK

    return _with_app(config, work)


def cmd_db_current(args: argparse.Namespace, config: Config) -> int:
    """Show the schema revision of the database and of the code."""

    async def work(app: App) -> int:
        revision = await current_revision(app.engine)
        print(f"database: {revision or 'empty (run `qungong db upgrade`)'}; code: {head_revision()}")
        return EXIT_OK if revision == head_revision() else EXIT_FAILURE

    return _with_app(config, work)


def cmd_demo_data(args: argparse.Namespace, config: Config) -> int:
    """Load the demo district."""

    async def work(app: App) -> int:
        await ensure_schema_current(app.engine)
        summary = await load_demo(app)
        if not summary.loaded:
            print("the database already holds units; the demo district was not loaded again")
            return EXIT_OK
        print(f"demo district loaded: {summary.units} units, {summary.people} people")
        return EXIT_OK

    return _with_app(config, work)


def cmd_check_config(args: argparse.Namespace, config: Config) -> int:
    """Print the configuration in force (secrets hidden)."""
    lines: list[tuple[str, Any]] = [
        ("source", config.source),
        ("app.demo", config.app.demo),
        ("app.timezone", config.app.timezone),
        ("app.language", config.app.language),
        ("storage.url", _safe_url(config.storage.url)),
        ("web", f"{config.web.host}:{config.web.port}"),
        ("simulator", _simulator_line(config)),
        ("cockpit", f"/cockpit/ (links to {config.cockpit.base_url or 'http://' + config.web.host + ':' + str(config.web.port)}); "
                    f"public page {'/public/' if config.cockpit.public else 'off'}"),
        ("nlp.threshold", config.nlp.threshold or "the model's calibrated threshold"),
        ("nlp.retrain", config.nlp.retrain),
        ("sla", f"sign {config.sla.sign_hours} h, yellow {config.sla.yellow_hours} h, red {config.sla.red_hours} h"),
        ("channels", ", ".join(f"{c.name} ({c.kind})" for c in config.channels) or "none: the web simulator only"),
    ]
    for name, value in lines:
        print(f"{name:14} {value}")
    print("configuration ok")
    return EXIT_OK


def _simulator_line(config: Config) -> str:
    """Describe plainly who can reach the web simulator with this configuration."""
    mode = simulator_mode(config)
    if mode is None:
        return f"not served ([web] simulator = {config.web.simulator!r})"
    if mode == DEMO:
        return "served in demo mode: anyone who reaches the port may chat as the demo district's people"
    return (
        "ON OUTSIDE DEMO MODE: served at / to trainers signed in with `qungong simulator link`, "
        "acting only as the training people their link names"
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
