"""The composition root: build QunGong's parts from a Config (nothing connects at import time)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Config
from storage.db import create_engine, create_session_factory
from storage.demo import DemoSummary, load_demo_district
from storage.migrate import ensure_schema_current, upgrade
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class App:
    """Everything a running QunGong holds: its config, database engine and session factory."""

    config: Config
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]

    def uow(self) -> UnitOfWork:
        """Return a new unit of work."""
        return UnitOfWork(self.session_factory)

    async def close(self) -> None:
        """Release the database connections."""
        await self.engine.dispose()


def build_app(config: Config) -> App:
    """Build the app from config; the engine connects lazily, on first use."""
    engine = create_engine(config.storage.url, echo=config.storage.echo)
    return App(config=config, engine=engine, session_factory=create_session_factory(engine))


async def load_demo(app: App, now: datetime | None = None) -> DemoSummary:
    """Load the demo district into the app's database if it holds no units yet."""
    async with app.uow() as uow:
        summary = await load_demo_district(
            uow, now or datetime.now(UTC), app.config.nlp_settings().taxonomy_path
        )
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
