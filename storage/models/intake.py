"""Intake from other systems: API keys of the client systems that file through Open311, and the requests they filed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class ApiKey(Base):
    """A client system's key for the Open311 API (a hotline, an app): only its SHA-256 is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    rate: Mapped[str] = mapped_column(String(32))  # e.g. "10/s", "600/m"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Open311Request(Base):
    """A case filed through the Open311 API: which key filed it, its idempotency key, and its media URL."""

    __tablename__ = "open311_requests"
    __table_args__ = (
        UniqueConstraint("api_key_id", "idempotency_key"),
        Index("ix_open311_requests_case_id", "case_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))  # X-Request-Id or the client's external_id
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    media_url: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
