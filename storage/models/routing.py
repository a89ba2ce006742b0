"""Routing models: every trained version of the classifier's weight table, its figures, and which one is in use."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class RoutingModelVersion(Base):
    """One trained routing model (compressed JSON), how it was made, its figures, and whether it is the active one."""

    __tablename__ = "routing_models"
    __table_args__ = (Index("ix_routing_models_active", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)  # the version number
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(16))  # cli (qungong nlp train --from-db) or retrain (the job)
    trained_on: Mapped[int] = mapped_column(Integer)
    history_rows: Mapped[int] = mapped_column(Integer)
    history_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    taxonomy: Mapped[str] = mapped_column(String(32))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(256))
