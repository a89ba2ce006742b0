"""The case rules a district tunes: time limits per department ([sla]) and how often a case may be redone ([lifecycle])."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SlaHours:
    """Time limits in hours, counted from dispatch (sign-for, yellow, red)."""

    sign_hours: float = 4.0
    yellow_hours: float = 24.0
    red_hours: float = 48.0


@dataclass(frozen=True)
class SlaSection(SlaHours):
    """[sla]: default time limits plus per-department overrides ([sla.department.CODE])."""

    department: dict[str, SlaHours] = field(default_factory=dict)

    def for_department(self, code: str | None) -> SlaHours:
        """Return the limits that apply to a department (its override or the defaults)."""
        if code and code in self.department:
            return self.department[code]
        return SlaHours(self.sign_hours, self.yellow_hours, self.red_hours)


@dataclass(frozen=True)
class LifecycleSection:
    """[lifecycle]: case rules that a district may tune."""

    max_redos: int = 2


def sla_problems(section: SlaSection) -> list[str]:
    """Check the [sla] section and its per-department overrides."""
    limits = [("sla", section), *((f"sla.department.{code}", hours) for code, hours in section.department.items())]
    return [
        f"{name}: expected 0 < sign_hours and 0 < yellow_hours < red_hours"
        for name, hours in limits
        if not (hours.sign_hours > 0 and 0 < hours.yellow_hours < hours.red_hours)
    ]


def lifecycle_problems(section: LifecycleSection) -> list[str]:
    """Check the [lifecycle] section."""
    return [f"lifecycle.max_redos: expected 0 or more, got {section.max_redos}"] if section.max_redos < 0 else []
