"""The light rule and the light clock, with a frozen clock: weekends, holidays, 调休, extensions, redos."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from scheduler.lights.quiet import quiet_until, send_at
from storage.cases.lifecycle import Status
from storage.cases.supervision import (
    ClockFacts,
    Colour,
    LightKind,
    due_and_next,
    due_lights,
    light_at,
    light_times,
    next_alert_at,
)
from storage.cases.workclock import (
    Hours,
    NaturalClock,
    WorkingClock,
    WorkingDays,
    missing_calendar_years,
)

TZ = ZoneInfo("Asia/Shanghai")
HOURS = Hours(sign_hours=4, yellow_hours=24, red_hours=48)


def local(*args: int) -> datetime:
    """Return a Shanghai local time as an aware datetime."""
    return datetime(*args, tzinfo=TZ)  # type: ignore[misc]


def facts(dispatched: datetime, clock: NaturalClock | WorkingClock, status: Status = Status.DISPATCHED, **extra: object) -> ClockFacts:
    """Return the facts of a case dispatched at DISPATCHED with deadlines on CLOCK."""
    values: dict[str, object] = {
        "status": status, "cycle": 1, "department_code": None, "dispatched_at": dispatched,
        "sign_deadline": clock.add(dispatched, HOURS.sign_hours), "handle_deadline": clock.add(dispatched, HOURS.red_hours),
    }
    values.update(extra)
    return ClockFacts(**values)  # type: ignore[arg-type]


WHOLE_DAYS = WorkingClock(TZ, WorkingDays())


def test_natural_clock_lights_in_order() -> None:
    clock = NaturalClock()
    case = facts(local(2026, 3, 6, 10), clock)
    assert light_at(case, local(2026, 3, 6, 13, 59), HOURS, clock) == light_at(case, local(2026, 3, 6, 10), HOURS, clock)
    state = light_at(case, local(2026, 3, 6, 14), HOURS, clock)
    assert (state.colour, state.sign_overdue) == (Colour.NONE, True)
    assert light_at(case, local(2026, 3, 7, 10), HOURS, clock).colour is Colour.YELLOW
    assert light_at(case, local(2026, 3, 8, 9, 59), HOURS, clock).colour is Colour.YELLOW
    assert light_at(case, local(2026, 3, 8, 10), HOURS, clock).colour is Colour.RED


def test_signed_case_has_no_sign_alert_and_finished_cases_no_light() -> None:
    clock = NaturalClock()
    signed = facts(local(2026, 3, 6, 10), clock, Status.SIGNED)
    assert set(light_times(signed, HOURS, clock)) == {LightKind.YELLOW, LightKind.RED}
    for status in (Status.COMPLETED, Status.RETURNED, Status.REGISTERED, Status.CLOSED):
        done = facts(local(2026, 3, 6, 10), clock, status)
        assert light_at(done, local(2026, 4, 1), HOURS, clock).colour is Colour.NONE
        assert next_alert_at(done, HOURS, clock) is None


def test_working_days_skip_the_weekend() -> None:
    friday = local(2026, 3, 6, 10)
    case = facts(friday, WHOLE_DAYS, Status.SIGNED)
    times = light_times(case, HOURS, WHOLE_DAYS)
    assert times[LightKind.YELLOW] == local(2026, 3, 9, 10)  # Monday, not Saturday
    assert times[LightKind.RED] == local(2026, 3, 10, 10)
    assert light_at(case, local(2026, 3, 8, 23), HOURS, WHOLE_DAYS).colour is Colour.NONE


def test_spring_festival_holiday_and_make_up_workday() -> None:
    """2026: 14 Feb (Saturday) is a 调休 workday; 15-23 Feb are the Spring Festival holiday."""
    case = facts(local(2026, 2, 13, 10), WHOLE_DAYS, Status.SIGNED)
    times = light_times(case, HOURS, WHOLE_DAYS)
    assert times[LightKind.YELLOW] == local(2026, 2, 14, 10)  # the Saturday make-up day counts
    assert times[LightKind.RED] == local(2026, 2, 24, 10)  # the holiday does not
    assert light_at(case, local(2026, 2, 20, 12), HOURS, WHOLE_DAYS).colour is Colour.YELLOW


def test_national_day_and_office_hours() -> None:
    """2026: 1-7 Oct are holidays, 10 Oct (Saturday) a make-up workday; count 09:00-17:00 only."""
    office = WorkingClock(TZ, WorkingDays(), work_start=time(9), work_end=time(17))
    start = local(2026, 9, 30, 15)
    assert office.add(start, 4) == local(2026, 10, 8, 11)  # 2 h on 30 Sep, then 2 h after the holiday
    assert office.add(start, 2 + 8 + 8 + 1) == local(2026, 10, 10, 10)  # 8, 9 Oct, then Saturday 10 Oct
    assert office.add(local(2026, 10, 3, 12), 0) == local(2026, 10, 8, 9)
    assert office.subtract(local(2026, 10, 8, 11), 4) == start


def test_overrides_win_and_unknown_years_fall_back_to_weekdays() -> None:
    days = WorkingDays(overrides={date(2027, 1, 4): False})
    clock = WorkingClock(TZ, days)
    # 2027 is unknown to the package: Friday 1 Jan counts, the weekend does not, Monday 4 Jan is overridden.
    assert clock.add(local(2027, 1, 1, 0), 48) == local(2027, 1, 6, 0)
    assert days.missing_years == {2027}
    assert missing_calendar_years([2026, 2027, 2028], {date(2027, 1, 4): False}) == [2028]


def test_extension_moves_red_and_yellow() -> None:
    clock = NaturalClock()
    dispatched = local(2026, 3, 6, 10)
    extended = facts(dispatched, clock, Status.IN_PROGRESS, handle_deadline=local(2026, 3, 12, 10))
    times = light_times(extended, HOURS, clock)
    assert times[LightKind.RED] == local(2026, 3, 12, 10)
    assert times[LightKind.YELLOW] == local(2026, 3, 11, 10)  # red_hours - yellow_hours before the deadline
    assert light_at(extended, local(2026, 3, 8, 12), HOURS, clock).colour is Colour.NONE


def test_next_alert_skips_fired_lights_and_catches_up_at_once() -> None:
    clock = NaturalClock()
    case = facts(local(2026, 3, 6, 10), clock)
    assert next_alert_at(case, HOURS, clock) == local(2026, 3, 6, 14)
    fired = {LightKind.SIGN_OVERDUE}
    assert next_alert_at(case, HOURS, clock, fired) == local(2026, 3, 7, 10)
    late = local(2026, 3, 9)
    assert [k for k, _ in due_lights(case, late, HOURS, clock)] == [LightKind.SIGN_OVERDUE, LightKind.YELLOW, LightKind.RED]
    assert next_alert_at(case, HOURS, clock, set(LightKind)) is None


def test_due_and_next_agrees_with_due_lights_and_next_alert_at() -> None:
    """The sweep's one-pass form gives what due_lights and next_alert_at (with the due lights fired) give."""
    for clock in (NaturalClock(), WorkingClock(TZ, WorkingDays())):
        for status in (Status.DISPATCHED, Status.SIGNED, Status.COMPLETED):
            case = facts(local(2026, 3, 6, 10), clock, status)
            for hours in (0, 3, 5, 30, 60, 200):
                now = clock.add(local(2026, 3, 6, 10), hours)
                for fired in ([], [LightKind.SIGN_OVERDUE], [LightKind.YELLOW], list(LightKind)):
                    due = due_lights(case, now, HOURS, clock, fired)
                    after = {*fired, *(kind for kind, _ in due)}
                    assert due_and_next(case, now, HOURS, clock, fired) == (due, next_alert_at(case, HOURS, clock, after))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (local(2026, 3, 6, 23), local(2026, 3, 7, 7)),
        (local(2026, 3, 7, 3), local(2026, 3, 7, 7)),
        (local(2026, 3, 7, 7), None),
        (local(2026, 3, 7, 21, 59), None),
    ],
)
def test_quiet_hours_span_midnight(at: datetime, expected: datetime | None) -> None:
    assert quiet_until(at.astimezone(UTC), TZ, time(22), time(7)) == expected


def test_red_ignores_quiet_hours() -> None:
    night = local(2026, 3, 6, 23).astimezone(UTC)
    assert send_at(night, TZ, time(22), time(7), urgent=True) == night
    assert send_at(night, TZ, time(22), time(7), urgent=False) == local(2026, 3, 7, 7)
    assert send_at(night, TZ, time(22), time(22), urgent=False) == night  # quiet hours off
    assert quiet_until(local(2026, 3, 6, 13).astimezone(UTC), TZ, time(12), time(14)) == local(2026, 3, 6, 14)
