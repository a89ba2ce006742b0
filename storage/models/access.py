"""Ways in that are granted, not claimed: staff invites, the simulator's identity owners and trainers' passes,
the cockpit's sign-in links and sessions, and the log of what the cockpit showed to whom."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class Invite(Base):
    """A one-time code that binds a chat account to a staff role in a unit."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    person_name: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SimOwner(Base):
    """Who created a web-simulator identity `new:NAME`: only that browser (or script, or trainer) may use it."""

    __tablename__ = "sim_owners"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SimPass(Base):
    """A trainer's way into the simulator outside demo mode: a one-time link code, then a session.

    Both are stored as hashes. The pass names the people its holder may act as (never real staff of a
    live district: only people with no account on a real channel), and whether they may start new residents.
    """

    __tablename__ = "sim_passes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    session_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    identities: Mapped[list[str]] = mapped_column(JSON, default=list)
    allow_new: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    link_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Ban(Base):
    """An administrator's ban of a person until a moment, with the reason; lifting one sets lifted_at."""

    __tablename__ = "bans"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(500))
    by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CockpitPass(Base):
    """A leader's or dispatcher's way into the data cockpit: a single-use link code, then a session (both hashed)."""

    __tablename__ = "cockpit_passes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    session_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    issued_via: Mapped[str] = mapped_column(String(16))  # chat or cli
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    link_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PageView(Base):
    """One page of the cockpit shown to one person: who saw what, and when."""

    __tablename__ = "page_views"
    __table_args__ = (Index("ix_page_views_person_id_at", "person_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    pass_id: Mapped[int | None] = mapped_column(ForeignKey("cockpit_passes.id"))
    path: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(String(400))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
