"""The contract between the outbox sender and the channel adapters that deliver messages."""

from __future__ import annotations

from typing import Protocol

from handlers.messages import Outbound


class DeliveryError(Exception):
    """A message could not be delivered."""


class TemporaryFailure(DeliveryError):
    """Worth retrying (timeout, 5xx, rate limit); `retry_after` seconds when the platform said so."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentFailure(DeliveryError):
    """Never worth retrying (blocked by the user, chat gone, message refused)."""


class OutsideServiceWindow(PermanentFailure):
    """The platform refuses free-form messages now (WeChat 45015: the 48-hour window has passed)."""


class ChannelAdapter(Protocol):
    """A channel instance that can deliver a message to one of its chats."""

    name: str

    async def send(self, chat_id: str, message: Outbound) -> None:
        """Deliver a message, or raise a DeliveryError."""
