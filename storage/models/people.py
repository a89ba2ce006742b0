"""Units, people, their roles and their chat accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class Unit(Base):
    """An organisational unit: district, street, community, grid, department or command center."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    head_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", use_alter=True, name="fk_units_head_person_id_people")
    )
    centre_lon: Mapped[float | None] = mapped_column(Float)
    centre_lat: Mapped[float | None] = mapped_column(Float)
    polygon: Mapped[list[list[float]] | None] = mapped_column(JSON)
    gazetteer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Imported from the district's own files (storage/district/): the boundary as a GeoJSON Polygon or
    # MultiPolygon in WGS-84, a department's handling limit in hours, and when the unit left the files
    # (a retired unit keeps its cases and history; it is never deleted).
    boundary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    sla_hours: Mapped[float | None] = mapped_column(Float)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Person(Base):
    """Somebody who uses QunGong: a resident or a member of staff."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str | None] = mapped_column(String(32))
    registered_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    demo_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    banned_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # see Ban: the current one, read with the sender
    ban_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "roster" for staff imported from the district's roster (matched again by phone), else None;
    # retired_at: when they left the roster (their roster roles are removed, the person stays).
    source: Mapped[str | None] = mapped_column(String(16), index=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language replies and pushes to this person are written in (zh, en); None: the district's [app] language.
    language: Mapped[str | None] = mapped_column(String(8))


class RoleBinding(Base):
    """A role a person holds in a unit (granted only through an invite or by an administrator)."""

    __tablename__ = "role_bindings"
    __table_args__ = (UniqueConstraint("person_id", "role", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelAccount(Base):
    """A person's account on one channel (e.g. telegram:main + user id → person)."""

    __tablename__ = "channel_accounts"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(128))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    chat_id: Mapped[str | None] = mapped_column(String(128))
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
