"""The gazetteer: the compounds, buildings, road sections and landmarks residents name, each in a grid."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class GazetteerPlace(Base):
    """One named place in one grid: a compound, a range of its buildings, a road section or a landmark.

    `key` is the place's code in the district's file (or one made from its kind, name, grid and range),
    so that importing the same file again finds the same row. `number_from`/`number_to` bound the
    building numbers (栋/号楼) of a compound's part, or the house numbers (号) of a road section, whose
    `parity` is odd, even or all. A place that left the file is retired, not deleted.
    """

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(128))
    category: Mapped[str | None] = mapped_column(String(32))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    grid_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    number_from: Mapped[int | None] = mapped_column(Integer)
    number_to: Mapped[int | None] = mapped_column(Integer)
    parity: Mapped[str | None] = mapped_column(String(8))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
