"""Build the configured channel instances, mount their routes, start and stop them.

With no [[channels]] configured the list is empty and the web simulator (always mounted) is the
only channel. Wiring in the composition root:

    channels = build_channels(app)                 # nothing connects yet
    web_app = build_web_app(app, channels)         # mounts webhook / callback routes
    await start_channels(channels)                 # getMe, polling or setWebhook
    sender adapters: adapters(channels)            # name → ChannelAdapter for the outbox sender
    ...
    await stop_channels(channels)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Protocol

from aiohttp import web

from bot.app import App
from bot.channels.delivery import ChannelAdapter
from bot.channels.settings import ChannelSettings, TelegramChannel, WeChatChannel, WeComChannel
from bot.outbox.rate_limit import RateLimiter
from bot.outbox.sender import limits_from
from bot.outbox.settings import OutboxSection
from handlers.messages import Outbound

log = logging.getLogger(__name__)


class RunningChannel(Protocol):
    """A configured channel instance: an adapter for pushes that also receives updates."""

    name: str

    def add_routes(self, web_app: web.Application) -> None:
        """Mount the channel's HTTP routes (webhooks), if it has any."""

    async def start(self, receive: bool = True) -> None:
        """Connect: check credentials; when RECEIVE, start polling or register a webhook too."""

    async def stop(self) -> None:
        """Stop receiving and release connections."""

    async def send(self, chat_id: str, message: Outbound) -> None:
        """Deliver a push, or raise a DeliveryError."""


def reply_limiter(outbox: OutboxSection) -> RateLimiter:
    """Return a limiter for direct replies with the [outbox.rate] limits (share it with the sender)."""

    return RateLimiter(limits_from(outbox), time.monotonic)


def build_channel(settings: ChannelSettings, app: App, limiter: RateLimiter) -> RunningChannel:
    """Build one channel instance from its settings (its platform library is imported here)."""
    if isinstance(settings, TelegramChannel):
        from bot.channels.telegram.channel import TelegramChannel as Telegram  # noqa: PLC0415 - load a library only when configured

        return Telegram(settings, app, limiter)
    if isinstance(settings, WeComChannel):
        from bot.channels.wecom.channel import WeComChannel as WeCom  # noqa: PLC0415 - load a library only when configured

        return WeCom(settings, app, limiter)
    assert isinstance(settings, WeChatChannel)
    from bot.channels.wechat.channel import WeChatChannel as WeChat  # noqa: PLC0415 - load a library only when configured

    return WeChat(settings, app, limiter)


def build_channels(app: App, limiter: RateLimiter | None = None) -> list[RunningChannel]:
    """Build every configured channel; nothing connects until start_channels."""
    shared = limiter or reply_limiter(app.config.outbox)
    return [build_channel(settings, app, shared) for settings in app.config.channels]


def adapters(channels: Sequence[RunningChannel]) -> dict[str, ChannelAdapter]:
    """Return the channels by name, for the outbox sender."""
    return {channel.name: channel for channel in channels}


def add_channel_routes(web_app: web.Application, channels: Sequence[RunningChannel]) -> None:
    """Mount every channel's routes on the app's HTTP server."""
    for channel in channels:
        channel.add_routes(web_app)


async def start_channels(channels: Sequence[RunningChannel], *, receive: bool = True) -> None:
    """Start the channels one by one (only to send, unless RECEIVE); if one fails, stop those started and re-raise."""
    started: list[RunningChannel] = []
    try:
        for channel in channels:
            await channel.start(receive)
            started.append(channel)
    except BaseException:
        await stop_channels(started)
        raise


async def stop_channels(channels: Sequence[RunningChannel]) -> None:
    """Stop the channels, logging (not raising) what fails."""
    for channel in reversed(channels):
        try:
            await channel.stop()
        except Exception:
            log.exception("channel %s did not stop cleanly", channel.name)
