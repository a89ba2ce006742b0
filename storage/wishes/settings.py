"""The micro-wish rules a district may tune: reminders and the cap on open claims ([wishes] in the config)."""

from __future__ import annotations

from dataclasses import dataclass

from storage.clock import clock_time_problems


@dataclass(frozen=True)
class WishesSection:
    """[wishes]: when unclaimed and overdue wishes are reminded about, and how many a member may hold."""

    unclaimed_days: int = 7
    overdue_community_days: int = 3
    max_open_claims: int = 3
    remind_at: str = "09:30"


def wishes_problems(section: WishesSection) -> list[str]:
    """Return the problems of a [wishes] section (empty when it is fine)."""
    problems = []
    if section.unclaimed_days < 1:
        problems.append("wishes.unclaimed_days: expected 1 or more")
    if section.overdue_community_days < 0:
        problems.append("wishes.overdue_community_days: expected 0 or more")
    if section.max_open_claims < 1:
        problems.append("wishes.max_open_claims: expected 1 or more")
    problems.extend(clock_time_problems("wishes.remind_at", section.remind_at))
    return problems
