"""Everything `qungong run` runs, started in order and stopped in reverse: the one place that wires them."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.app import App, start_app
from bot.channels.registry import (
    adapters,
    add_channel_routes,
    build_channels,
    start_channels,
    stop_channels,
)
from bot.heap import settle_heap
from bot.outbox.sender import start_outbox_sender
from bot.routing import watch
from bot.web.server import build_web_app
from scheduler.runner import start_scheduler, stop_scheduler

log = logging.getLogger(__name__)


async def run_until(app: App, stop: asyncio.Event) -> None:
    """Serve the web server, the channels, the scheduler and the outbox sender until `stop` is set."""
    await start_app(app)
    channels = build_channels(app)
    web_app = build_web_app(app)
    add_channel_routes(web_app, channels)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, app.config.web.host, app.config.web.port).start()
        log.info("listening on http://%s:%d/", app.config.web.host, app.config.web.port)
        await start_channels(channels)
        try:
            scheduler = start_scheduler(app)
            sender, stop_sender = await start_outbox_sender(
                app.session_factory, adapters(channels), app.config.outbox, app.config.app.language
            )
            model_watch = asyncio.create_task(watch(app.running_routing(), app.session_factory, stop))
            settle_heap()  # everything is loaded and started
            try:
                await stop.wait()
            finally:
                stop_sender.set()
                await sender
                await model_watch
                stop_scheduler(scheduler)
        finally:
            await stop_channels(channels)
    finally:
        await runner.cleanup()
