"""API keys of the client systems that file through the Open311 API: made once, kept only as SHA-256, revocable."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.intake import ApiKey

KEY_PREFIX = "qg311_"
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
RATE = re.compile(r"^(\d{1,6})/(s|m|h)$")
DEFAULT_RATE = "10/s"


class ApiKeyError(Exception):
    """A key that cannot be made or revoked as asked (its text is shown as it is)."""


def hash_key(key: str) -> str:
    """Return the SHA-256 (hex) a key is stored and looked up as."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def parse_rate(rate: str) -> tuple[int, int]:
    """Return (requests, seconds) of a rate such as 10/s, 600/m or 5000/h."""
    found = RATE.match(rate.strip())
    if found is None or int(found.group(1)) == 0:
        raise ApiKeyError(f"rate {rate!r}: expected a number per s, m or h, e.g. 10/s or 600/m")
    return int(found.group(1)), {"s": 1, "m": 60, "h": 3600}[found.group(2)]


async def create_key(session: AsyncSession, name: str, rate: str, now: datetime) -> tuple[ApiKey, str]:
    """Make a key for a client system; return the row and the key itself (shown once, never stored)."""
    if NAME.match(name) is None:
        raise ApiKeyError(f"name {name!r}: lower-case letters, digits, '.', '_' and '-', e.g. hotline-12345")
    parse_rate(rate)
    if await session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise ApiKeyError(f"a key named {name!r} exists already (revoke it, or choose another name)")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, key_hash=hash_key(key), rate=rate.strip(), created_at=now, revoked_at=None)
    session.add(row)
    await session.flush()
    return row, key


async def list_keys(session: AsyncSession) -> Sequence[ApiKey]:
    """Return every key, oldest first (revoked ones too)."""
    return (await session.scalars(select(ApiKey).order_by(ApiKey.id))).all()


async def revoke_key(session: AsyncSession, name: str, now: datetime) -> ApiKey:
    """Revoke a key by its name; its requests stay, it files no more."""
    row = await session.scalar(select(ApiKey).where(ApiKey.name == name))
    if row is None:
        raise ApiKeyError(f"no key named {name!r}")
    if row.revoked_at is None:
        row.revoked_at = now
    await session.flush()
    return row


async def key_by_secret(session: AsyncSession, key: str) -> ApiKey | None:
    """Return the key row a presented key belongs to (revoked or not), or None."""
    if not key or len(key) > 200:
        return None
    return await session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
