"""One unit's figures for a period, and the rates derived from them (pure, no database)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# The counted fields, rates and times, in the order reports and exports show them (their names, in
# the user's language, are in the [reports.labels] table of handlers/locales/*.toml).
COUNT_FIELDS = (
    "received",
    "withdrawn",
    "completed",
    "on_time",
    "rated",
    "solved",
    "satisfied",
    "returns",
    "returns_upheld",
    "returns_overruled",
    "extensions_requested",
    "extensions_approved",
    "redos",
    "sign_overdue",
    "yellow",
    "red",
    "explanations_owed",
    "explanations_late",
    "explanations_missing",
)
RATE_FIELDS = ("completion_rate", "on_time_rate", "solution_rate", "satisfaction_rate")
HOUR_FIELDS = ("avg_hours", "p90_hours")


def ratio(part: int, whole: int) -> float | None:
    """Return part / whole, or None when there is nothing to divide by."""
    return part / whole if whole else None


def percentile(values: list[float], q: float) -> float | None:
    """Return the q-th percentile (0..100) by the nearest-rank method, None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Figures:
    """Counts for one unit (or the whole scope) over a period, and the handling times behind them.

    received, withdrawn, completed, on_time and the handling times follow the cases received in
    the period (a cohort, as they stand when the report is made); the other counts are events that
    happened in the period (revisit answers, returns, extensions, redos, lights, explanations).
    """

    received: int = 0
    withdrawn: int = 0
    completed: int = 0
    on_time: int = 0
    timed: int = 0  # completed cases with a completion time and a deadline (on-time denominator)
    rated: int = 0
    solved: int = 0
    satisfied: int = 0
    returns: int = 0
    returns_upheld: int = 0
    returns_overruled: int = 0
    extensions_requested: int = 0
    extensions_approved: int = 0
    redos: int = 0
    sign_overdue: int = 0
    yellow: int = 0
    red: int = 0
    explanations_owed: int = 0
    explanations_late: int = 0
    explanations_missing: int = 0
    hours_sum: float = 0.0  # hours from receipt to completion, summed over the completed cases with a completion time
    hours_n: int = 0
    hours: list[float] = field(default_factory=list, repr=False)  # each of those hours, when percentiles are asked for
    p90: float | None = None  # their 90th percentile when the database picked it (PostgreSQL) instead of loading them

    @property
    def due(self) -> int:
        """Return the cases that should be completed (应办结): received, less those the resident withdrew."""
        return self.received - self.withdrawn

    @property
    def completion_rate(self) -> float | None:
        """Return 办结率: completed over the cases due (received, withdrawn ones left out), both shown beside it."""
        return ratio(self.completed, self.due)

    @property
    def on_time_rate(self) -> float | None:
        """Return 按时办结率: completed by the handling deadline, over completed cases with a deadline."""
        return ratio(self.on_time, self.timed)

    @property
    def solution_rate(self) -> float | None:
        """Return 解决率: answered 已解决, over revisit answers."""
        return ratio(self.solved, self.rated)

    @property
    def satisfaction_rate(self) -> float | None:
        """Return 满意率: 满意 plus 基本满意, over revisit answers."""
        return ratio(self.satisfied, self.rated)

    @property
    def avg_hours(self) -> float | None:
        """Return the average hours from receipt to completion."""
        return self.hours_sum / self.hours_n if self.hours_n else None

    @property
    def p90_hours(self) -> float | None:
        """Return the 90th percentile of hours from receipt to completion (None unless the hours were loaded)."""
        return self.p90 if self.p90 is not None else percentile(self.hours, 90)

    def value(self, name: str) -> int | float | None:
        """Return a count, rate or time by its field name."""
        return getattr(self, name)  # type: ignore[no-any-return]


COLUMNS = [*COUNT_FIELDS, *RATE_FIELDS, *HOUR_FIELDS]
