"""One unit's figures for a period, and the rates derived from them (pure, no database)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# The counted fields, in the order reports and exports show them, with their Chinese names.
COUNT_LABELS: dict[str, str] = {
    "received": "受理",
    "withdrawn": "撤单",
    "completed": "办结",
    "on_time": "按时办结",
    "rated": "回访",
    "solved": "已解决",
    "satisfied": "满意及基本满意",
    "returns": "退单",
    "returns_upheld": "退单维持",
    "returns_overruled": "退单驳回",
    "extensions_requested": "延期申请",
    "extensions_approved": "延期批准",
    "redos": "重办",
    "sign_overdue": "超时未签收",
    "yellow": "黄灯",
    "red": "红灯",
    "explanations_owed": "应交情况说明",
    "explanations_late": "情况说明迟交",
    "explanations_missing": "情况说明缺交",
}
RATE_LABELS: dict[str, str] = {
    "completion_rate": "办结率",
    "on_time_rate": "按时办结率",
    "solution_rate": "解决率",
    "satisfaction_rate": "满意率",
}
HOUR_LABELS: dict[str, str] = {"avg_hours": "平均办理时长(小时)", "p90_hours": "90%办理时长(小时)"}


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
    hours: list[float] = field(default_factory=list, repr=False)

    @property
    def completion_rate(self) -> float | None:
        """Return 办结率: completed over received, withdrawn cases left out."""
        return ratio(self.completed, self.received - self.withdrawn)

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
        return sum(self.hours) / len(self.hours) if self.hours else None

    @property
    def p90_hours(self) -> float | None:
        """Return the 90th percentile of hours from receipt to completion."""
        return percentile(self.hours, 90)

    def value(self, name: str) -> int | float | None:
        """Return a count, rate or time by its field name."""
        return getattr(self, name)  # type: ignore[no-any-return]


COLUMNS = [*COUNT_LABELS, *RATE_LABELS, *HOUR_LABELS]
LABELS = {**COUNT_LABELS, **RATE_LABELS, **HOUR_LABELS}
