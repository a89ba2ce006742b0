"""Settings of the persistence layer: the database ([storage]) and staff invites ([invites])."""

from __future__ import annotations

from dataclasses import dataclass

from storage.clock import clock_time_problems
from storage.db import is_memory_url

DRIVERS = ("sqlite://", "sqlite+aiosqlite://", "postgresql+asyncpg://")


@dataclass(frozen=True)
class StorageSection:
    """[storage]: the database."""

    url: str = "sqlite:///./qungong.db"
    echo: bool = False


@dataclass(frozen=True)
class InvitesSection:
    """[invites]: one-time staff binding codes."""

    lifetime_hours: float = 72.0


def storage_problems(section: StorageSection) -> list[str]:
    """Check the database URL: a supported driver, and a file rather than memory for SQLite."""
    url = section.url
    if not url.startswith(DRIVERS):
        return [f"storage.url: expected sqlite:///PATH, sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB, got {url!r}"]
    if is_memory_url(url):
        return [f"storage.url: an in-memory SQLite database would lose everything on restart; give a file path, got {url!r}"]
    return []


def invites_problems(section: InvitesSection) -> list[str]:
    """Check the [invites] section."""
    return ["invites.lifetime_hours: expected more than 0"] if section.lifetime_hours <= 0 else []


@dataclass(frozen=True)
class RetentionSection:
    """[retention]: how long personal data is kept; the daily `retention` job removes it in batches."""

    contact_days: int = 365  # contact phones of closed cases, contacts of finished wishes
    photo_days: int = 365  # photos of closed cases and finished wishes
    raw_payload_days: int = 30  # what the platforms sent, kept with each recorded update (the record stays)
    idle_conversation_days: int = 30  # an unfinished conversation's state
    run_at: str = "03:30"
    batch: int = 1000


def retention_problems(section: RetentionSection) -> list[str]:
    """Check the [retention] section."""
    days = {k: getattr(section, k) for k in ("contact_days", "photo_days", "raw_payload_days", "idle_conversation_days")}
    problems = [f"retention.{name}: expected 1 or more" for name, value in days.items() if value < 1]
    if section.batch < 1:
        problems.append("retention.batch: expected 1 or more")
    problems.extend(clock_time_problems("retention.run_at", section.run_at))
    return problems
