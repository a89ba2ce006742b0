"""Reports asked for in chat (本周报告, 本月报告): built and pushed by a job, so no chat waits on them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class ReportRequest(Base):
    """One person's request for a report of a period kind (week, month, to date), and when it was answered."""

    __tablename__ = "report_requests"
    __table_args__ = (Index("ix_report_requests_done_at", "done_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(Text)
