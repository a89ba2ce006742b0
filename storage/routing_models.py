"""The versions of the routing model in the database: add one, list them, load one, and choose the active one.

A model is stored as its JSON, compressed (the classifier reads it back with `nlp.model`); storage
does not look inside. At most one version is active; none active means the model file configured
in [nlp] (the packaged one by default).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from storage.models.routing import RoutingModelVersion

KEEP_VERSIONS = 12  # versions kept when pruning, besides the active one


def encode_body(data: Mapping[str, Any]) -> bytes:
    """Return a model's JSON, compressed."""
    return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)


def decode_body(body: bytes) -> dict[str, Any]:
    """Return a stored model's JSON as a dict."""
    data: dict[str, Any] = json.loads(zlib.decompress(body).decode("utf-8"))
    return data


async def add_version(
    session: AsyncSession,
    data: Mapping[str, Any],
    *,
    source: str,
    trained_on: int,
    history_rows: int,
    history_until: datetime | None,
    taxonomy: str,
    figures: Mapping[str, Any],
    now: datetime,
    note: str | None = None,
) -> RoutingModelVersion:
    """Store a new (inactive) version and return it with its number."""
    version = RoutingModelVersion(
        created_at=now,
        source=source,
        trained_on=trained_on,
        history_rows=history_rows,
        history_until=history_until,
        taxonomy=taxonomy,
        figures=dict(figures),
        body=encode_body(data),
        active=False,
        note=note,
    )
    session.add(version)
    await session.flush()
    return version


async def list_versions(session: AsyncSession) -> Sequence[RoutingModelVersion]:
    """Return every version, newest first, without their bodies."""
    query = select(RoutingModelVersion).options(defer(RoutingModelVersion.body)).order_by(RoutingModelVersion.id.desc())
    return (await session.scalars(query)).all()


async def get_version(session: AsyncSession, number: int) -> RoutingModelVersion | None:
    """Return one version with its body."""
    return await session.get(RoutingModelVersion, number)


async def active_version(session: AsyncSession) -> RoutingModelVersion | None:
    """Return the active version with its body, or None (the configured model file is in use)."""
    return (await session.scalars(select(RoutingModelVersion).where(RoutingModelVersion.active.is_(True)))).first()


async def active_number(session: AsyncSession) -> int | None:
    """Return the number of the active version, or None: a cheap check for workers that reload."""
    return (await session.scalars(select(RoutingModelVersion.id).where(RoutingModelVersion.active.is_(True)))).first()


async def activate(session: AsyncSession, number: int | None, now: datetime) -> None:
    """Make one version the active one (None: none, back to the configured model file)."""
    await session.execute(update(RoutingModelVersion).where(RoutingModelVersion.active.is_(True)).values(active=False))
    if number is not None:
        await session.execute(
            update(RoutingModelVersion).where(RoutingModelVersion.id == number).values(active=True, activated_at=now)
        )


async def prune(session: AsyncSession, keep: int = KEEP_VERSIONS) -> int:
    """Delete all but the newest `keep` versions and the active one; return how many went."""
    numbers = (await session.scalars(select(RoutingModelVersion.id).where(RoutingModelVersion.active.is_(False)).order_by(RoutingModelVersion.id.desc()))).all()
    stale = numbers[keep:]
    for number in stale:
        row = await session.get(RoutingModelVersion, number)
        if row is not None:
            await session.delete(row)
    return len(stale)
