"""`qungong nlp train --from-db`, `qungong nlp models` and `qungong nlp use`: the district's own routing models in the database."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any

from bot.app import App, build_app
from bot.config.schema import Config
from nlp import cli as nlp_cli
from nlp.classifier import load_featurizer
from nlp.errors import NlpInputError
from nlp.training import save_model
from scheduler.retrain import as_rows, history, seed_rows, store, train_candidate
from storage.migrate import ensure_schema_current
from storage.routing_models import activate, get_version, list_versions

EXIT_OK, EXIT_FAILURE = 0, 1


def add_commands(nlp_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add --from-db/--since to `nlp train`, and the `nlp models` and `nlp use` commands."""
    train = nlp_sub.choices["train"]
    train.add_argument("--from-db", action="store_true", help="also train on the database's history (decided or confirmed cases); stores a new version")
    train.add_argument("--since", type=date.fromisoformat, default=None, metavar="DATE", help="with --from-db: only cases received from DATE on")
    train.set_defaults(nlp_func=None, func=cmd_train)
    nlp_sub.add_parser("models", help="list the stored routing model versions and their figures").set_defaults(func=cmd_models)
    use = nlp_sub.add_parser("use", help="put a stored version in use (or `file`: the configured model file); rolls back too")
    use.add_argument("version", help="a version number from `qungong nlp models`, or `file`")
    use.set_defaults(func=cmd_use)


def _run(config: Config, work: Any) -> int:
    """Build the app on the migrated database, run WORK with it, close it."""

    async def runner() -> int:
        app = build_app(config)
        try:
            await ensure_schema_current(app.engine)
            return int(await work(app))
        finally:
            await app.close()

    return asyncio.run(runner())


def cmd_train(args: argparse.Namespace, config: Config) -> int:
    """Train from files, and with --from-db from the database's history too (stored as a new version)."""
    settings = config.nlp_settings()
    if not args.from_db:
        if args.since is not None:
            raise NlpInputError("--since needs --from-db")
        return nlp_cli.run_train(args, settings)
    settings = nlp_cli.with_options(args, settings)
    if args.target_precision is not None:
        settings = replace(settings, target_precision=float(args.target_precision))
    since = None if args.since is None else datetime.combine(args.since, time(0), tzinfo=config.tz).astimezone(UTC)

    async def work(app: App) -> int:
        now = datetime.now(UTC)
        taxonomy, _lexicon, _featurizer = await asyncio.to_thread(load_featurizer, settings)
        cases = await history(app.read_session_factory, taxonomy, since=since, until=now)
        past = as_rows(cases, taxonomy)
        named = args.files or args.seen_by_lexicon
        files = nlp_cli.file_rows(args, settings) if named else seed_rows(config.nlp, taxonomy)
        if not past:
            print("the database holds no decided or confirmed cases" + (f" since {args.since}" if args.since else ""))
        candidate = await asyncio.to_thread(train_candidate, files + past, len(past), settings)
        number = await store(app.session_factory, candidate, source="cli", history_until=now, now=now)
        if args.out is not None:
            save_model(candidate.model, args.out)
        decided = sum(1 for c in cases if c.how == "decided")
        held = candidate.figures["held_out"]
        print(f"trained on {len(files)} example rows and {len(past)} cases from the history ({decided} decided by staff, {len(past) - decided} confirmed solved)")
        print(f"held-out folds: accuracy {held['accuracy']:.1%}, routed {held['coverage']:.1%} of which right {held['accuracy_routed']:.1%}, "
              f"ECE {held['ece']:.3f}; threshold {candidate.model.threshold:.2f} for target precision {settings.target_precision:.0%}")
        print(f"stored as version {number} (not in use: `qungong nlp use {number}` puts it in use)")
        return EXIT_OK

    return _run(config, work)


def _figures(figures: dict[str, Any]) -> str:
    """Describe a version's figures on one line."""
    held = figures.get("held_out", {})
    text = f"held-out acc {held.get('accuracy', 0):.3f} routed {held.get('coverage', 0):.0%}@{held.get('accuracy_routed', 0):.3f} ECE {held.get('ece', 0):.3f}"
    window = figures.get("window")
    if window:
        new, old = window["candidate"], window["current"]
        text += f" | last month ({new['n']} cases): acc {new['accuracy']:.3f} vs {old['accuracy']:.3f} in use"
    return text


def cmd_models(args: argparse.Namespace, config: Config) -> int:
    """List the stored versions, newest first, with their figures and which one is in use."""

    async def work(app: App) -> int:
        async with app.session_factory() as session:
            versions = await list_versions(session)
        active = next((v.id for v in versions if v.active), None)
        file_state = "in use" if active is None else "not in use"
        print(f"file   {config.nlp_settings().model_path} ({file_state})")
        for v in versions:
            mark = "*" if v.active else " "
            created = v.created_at.astimezone(config.tz).strftime("%Y-%m-%d %H:%M")
            print(f"{mark}v{v.id:<4} {created} {v.source:<7} {v.trained_on} rows ({v.history_rows} from history)  {_figures(v.figures)}")
        if not versions:
            print("no stored versions: `qungong nlp train --from-db` or the weekly retrain makes them")
        return EXIT_OK

    return _run(config, work)


def cmd_use(args: argparse.Namespace, config: Config) -> int:
    """Make a stored version the active one (or `file`: none); running workers switch within a minute."""
    wanted = args.version.strip().lower().lstrip("v")

    async def work(app: App) -> int:
        number = None if wanted == "file" else int(wanted)
        async with app.session_factory() as session:
            if number is not None and await get_version(session, number) is None:
                print(f"qungong: there is no version {number} (see `qungong nlp models`)")
                return EXIT_FAILURE
            await activate(session, number, datetime.now(UTC))
            await session.commit()
        print(f"routing model in use: {'the configured model file' if number is None else f'version {number}'} (running workers switch within a minute)")
        return EXIT_OK

    if wanted != "file" and not wanted.isdigit():
        print(f"qungong: expected a version number or `file`, got {args.version!r}")
        return EXIT_FAILURE
    return _run(config, work)
