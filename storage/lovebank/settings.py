"""The love bank's rules a district tunes ([lovebank] in the config): points per fulfilled wish by
category, the activity defaults and limits, the check-in window, and how long a redemption stays open."""

from __future__ import annotations

from dataclasses import dataclass, field

# The micro-wish categories (storage.wishes.use_cases.CATEGORIES), each with its default points.
DEFAULT_WISH_POINTS = {"elderly": 10, "disabled": 10, "low_income": 10, "left_behind_child": 10, "other": 5}
MAX_POINTS = 100_000  # no single rule may grant more at once (a typo in the config, not a policy)


@dataclass(frozen=True)
class LovebankSection:
    """[lovebank]: how points are earned (wishes, activity hours) and how long redemptions wait."""

    wish_points: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_WISH_POINTS))
    activity_points_per_hour: int = 10
    max_points_per_hour: int = 50
    max_activity_hours: float = 12.0
    checkin_early_minutes: int = 60
    checkin_late_minutes: int = 120
    redemption_days: int = 14
    expire_every_minutes: int = 15

    def points_for_wishes(self) -> dict[str, int]:
        """Return the points a fulfilled wish is worth, per category (a category the config leaves out: its default)."""
        return {**DEFAULT_WISH_POINTS, **self.wish_points}


def lovebank_problems(section: LovebankSection) -> list[str]:
    """Return the problems of a [lovebank] section (empty when it is fine)."""
    problems = []
    for category, points in section.wish_points.items():
        if category not in DEFAULT_WISH_POINTS:
            problems.append(f"lovebank.wish_points.{category}: unknown wish category (known: {', '.join(DEFAULT_WISH_POINTS)})")
        elif not 0 <= points <= MAX_POINTS:
            problems.append(f"lovebank.wish_points.{category}: expected 0 to {MAX_POINTS}, got {points}")
    if not 1 <= section.activity_points_per_hour <= section.max_points_per_hour:
        problems.append("lovebank: expected 1 <= activity_points_per_hour <= max_points_per_hour")
    if section.max_points_per_hour > MAX_POINTS:
        problems.append(f"lovebank.max_points_per_hour: expected at most {MAX_POINTS}")
    if not 0 < section.max_activity_hours <= 24:
        problems.append("lovebank.max_activity_hours: expected more than 0 and at most 24")
    if section.checkin_early_minutes < 0 or section.checkin_late_minutes < 0:
        problems.append("lovebank: expected checkin_early_minutes and checkin_late_minutes of 0 or more")
    if not 1 <= section.redemption_days <= 365:
        problems.append("lovebank.redemption_days: expected 1 to 365")
    if not 1 <= section.expire_every_minutes <= 1440:
        problems.append("lovebank.expire_every_minutes: expected 1 to 1440")
    return problems
