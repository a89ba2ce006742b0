"""Micro-wishes (微心愿) and their history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class Wish(Base):
    """A micro-wish (微心愿): private details for staff, a reviewed public text for party members."""

    __tablename__ = "wishes"
    __table_args__ = (
        Index("ix_wishes_status_community", "status", "community_id"),
        Index("ix_wishes_claimant_status", "claimant_person_id", "status"),
        Index("ix_wishes_poster", "poster_person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    public_text: Mapped[str | None] = mapped_column(Text)
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    wished_by: Mapped[date] = mapped_column(Date)
    contact: Mapped[str] = mapped_column(String(200))
    poster_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    poster_role: Mapped[str] = mapped_column(String(32))
    beneficiary_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    status: Mapped[str] = mapped_column(String(16))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    claimant_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    claim_group: Mapped[str | None] = mapped_column(String(64))
    fulfil_photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    fulfil_note: Mapped[str | None] = mapped_column(Text)
    story: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WishEvent(Base):
    """One step in a wish's history; append-only (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "wish_events"
    __table_args__ = (
        Index("ix_wish_events_wish_id_id", "wish_id", "id"),
        Index("ix_wish_events_action_created_at", "action", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("wishes.id"))
    action: Mapped[str] = mapped_column(String(32))
    actor_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor_role: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
