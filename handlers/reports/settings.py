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
