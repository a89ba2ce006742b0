"""What the running processes share: their heartbeats, the scheduler's lease, send-rate windows and pauses,
and the record of what the retention job removed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class ProcessBeat(Base):
    """One running `qungong run` process: its role, where it runs, and when it last said it is alive."""

    __tablename__ = "processes"

    id: Mapped[str] = mapped_column(String(96), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    host: Mapped[str] = mapped_column(String(128))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Lease(Base):
    """A named lead (the scheduler's) held by one process until it expires unless renewed."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(96))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RateHit(Base):
    """One send counted in a shared sliding window (PostgreSQL deployments without Redis)."""

    __tablename__ = "rate_hits"
    __table_args__ = (Index("ix_rate_hits_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[float] = mapped_column(Float)  # Unix seconds


class RatePause(Base):
    """A shared pause of a key (a platform's retry_after) until a moment (Unix seconds)."""

    __tablename__ = "rate_pauses"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    until: Mapped[float] = mapped_column(Float)


class RetentionRun(Base):
    """What one run of the retention job removed: a kind of personal data and how many rows (never content)."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(Integer)
