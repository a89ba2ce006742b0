"""Settings of the persistence layer: the database ([storage]) and staff invites ([invites])."""

from __future__ import annotations

from dataclasses import dataclass

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
