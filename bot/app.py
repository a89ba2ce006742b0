"""The composition root: build QunGong's parts from a Config (nothing connects at import time)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.channels.settings import STAFF_ONLY_KINDS
from bot.config.schema import Config
from bot.dispatcher import Dispatcher, utcnow
from bot.routing import LiveClassifier, refresh
from handlers.core import Services
from handlers.places import load_place_finder
from handlers.reports.keywords import fill_session_keywords, shared_keywords
from handlers.texts import Texts, load_texts
from nlp import Classifier, load_classifier
from nlp.categories import packaged_categories
from scheduler.wiring import load_supervision
from storage.cases.categories import fill_categories
from storage.db import create_engine, create_read_engine, create_session_factory
from storage.demo.district import DemoSummary, load_demo_district
from storage.demo.history import load_demo_history
from storage.migrate import ensure_schema_current, upgrade
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class App:
    """Everything a running QunGong holds: config, database, and (once started) the dispatcher."""

    config: Config
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    texts: Texts
    dispatcher: Dispatcher | None = field(default=None)
    routing: LiveClassifier | None = field(default=None)
    read_engine: AsyncEngine | None = field(default=None)  # SQLite only: long reads off the loop and the write lock
    _read_sessions: async_sessionmaker[AsyncSession] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.read_engine is not None:
            self._read_sessions = create_session_factory(self.read_engine)

    @property
    def read_session_factory(self) -> async_sessionmaker[AsyncSession]:
        """Return the session factory for long reads: the read engine's, or the main one without it."""
        return self.session_factory if self._read_sessions is None else self._read_sessions

    def uow(self) -> UnitOfWork:
        """Return a new unit of work."""
        return UnitOfWork(self.session_factory)

    def running_dispatcher(self) -> Dispatcher:
        """Return the dispatcher, which exists once `start_app` ran."""
        if self.dispatcher is None:
            raise RuntimeError("the app is not started: call start_app(app) first")
        return self.dispatcher

    def running_routing(self) -> LiveClassifier:
        """Return the live routing classifier, which exists once `start_app` ran."""
        if self.routing is None:
            raise RuntimeError("the app is not started: call start_app(app) first")
        return self.routing

    async def close(self) -> None:
        """Release the database connections."""
        if self.read_engine is not None:
            await self.read_engine.dispose()
        await self.engine.dispose()


def build_app(config: Config) -> App:
    """Build the app from config; the engines connect lazily, on first use."""
    engine = create_engine(config.storage.url, echo=config.storage.echo)
    return App(
        config=config,
        engine=engine,
        session_factory=create_session_factory(engine),
        texts=load_texts(config.app.language),
        read_engine=create_read_engine(config.storage.url, echo=config.storage.echo),
    )


async def start_app(
    app: App, classifier: Classifier | None = None, clock: Callable[[], datetime] = utcnow
) -> Dispatcher:
    """Load the classifier and the map of places, and build the dispatcher."""
    if classifier is None:
        classifier = await asyncio.to_thread(load_classifier, app.config.nlp_settings())
    app.routing = LiveClassifier(classifier)
    await refresh(app.routing, app.session_factory)
    async with app.uow() as uow:
        places = await load_place_finder(uow, app.texts)
    supervision = await load_supervision(app.session_factory, app.config)
    departments = [d for d in classifier.taxonomy.departments if d.code != "dispatch"]
    names_in = {
        "zh": {d.code: d.name_zh for d in departments},
        "en": {d.code: d.name_en or d.name_zh for d in departments},
    }
    names = names_in.get(app.config.app.language, names_in["zh"])
    services = Services(
        classifier=app.routing,
        places=places,
        texts=app.texts,
        tz=app.config.tz,
        department_names=names,
        supervision=supervision,
        max_redos=app.config.lifecycle.max_redos,
        conversation_timeout=timedelta(minutes=app.config.conversation.timeout_minutes),
        wishes=app.config.wishes,
        abuse=app.config.abuse,
        staff_only_channels=staff_only_channels(app.config),
        lovebank=app.config.lovebank,
        cockpit=app.config.cockpit,
        web_address=f"http://{app.config.web.host}:{app.config.web.port}",
        department_names_in=names_in,
    )
    app.dispatcher = Dispatcher(app.session_factory, services, clock=clock)
    return app.dispatcher


def staff_only_channels(config: Config) -> dict[str, str]:
    """Return the channels only staff may use (WeChat Work), each with the official account residents are sent to."""
    return {c.name: getattr(c, "resident_account", "") for c in config.channels if c.kind in STAFF_ONLY_KINDS}


async def load_demo(app: App, now: datetime | None = None, *, history: bool = True) -> DemoSummary:
    """Load the demo district (with months of case history) into the app's database if it holds no units yet."""
    moment = now or datetime.now(UTC)
    async with app.uow() as uow:
        summary = await load_demo_district(uow, moment, app.config.nlp_settings().taxonomy_path)
        if summary.loaded and history:
            made = await load_demo_history(uow.session, moment, app.config.tz)
            log.info("demo history loaded: %d cases, %d events, %d lights", made.cases, made.events, made.lights)
            categories = packaged_categories()
            while await fill_categories(uow.session, categories.categorise):
                pass
            keywords = await shared_keywords(app.config)
            while await fill_session_keywords(uow.session, keywords, moment):
                pass
        await uow.commit()
    return summary


async def prepare_database(app: App) -> None:
    """Make the database ready: in demo mode migrate and load the demo; otherwise insist it is migrated."""
    if app.config.app.demo:
        await upgrade(app.engine)
        summary = await load_demo(app)
        if summary.loaded:
            log.info("demo district loaded: %d units, %d people", summary.units, summary.people)
        return
    await ensure_schema_current(app.engine)
