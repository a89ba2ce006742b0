"""Red and yellow lights (红黄灯督办): the pure light rule, the next-alert hook, written explanations.

The rule, counted on the light clock (natural hours, or working hours — see storage.cases.workclock):

- sign-for alert at `sign_deadline` while the case is still `dispatched` (not signed for);
- red light at `handle_deadline` — at dispatch that is dispatched_at + red_hours, and an approved
  extension moves it;
- yellow light `red_hours - yellow_hours` before the red light, so without an extension it falls
  yellow_hours after dispatch, and an extension moves it along with the deadline.

Lights apply while a case is being worked (dispatched, signed, in progress) and has a clock. A
redo or a re-dispatch starts a new cycle (`case.cycle`), whose lights fire afresh; a light fires
at most once per case and cycle (the `lights` table's unique key makes sure of it).
`cases.next_alert_at` holds the earliest light of the current cycle that has not fired yet, so
the sweep finds due cases through an index: every change to a case's clock calls
`refresh_next_alert`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases.lifecycle import WORKING_STATES, LifecycleError, Status
from storage.cases.workclock import Hours, HoursLike, NaturalClock, WorkClock
from storage.models.cases import CalendarOverride, Case, CaseEvent, ExplanationTask, Light
from storage.models.people import RoleBinding, Unit
from storage.uow import UnitOfWork

EXPLANATION_ACTION = "explanation"


class LightKind(StrEnum):
    """A light that fires once per case and cycle."""

    SIGN_OVERDUE = "sign_overdue"
    YELLOW = "yellow"
    RED = "red"


class Colour(StrEnum):
    """A case's light colour now."""

    NONE = "none"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True)
class ClockFacts:
    """What the light rule needs to know about a case."""

    status: Status
    cycle: int
    department_code: str | None
    dispatched_at: datetime | None
    sign_deadline: datetime | None
    handle_deadline: datetime | None


@dataclass(frozen=True)
class LightState:
    """A case's light now, and whether it is overdue for signing."""

    colour: Colour
    sign_overdue: bool


@dataclass(frozen=True)
class Supervision:
    """The time limits per department and the clock that counts them."""

    hours_for: Callable[[str | None], HoursLike]
    clock: WorkClock

    def hours(self, facts: ClockFacts) -> HoursLike:
        """Return the limits that apply to a case."""
        return self.hours_for(facts.department_code)


async def department_limits(session: AsyncSession) -> dict[str, float]:
    """Return the handling limits (hours to the red light) that a district's department list gave its departments."""
    query = select(Unit.code, Unit.sla_hours).where(Unit.sla_hours.is_not(None), Unit.retired_at.is_(None))
    return {code: float(hours) for code, hours in (await session.execute(query)).all() if hours is not None}


DEFAULT_SUPERVISION = Supervision(hours_for=lambda _code: Hours(), clock=NaturalClock())


def clock_facts(case: Case) -> ClockFacts:
    """Return the light rule's view of a stored case."""
    return ClockFacts(
        status=Status(case.status),
        cycle=case.cycle,
        department_code=case.department_code,
        dispatched_at=case.dispatched_at,
        sign_deadline=case.sign_deadline,
        handle_deadline=case.handle_deadline,
    )


def light_times(facts: ClockFacts, hours: HoursLike, clock: WorkClock) -> dict[LightKind, datetime]:
    """Return when each light of the current cycle falls due (empty when no clock runs)."""
    if facts.status not in WORKING_STATES or facts.dispatched_at is None or facts.handle_deadline is None:
        return {}
    red = facts.handle_deadline
    times = {LightKind.YELLOW: clock.subtract(red, hours.red_hours - hours.yellow_hours), LightKind.RED: red}
    if facts.status is Status.DISPATCHED and facts.sign_deadline is not None:
        times[LightKind.SIGN_OVERDUE] = facts.sign_deadline
    return times


def light_at(facts: ClockFacts, now: datetime, hours: HoursLike, clock: WorkClock) -> LightState:
    """Return the case's light colour at NOW and whether it is overdue for signing."""
    due = {kind for kind, at in light_times(facts, hours, clock).items() if at <= now}
    colour = Colour.RED if LightKind.RED in due else Colour.YELLOW if LightKind.YELLOW in due else Colour.NONE
    return LightState(colour=colour, sign_overdue=LightKind.SIGN_OVERDUE in due)


def due_lights(
    facts: ClockFacts, now: datetime, hours: HoursLike, clock: WorkClock, fired: Collection[LightKind] = ()
) -> list[tuple[LightKind, datetime]]:
    """Return the lights due at NOW that have not fired in this cycle, earliest first."""
    times = light_times(facts, hours, clock)
    return sorted(((k, at) for k, at in times.items() if at <= now and k not in fired), key=lambda x: x[1])


