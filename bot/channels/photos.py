"""Photos from the platforms into the media store: fetched once (Telegram and WeChat expire their copies), checked
and cleaned like a simulator upload (type by content, EXIF dropped by re-encoding, a thumbnail), and handed to
the handlers as `media:HASH`. A photo that cannot be fetched keeps its platform reference: the message is
handled all the same."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.messages import Inbound, InboundKind
from storage.media.images import MAX_BYTES, BadImage, prepare
from storage.media.store import media_hash, put_media, ref_of_origin

log = logging.getLogger(__name__)
Fetch = Callable[[str], Awaitable[bytes]]  # a platform reference → the image's bytes
ORIGIN_LENGTH = 200  # media.origin's length


class TooLarge(Exception):
    """The platform says the file is larger than a photo QunGong keeps; it is not downloaded."""


def check_size(size: int | None) -> None:
    """Refuse a file the platform says is larger than MAX_BYTES (before downloading it)."""
    if size is not None and size > MAX_BYTES:
        raise TooLarge(f"the platform's file has {size} bytes, more than {MAX_BYTES}")


def origin_of(inbound: Inbound) -> str:
    """Return what names a platform's photo in the media store: the channel and its file id or URL (hashed
    when that is longer than the column, so two long URLs never share a truncated name)."""
    origin = f"{inbound.channel}:{inbound.photo}"
    if len(origin) <= ORIGIN_LENGTH:
        return origin
    return f"{inbound.channel[:80]}:sha256:{hashlib.sha256((inbound.photo or '').encode()).hexdigest()}"


async def keep_photo(
    session_factory: async_sessionmaker[AsyncSession],
    inbound: Inbound,
    fetch: Fetch,
    *,
    reference: str | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Inbound:
    """Return the update with its photo kept in the media store (`media:HASH`); unchanged when it is no
    platform photo, or when fetching or keeping it failed (logged as a warning).

    FETCH gets REFERENCE (default: the update's photo) from the platform; a photo fetched before (a
    platform's redelivery) is found again by its origin and not fetched twice.
    """
    if inbound.kind is not InboundKind.PHOTO or not inbound.photo or media_hash(inbound.photo) is not None:
        return inbound
    origin = origin_of(inbound)
    try:
        async with session_factory() as session:
            known = await ref_of_origin(session, origin)
        if known is None:
            image = await asyncio.to_thread(prepare, await fetch(reference or inbound.photo))
            async with session_factory() as session, session.begin():
                known = await put_media(session, image, now(), origin=origin)
    except BadImage as exc:
        log.warning("%s photo %s from chat %s kept as the platform's reference: %s", inbound.channel, inbound.photo[:40], inbound.chat_id, exc)
        return inbound
    except Exception as exc:
        # Whatever the platform, its library or the network raised: the message must not be lost for a photo.
        log.warning(
            "%s photo %s from chat %s could not be fetched (%s: %s); kept as the platform's reference",
            inbound.channel, inbound.photo[:40], inbound.chat_id, type(exc).__name__, exc,
        )
        return inbound
    log.info("%s photo %s kept as %s", inbound.channel, inbound.photo[:40], known[:18])
    return dataclasses.replace(inbound, photo=known)
