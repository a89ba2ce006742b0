"""WeChat Work (企业微信) channel state shared by every process: the application's access token, and the
template cards sent with buttons (so a press can be checked against its card and the card updated)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class WeComToken(Base):
    """One application's access token, and who is refreshing it (a lease, so one process refreshes at a time)."""

    __tablename__ = "wecom_tokens"

    app_key: Mapped[str] = mapped_column(String(128), primary_key=True)  # corp id : agent id
    access_token: Mapped[str | None] = mapped_column(String(512))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refreshing_by: Mapped[str | None] = mapped_column(String(64))
    refreshing_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WeComCard(Base):
    """A template card (button_interaction) sent to one member: its buttons, and who acted on it."""

    __tablename__ = "wecom_cards"
    __table_args__ = (Index("ix_wecom_cards_created_at", "created_at"),)

    task_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(128))
    buttons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acted_key: Mapped[str | None] = mapped_column(String(128))