def next_alert_at(
    facts: ClockFacts, hours: HoursLike, clock: WorkClock, fired: Collection[LightKind] = ()
) -> datetime | None:
    """Return when the next unfired light of the current cycle falls due (None: nothing to watch)."""
    pending = [at for kind, at in light_times(facts, hours, clock).items() if kind not in fired]
    return min(pending, default=None)


def due_and_next(
    facts: ClockFacts, now: datetime, hours: HoursLike, clock: WorkClock, fired: Collection[LightKind] = ()
) -> tuple[list[tuple[LightKind, datetime]], datetime | None]:
    """Return due_lights(...) and the next alert once those have fired, reading the clock once (for the sweep)."""
    due: list[tuple[LightKind, datetime]] = []
    later: datetime | None = None
    for kind, at in light_times(facts, hours, clock).items():
        if kind in fired:
            continue
        if at <= now:
            due.append((kind, at))
        elif later is None or at < later:
            later = at
    due.sort(key=lambda x: x[1])
    return due, later


async def fired_kinds(session: AsyncSession, case_id: int, cycle: int) -> frozenset[LightKind]:
    """Return the lights that already fired for a case in a cycle."""
    query = select(Light.kind).where(Light.case_id == case_id, Light.cycle == cycle)
    return frozenset(LightKind(kind) for kind in (await session.scalars(query)).all())


async def refresh_next_alert(uow: UnitOfWork, case: Case, supervision: Supervision, *, new_cycle: bool) -> None:
    """Keep a case's stored clock right after a change: working-time deadlines, then next_alert_at."""
    facts = clock_facts(case)
    hours = supervision.hours(facts)
    if new_cycle and case.dispatched_at is not None and not isinstance(supervision.clock, NaturalClock):
        case.sign_deadline = supervision.clock.add(case.dispatched_at, hours.sign_hours)
        case.handle_deadline = supervision.clock.add(case.dispatched_at, hours.red_hours)
        facts = clock_facts(case)
    fired: frozenset[LightKind] = frozenset()
    if not new_cycle and case.id is not None:
        fired = await fired_kinds(uow.session, case.id, case.cycle)
    case.next_alert_at = next_alert_at(facts, hours, supervision.clock, fired)


async def calendar_overrides(session: AsyncSession) -> dict[date, bool]:
    """Return the working-day overrides by date."""
    rows = (await session.execute(select(CalendarOverride.day, CalendarOverride.is_workday))).all()
    return {row.day: bool(row.is_workday) for row in rows}


async def set_calendar_override(session: AsyncSession, day: date, is_workday: bool, note: str | None = None) -> None:
    """Record that a day is (or is not) a working day, replacing an earlier override."""
    existing = await session.get(CalendarOverride, day)
    if existing is None:
        session.add(CalendarOverride(day=day, is_workday=is_workday, note=note))
        return
    existing.is_workday, existing.note = is_workday, note


async def _role_in_unit(session: AsyncSession, person_id: int, unit_id: int) -> str | None:
    """Return the role a person holds in a unit (or 'head' for its head), None when not a member."""
    query = select(RoleBinding.role).where(RoleBinding.person_id == person_id, RoleBinding.unit_id == unit_id)
    role = (await session.scalars(query.order_by(RoleBinding.id))).first()
    if role is not None:
        return role
    unit = await session.get(Unit, unit_id)
    return "head" if unit is not None and unit.head_person_id == person_id else None


@dataclass(frozen=True)
class ExplanationNotes:
    """The case-history note of an explanation, worded by the caller in the user's language: on time, and late."""

    on_time: str
    late: str


async def submit_explanation(
    uow: UnitOfWork, task_id: int, person: int, text: str, now: datetime, *, notes: ExplanationNotes
) -> ExplanationTask:
    """Record a unit's written explanation (情况说明) and log it as a case event (the caller commits)."""
    body = text.strip()
    if not body:
        raise LifecycleError("note_required", "the explanation needs some text")
    query = select(ExplanationTask).where(ExplanationTask.id == task_id).with_for_update()
    task = (await uow.session.scalars(query)).first()
    if task is None:
        raise LifecycleError("no_such_task", f"explanation task {task_id} does not exist")
    if task.submitted_at is not None:
        raise LifecycleError("already_submitted", "this explanation has already been submitted")
    role = await _role_in_unit(uow.session, person, task.unit_id)
    if role is None:
        raise LifecycleError("forbidden", "only the responsible unit can submit this explanation")
    case = await uow.cases.get(task.case_id)
    assert case is not None  # a task always belongs to a case (foreign key)
    task.submitted_at, task.submitted_by_person_id, task.text = now, person, body
    uow.events.append(
        CaseEvent(
            case_id=case.id,
            action=EXPLANATION_ACTION,
            actor_person_id=person,
            actor_role=role if role != "head" else "unit_head",
            from_status=case.status,
            to_status=case.status,
            from_unit_id=task.unit_id,
            to_unit_id=task.unit_id,
            note=notes.late if now > task.due_at else notes.on_time,
            attachments=[],
            created_at=now,
        )
    )
    await uow.flush()
    return task

