"""Run the jobs on APScheduler's AsyncIOScheduler inside `qungong run`."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduler.jobs import JOBS, JobSpec
from scheduler.settings import SettingsLike
from scheduler.wiring import JobDeps

log = logging.getLogger(__name__)


class AppLike(Protocol):
    """The parts of the running app the scheduler needs (bot.app.App has them)."""

    @property
    def config(self) -> SettingsLike:
        """The configuration."""

    @property
    def session_factory(self) -> async_sessionmaker[AsyncSession]:
        """The database session factory."""

    @property
    def read_session_factory(self) -> async_sessionmaker[AsyncSession]:
        """The session factory for long reads (the main one where readers never block writers)."""


async def run_job(spec: JobSpec, deps: JobDeps) -> None:
    """Run one job now (the scheduler's entry point), logging what it did."""
    outcome = await spec.func(deps, datetime.now(UTC))
    log.debug("job %s: %s", spec.name, outcome)


def build_scheduler(deps: JobDeps) -> AsyncIOScheduler:
    """Return a scheduler with every job added (not started), in the configured time zone."""
    settings = deps.settings
    # coalesce: after a pause, run a job once, not once per missed run (every job catches up by
    # itself). max_instances=1: a run that overlaps the next is pointless within one process, and
    # across processes the jobs are idempotent anyway (unique keys, dedupe keys, row locks).
    scheduler = AsyncIOScheduler(timezone=settings.tz, job_defaults={"coalesce": True, "max_instances": 1})
    for spec in JOBS.values():
        scheduler.add_job(
            run_job,
            trigger=spec.trigger(settings),
            args=(spec, deps),
            id=spec.name,
            name=spec.name,
            misfire_grace_time=spec.misfire_grace_time,
            replace_existing=True,
        )
    # Sweep once right after start-up, so lights that fell due while QunGong was down go out now.
    scheduler.get_job("light_sweep").modify(next_run_time=datetime.now(settings.tz))
    return scheduler


def start_scheduler(app: AppLike) -> AsyncIOScheduler:
    """Start the jobs on the running event loop (stop with `scheduler.shutdown(wait=False)`)."""
    deps = JobDeps(session_factory=app.session_factory, settings=app.config, read_session_factory=app.read_session_factory)
    scheduler = build_scheduler(deps)
    if app.config.scheduler.enabled:
        scheduler.start()
        log.info("scheduler started: %s", ", ".join(JOBS))
    return scheduler


def stop_scheduler(scheduler: AsyncIOScheduler) -> None:
    """Stop the scheduler if it runs, without waiting for running jobs (their transactions roll back)."""
    if scheduler.running:
        scheduler.shutdown(wait=False)
