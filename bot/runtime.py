"""Everything `qungong run` runs, by role, started in order and stopped in reverse: the one place that wires them.

    all        one machine: the web server and channels, the outbox sender, and the scheduler (when it leads)
    web        webhooks, the simulator and the pages; channels receive here (Telegram polling: one such process)
    sender     the outbox sender; channels only send
    scheduler  the jobs, in whichever scheduler process holds the lease (scheduler.leader)

Every role beats a heartbeat (bot.process). Send limits are shared by every process through
`[limits] url` (Redis) or, on PostgreSQL, the database (bot.outbox.shared_windows).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from aiohttp import web

from bot.app import App, start_app
from bot.channels.registry import (
    RunningChannel,
    adapters,
    add_channel_routes,
    build_channels,
    start_channels,
    stop_channels,
)
from bot.heap import settle_heap
from bot.outbox.rate_limit import RateLimiter
from bot.outbox.sender import OutboxSender, limits_from
from bot.outbox.shared_windows import windows_for
from bot.process import heartbeat, this_process
from bot.routing import watch
from bot.web.server import build_web_app
from scheduler.leader import lead

log = logging.getLogger(__name__)
SERVES = {"all": {"web", "sender", "scheduler"}, "web": {"web"}, "sender": {"sender"}, "scheduler": {"scheduler"}}


async def run_until(app: App, stop: asyncio.Event, role: str = "all") -> None:
    """Run ROLE's parts until `stop` is set."""
    parts = SERVES[role]
    info = this_process(role)
    limiter = RateLimiter(limits_from(app.config.outbox), time.monotonic, windows=windows_for(app.config.limits.url, app.session_factory))
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(limiter.close)
        tasks = [asyncio.create_task(heartbeat(app.session_factory, info, stop), name="heartbeat")]
        channels: list[RunningChannel] = []
        if "web" in parts:
            await start_app(app)
        if parts & {"web", "sender"}:
            channels = build_channels(app, limiter)
        if "web" in parts:
            await stack.enter_async_context(_serving(app, channels))
            # The routing model in use follows the database's active version (a retrain or `qungong nlp use`).
            tasks.append(asyncio.create_task(watch(app.running_routing(), app.session_factory, stop), name="model-watch"))
        if channels:
            await start_channels(channels, receive="web" in parts)
            stack.push_async_callback(stop_channels, channels)
        if "sender" in parts:
            sender = OutboxSender(app.session_factory, adapters(channels), app.config.outbox, language=app.config.app.language, limiter=limiter)
            tasks.append(asyncio.create_task(sender.run(stop), name="outbox-sender"))
        if "scheduler" in parts:
            tasks.append(asyncio.create_task(lead(app, info.id, stop), name="scheduler-lead"))
        settle_heap()  # everything is loaded and started
        log.info("running as %s (%s)", role, info.id)
        try:
            await stop.wait()
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)


@contextlib.asynccontextmanager
async def _serving(app: App, channels: list[RunningChannel]) -> AsyncIterator[None]:
    """Serve the web server (with the channels' webhook routes) while the block runs."""
    web_app = build_web_app(app)
    add_channel_routes(web_app, channels)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, app.config.web.host, app.config.web.port).start()
        log.info("listening on http://%s:%d/", app.config.web.host, app.config.web.port)
        yield
    finally:
        await runner.cleanup()
