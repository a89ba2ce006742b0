"""The love bank (爱心银行): the points ledger and balances, volunteer activities and their sign-ups,
rewards and redemptions, and the teams (帮帮团) that share a wish's points."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class LovebankAccount(Base):
    """A person's balance (always the sum of their ledger entries) and whether reports may name them."""

    __tablename__ = "lovebank_accounts"
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True, autoincrement=False)
    balance: Mapped[int] = mapped_column(Integer)
    show_name: Mapped[bool | None] = mapped_column(Boolean)  # None: not asked or not answered yet
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LedgerEntry(Base):
    """One movement of points; append-only (database triggers refuse UPDATE and DELETE).

    `reason` says why (wish, activity, redeem, refund, correction), `source_kind` and `source_id`
    what it came from, `key` makes an automatic entry happen once (e.g. wish:12:p5).
    """

    __tablename__ = "lovebank_entries"
    __table_args__ = (
        Index("ix_lovebank_entries_person_id_id", "person_id", "id"),
        Index("ix_lovebank_entries_created_at", "created_at"),
        Index("ix_lovebank_entries_source", "source_kind", "source_id"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    amount: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(16))
    source_kind: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    recorded_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    recorded_by_role: Mapped[str] = mapped_column(String(32))
    key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Activity(Base):
    """A volunteer activity a community posts: when, where, how many places, points per hour."""

    __tablename__ = "lovebank_activities"
    __table_args__ = (
        Index("ix_lovebank_activities_starts_at", "starts_at"),
        Index("ix_lovebank_activities_community_id_starts_at", "community_id", "starts_at"),
        CheckConstraint("taken >= 0 AND taken <= places", name="taken_within_places"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    organiser_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    title: Mapped[str] = mapped_column(String(100))
    place: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column(Integer)
    places: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer)
    points_per_hour: Mapped[int] = mapped_column(Integer)
    checkin_code: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ActivitySignup(Base):
    """One person's place (or place on the waiting list) in an activity, their check-in and confirmed hours."""

    __tablename__ = "lovebank_signups"
    __table_args__ = (
        UniqueConstraint("activity_id", "person_id"),
        Index("ix_lovebank_signups_activity_id_status", "activity_id", "status", "queued_at"),
        Index("ix_lovebank_signups_person_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("lovebank_activities.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    status: Mapped[str] = mapped_column(String(16))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes: Mapped[int | None] = mapped_column(Integer)
    points: Mapped[int | None] = mapped_column(Integer)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Reward(Base):
    """A reward in a community's (or the district's) catalogue: its price in points, stock and validity."""

    __tablename__ = "lovebank_rewards"
    __table_args__ = (
        Index("ix_lovebank_rewards_unit_id", "unit_id"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("points > 0", name="points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(String(100))
    provider: Mapped[str | None] = mapped_column(String(100))
    points: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer)
    valid_until: Mapped[date] = mapped_column(Date)
    community_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # empty: every community
    active: Mapped[bool] = mapped_column(Boolean)
    created_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Redemption(Base):
    """A reward redeemed for points: a one-time code, handed over by the provider or expired (points back)."""

    __tablename__ = "lovebank_redemptions"
    __table_args__ = (
        Index("ix_lovebank_redemptions_status_expires_at", "status", "expires_at"),
        Index("ix_lovebank_redemptions_person_id_id", "person_id", "id"),
        Index("ix_lovebank_redemptions_reward_id", "reward_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("lovebank_rewards.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    points: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    handed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handed_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WishTeam(Base):
    """The team (帮帮团) of one group claim of a wish: its join code; its members share the wish's points."""

    __tablename__ = "lovebank_wish_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("wishes.id"), index=True)
    claim_event_id: Mapped[int] = mapped_column(ForeignKey("wish_events.id"), unique=True)
    claimant_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WishTeamMember(Base):
    """A member who joined a wish's team with its code (the claimant is a member without a row)."""

    __tablename__ = "lovebank_wish_team_members"
    __table_args__ = (UniqueConstraint("team_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("lovebank_wish_teams.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
