"""Settings of the pushed reports and `qungong report`, filled from the [reports] config section."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage.clock import clock_time_problems


@dataclass(frozen=True)
class ReportsSection:
    """[reports]: where charts go, when reports are pushed, and what is big enough to rank."""

    folder: str = ".qungong/reports"
    weekly: bool = True
    monthly: bool = True
    send_at: str = "08:00"
    min_volume: int = 10
    hotspot_min_volume: int = 5
    top: int = 5

    @property
    def path(self) -> Path:
        """Return the charts folder."""
        return Path(self.folder)


def reports_of(settings: Any) -> ReportsSection:
    """Return the [reports] section of a configuration (the defaults when it has none)."""
    section = getattr(settings, "reports", None)
    return section if isinstance(section, ReportsSection) else ReportsSection()


def reports_problems(section: ReportsSection) -> list[str]:
    """Return what is wrong with a [reports] section (empty when it is fine)."""
    problems = []
    if not section.folder.strip():
        problems.append("reports.folder: expected a folder path")
    if section.min_volume < 0 or section.hotspot_min_volume < 0:
        problems.append("reports: expected min_volume and hotspot_min_volume of 0 or more")
    if section.top <= 0:
        problems.append("reports.top: expected more than 0")
    problems.extend(clock_time_problems("reports.send_at", section.send_at))
    return problems


@dataclass(frozen=True)
class CockpitSection:
    """[cockpit]: the data cockpit's address, how long a sign-in link and a session last, and the public page."""

    base_url: str = ""  # where leaders reach QunGong's web server (empty: http://[web] host:port)
    link_hours: float = 12.0
    session_hours: float = 12.0
    refresh_seconds: int = 30
    public: bool = True
    public_cache_seconds: int = 300

    def link(self, code: str, fallback_base: str) -> str:
        """Return the sign-in link for a code."""
        return f"{(self.base_url or fallback_base).rstrip('/')}/cockpit/login?code={code}"


def cockpit_of(settings: Any) -> CockpitSection:
    """Return the [cockpit] section of a configuration (the defaults when it has none)."""
    section = getattr(settings, "cockpit", None)
    return section if isinstance(section, CockpitSection) else CockpitSection()


def cockpit_problems(section: CockpitSection) -> list[str]:
    """Return what is wrong with a [cockpit] section (empty when it is fine)."""
    problems = []
    if section.base_url and not section.base_url.startswith(("http://", "https://")):
        problems.append(f"cockpit.base_url: expected http:// or https://, got {section.base_url!r}")
    if section.link_hours <= 0 or section.session_hours <= 0:
        problems.append("cockpit: expected link_hours and session_hours of more than 0")
    if section.refresh_seconds < 5:
        problems.append("cockpit.refresh_seconds: expected 5 or more")
    if section.public_cache_seconds < 0:
        problems.append("cockpit.public_cache_seconds: expected 0 or more")
    return problems
