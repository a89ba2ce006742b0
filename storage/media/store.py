"""Keep images by the SHA-256 of their bytes and find them again; a message names one as `media:HASH`."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.media.images import Prepared
from storage.models.media import Media
from storage.upsert import insert_ignoring

PREFIX = "media:"
HASH = re.compile(r"[0-9a-f]{64}")
PHOTO, CHART = "photo", "chart"


def media_ref(sha256: str) -> str:
    """Return how a message names a stored image."""
    return f"{PREFIX}{sha256}"


def media_hash(ref: str | None) -> str | None:
    """Return the hash a `media:HASH` reference names, or None for anything else (a URL, a platform id)."""
    if not ref or not ref.startswith(PREFIX):
        return None
    sha = ref.removeprefix(PREFIX)
    return sha if HASH.fullmatch(sha) else None


async def put_media(session: AsyncSession, image: Prepared, now: datetime, *, kind: str = PHOTO, origin: str | None = None) -> str:
    """Store a prepared image once (by its hash) and return its `media:HASH` reference."""
    sha = hashlib.sha256(image.data).hexdigest()
    values = {
        "sha256": sha,
        "kind": kind,
        "mime": image.mime,
        "width": image.width,
        "height": image.height,
        "size": len(image.data),
        "data": image.data,
        "thumb": image.thumb,
        "origin": origin[:200] if origin else None,
        "created_at": now,
    }
    await insert_ignoring(session, Media.__table__, values, ["sha256"])
    return media_ref(sha)


async def get_media(session: AsyncSession, sha256: str) -> Media | None:
    """Return a stored image by its hash."""
    return await session.get(Media, sha256)


async def ref_of_origin(session: AsyncSession, origin: str) -> str | None:
    """Return the reference of the image fetched before from ORIGIN (a platform's file id), if any."""
    sha = await session.scalar(select(Media.sha256).where(Media.origin == origin[:200]))
    return media_ref(sha) if sha else None
