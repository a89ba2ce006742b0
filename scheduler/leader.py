"""Exactly one scheduler leads at a time: each process that may run the jobs tries to hold the lease
"scheduler" (storage.leases), runs APScheduler while it holds it, and stops it when it loses it. A leader
that dies stops renewing; its lease runs out after LEASE_TTL and another process takes over within
LEASE_TTL + RENEW_EVERY (`[scheduler] lease_seconds`, renewed every third of it). The jobs stay idempotent
in the database, so a moment of overlap sends nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scheduler.runner import AppLike, start_scheduler, stop_scheduler
from storage.leases import release, try_lead

log = logging.getLogger(__name__)
LEASE = "scheduler"


async def lead(app: AppLike, holder: str, stop: asyncio.Event) -> None:
    """Run the scheduler whenever this process holds the lease, until STOP is set; then give the lease up."""
    ttl = timedelta(seconds=app.config.scheduler.lease_seconds)
    every = ttl.total_seconds() / 3
    scheduler: AsyncIOScheduler | None = None
    try:
        while not stop.is_set():
            try:
                leading = await try_lead(app.session_factory, LEASE, holder, datetime.now(UTC), ttl)
            except Exception:  # the database is away: stop leading rather than risk two leaders
                log.exception("scheduler lease: could not renew")
                leading = False
            if leading and scheduler is None:
                scheduler = start_scheduler(app)
                log.info("scheduler: %s leads", holder)
            elif not leading and scheduler is not None:
                stop_scheduler(scheduler)
                scheduler = None
                log.warning("scheduler: %s lost the lead", holder)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every)
    finally:
        if scheduler is not None:
            stop_scheduler(scheduler)
            with contextlib.suppress(Exception):
                await release(app.session_factory, LEASE, holder)
