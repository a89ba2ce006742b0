"""Photos and charts kept by QunGong itself (the media store), and the simulator's chat transcripts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class Media(Base):
    """One image, stored by the SHA-256 of its bytes: re-encoded (no EXIF), with a thumbnail.

    The bytes live in the database, so every process of a deployment (web, sender, scheduler, on any
    machine) reads what another one stored. `origin` names where it was fetched from (a platform's
    file id), so a platform's photo is fetched once.
    """

    __tablename__ = "media"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # photo (a person sent it) or chart (a report)
    mime: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    thumb: Mapped[bytes] = mapped_column(LargeBinary)
    origin: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SimLine(Base):
    """One line of a simulated chat as its page shows it: what the person sent, a reply, or a push."""

    __tablename__ = "sim_lines"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    identity: Mapped[str] = mapped_column(String(64), index=True)
    side: Mapped[str] = mapped_column(String(8))  # me, bot or push
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
