"""Images of the media store on the platforms: a `media:HASH` image is written once to a local cache file, which
every adapter already knows how to upload (as it does a report chart), before a message goes out."""

from __future__ import annotations

import dataclasses
import logging
import os
import tempfile
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.messages import Outbound
from storage.media.store import get_media, media_hash

log = logging.getLogger(__name__)
SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png"}


def cache_folder() -> Path:
    """Return this machine's cache of stored images (content-addressed, so any process may fill it)."""
    return Path(tempfile.gettempdir()) / "qungong-media"


async def local_copy(session_factory: async_sessionmaker[AsyncSession], ref: str) -> str | None:
    """Return the path of a local copy of a stored image (written on first use), or None when it is not stored."""
    sha = media_hash(ref)
    if sha is None:
        return ref
    folder = cache_folder()
    for suffix in SUFFIX.values():
        if (folder / f"{sha}{suffix}").is_file():
            return str(folder / f"{sha}{suffix}")
    async with session_factory() as session:
        media = await get_media(session, sha)
    if media is None:
        log.warning("image %s… is not in the media store: left out of the message", sha[:12])
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{sha}{SUFFIX.get(media.mime, '.img')}"
    partial = folder / f".{sha}.{os.getpid()}.part"
    partial.write_bytes(media.data)
    partial.replace(path)  # atomic: another process never reads half a file
    return str(path)


async def with_local_images(session_factory: async_sessionmaker[AsyncSession], message: Outbound) -> Outbound:
    """Return the message with its stored images as local files (the others as they are)."""
    if media_hash(message.image) is None and not any(media_hash(g) for g in message.gallery):
        return message
    image = await local_copy(session_factory, message.image) if message.image else None
    gallery = tuple(p for p in [await local_copy(session_factory, g) for g in message.gallery] if p)
    return dataclasses.replace(message, image=image, gallery=gallery)
