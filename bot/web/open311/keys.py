"""Who is calling the Open311 API: the presented API key (query, form or X-Api-Key header), and its rate limit.

Each key's rate (e.g. 10/s) is a moving window in the `limits` library: in Redis when `[limits] url` names one
(shared by every web process), else in this process.
"""

from __future__ import annotations

from dataclasses import dataclass

from limits import RateLimitItemPerHour, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.limits import RateLimitItem

from storage.apikeys import key_by_secret, parse_rate
from storage.uow import UnitOfWork

HEADER = "X-Api-Key"


@dataclass(frozen=True)
class Client:
    """An active key's client system: the key's id, name and rate."""

    id: int
    name: str
    rate: str

    @property
    def source(self) -> str:
        """Return the source its cases keep, e.g. open311:hotline-12345."""
        return f"open311:{self.name}"


class KeyRefused(Exception):
    """No key, an unknown key or a revoked one (the description is safe to show)."""


async def client_for(uow: UnitOfWork, presented: str | None) -> Client:
    """Return the client system of a presented key; raise KeyRefused when there is none or it is revoked."""
    if not presented:
        raise KeyRefused("api_key is required")
    row = await key_by_secret(uow.session, presented)
    if row is None:
        raise KeyRefused("api_key is not valid")
    if row.revoked_at is not None:
        raise KeyRefused("api_key has been revoked")
    return Client(row.id, row.name, row.rate)


def rate_item(rate: str) -> RateLimitItem:
    """Return the `limits` item of a rate such as 10/s."""
    amount, seconds = parse_rate(rate)
    kind = {1: RateLimitItemPerSecond, 60: RateLimitItemPerMinute, 3600: RateLimitItemPerHour}[seconds]
    return kind(amount)


class KeyLimits:
    """The per-key rate limits of the API."""

    def __init__(self, url: str = "") -> None:
        storage: Storage = RedisStorage(url) if url.startswith(("redis://", "rediss://", "unix://")) else MemoryStorage()
        self.limiter = MovingWindowRateLimiter(storage)

    async def allow(self, client: Client) -> bool:
        """Count one request of a client; False when it is over its key's rate."""
        return await self.limiter.hit(rate_item(client.rate), "open311", client.name)
