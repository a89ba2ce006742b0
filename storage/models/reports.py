"""Reports asked for in chat (本周报告, 本月报告), built and pushed by a job so no chat waits on them; and the daily
rollup of the headline figures that keeps the cockpit fast over long periods."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text
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


class DailyFigures(Base):
    """The headline figures of one local day for one place (street, community, grid; 0 where a case has none).

    The cohort counts follow the cases received that day as they stood when the row was made; the
    revisit counts are the answers given that day. Rows are remade by the `stats_rollup` job for days
    whose cases changed; storage/stats/rollup.py adds them up, and counts what changed since directly.
    """

    __tablename__ = "daily_figures"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    street_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grid_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    received: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    timed: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    hours_sum: Mapped[float] = mapped_column(Float, default=0.0)
    hours_n: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    solved: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)


class RollupState(Base):
    """How far the daily rollup reaches: every local day up to `through_day` is rolled up, and cases changed
    since `watermark` (a little before the last run began) may have made their day's rows stale."""

    __tablename__ = "rollup_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    through_day: Mapped[date] = mapped_column(Date)
    watermark: Mapped[datetime] = mapped_column(UTCDateTime)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseKeyword(Base):
    """A keyword candidate of one case's text (kind "w", cut by jieba) or a compound it names (kind "c"), and how often.

    Cut once per case (storage/stats/keywords.py), so a report adds these rows up instead of re-cutting
    every text; `created_at` is the case's, so a period's rows are found without reading the cases.
    """

    __tablename__ = "case_keywords"
    __table_args__ = (Index("ix_case_keywords_created_at", "created_at"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    word: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KeywordState(Base):
    """What the stored keywords were cut with (a digest of the dictionary, stop words and compound names)."""

    __tablename__ = "keyword_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
