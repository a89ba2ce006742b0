"""Cases and what happens to them: numbers, events, ratings, lights, explanations, the working-day calendar."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class CaseNumberCounter(Base):
    """The last case number issued on a local day, for numbers like QG-20261121-0007."""

    __tablename__ = "case_number_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Case(Base):
    """A resident's request (求助/投诉/建议/咨询) and where it stands."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_current_unit_status", "current_unit_id", "status"),
        Index("ix_cases_resident_created", "resident_person_id", "created_at"),
        Index("ix_cases_department_grid_created", "department_code", "grid_id", "created_at"),  # similar-case check
        Index("ix_cases_created_at", "created_at"),  # report figures: the cases received in a period
        Index("ix_cases_completed_at", "completed_at"),  # report trends: the cases completed in a period
        Index("ix_cases_updated_at", "updated_at"),  # the daily rollup: which days changed since it ran
        Index("ix_cases_source_created", "source", "created_at"),  # reports split by intake source
        # The few cases whose keywords are not cut yet (storage/stats/keywords.py), found without a scan.
        Index("ix_cases_keywords_pending", "id", sqlite_where=text("keywords_cut = 0"), postgresql_where=text("NOT keywords_cut")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    request_type: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(256))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    jurisdiction_source: Mapped[str | None] = mapped_column(String(16))
    department_code: Mapped[str | None] = mapped_column(String(32), index=True)
    category: Mapped[str | None] = mapped_column(String(32))  # problem category (nlp/data/categories.toml); None until categorised
    classifier_confidence: Mapped[float | None] = mapped_column(Float)
    classifier_reason: Mapped[str | None] = mapped_column(String(256))
    current_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    assignee_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    resident_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where the case came in: chat (a resident's own report), open311:<key name>, patrol (a grid member's
    # patrol report, 网格员上报), operator:<person id> (filed on a caller's behalf, 代为登记).
    source: Mapped[str] = mapped_column(String(64), default="chat", server_default="chat")
    status: Mapped[str] = mapped_column(String(16), index=True)
    resolution: Mapped[str | None] = mapped_column(String(32))
    cycle: Mapped[int] = mapped_column(Integer, default=0)
    redo_count: Mapped[int] = mapped_column(Integer, default=0)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sign_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handle_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_requested_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Whether the case's keywords are in case_keywords (cut once, by the case_keywords job; see storage/stats/keywords.py).
    keywords_cut: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declared form


class CaseEvent(Base):
    """One step in a case's history; append-only (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "case_events"
    __table_args__ = (
        Index("ix_case_events_case_id_id", "case_id", "id"),
        # Report figures: returns, extensions, redos (with case_id, read from the index alone)
        Index("ix_case_events_action_created_at", "action", "created_at", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    action: Mapped[str] = mapped_column(String(32))
    actor_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor_role: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    from_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    to_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    note: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseRating(Base):
    """A resident's revisit answer for one cycle of a case (in chat, or by phone to the command center): solved 1-3 and satisfied 1-3 (1 is best)."""

    __tablename__ = "case_ratings"
    __table_args__ = (
        UniqueConstraint("case_id", "cycle"),
        Index("ix_case_ratings_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    cycle: Mapped[int] = mapped_column(Integer)
    solved: Mapped[int] = mapped_column(Integer)
    satisfied: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Light(Base):
    """A red, yellow or sign-for light that fired; the unique key makes it fire once per case and cycle."""

    __tablename__ = "lights"
    __table_args__ = (
        UniqueConstraint("case_id", "cycle", "kind"),
        Index("ix_lights_fired_at_unit", "fired_at", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    cycle: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    assignee_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ExplanationTask(Base):
    """A written explanation (情况说明) a unit owes for a red light, and its answer."""

    __tablename__ = "explanation_tasks"
    __table_args__ = (
        UniqueConstraint("light_id"),
        Index("ix_explanation_tasks_unit_due", "unit_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    light_id: Mapped[int] = mapped_column(ForeignKey("lights.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    cycle: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str | None] = mapped_column(Text)


class CalendarOverride(Base):
    """A day the working-day calendar gets wrong or does not know: working day or not."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(128))


class CasePublication(Base):
    """Whether a case may be shown on the public page: the resident's consent, and the reviewed public text.

    The command center publishes a completed case as a typical case (典型案例) only with the resident's
    consent; publishing and unpublishing are also events in the case's history (actions publish, unpublish).
    """

    __tablename__ = "case_publications"
    __table_args__ = (Index("ix_case_publications_published_at", "published_at"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    consent: Mapped[bool | None] = mapped_column(Boolean)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    public_text: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
