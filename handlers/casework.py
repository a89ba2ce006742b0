"""Case use cases for the flows: open a reported case, act on a case, and tell everyone affected."""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import Outbound
from handlers.buttons import RevisitAnswer, button
from handlers.core import Context
from handlers.notices import RESIDENT_NOTICES, STAFF_NOTICES
from handlers.pushes import push_to_person
from storage.cases import NewCase, act, register_case
from storage.lifecycle import SYSTEM_ACTOR, Action, Actor, Decision, Request, Role, Status, Target
from storage.models import Case
from storage.routing import Destination, destination_for, escalation_target, staff_of

SUMMARY_CHARS = 60
SOLVED_CHOICES = (1, 2, 3)


@dataclass(frozen=True)
class Opened:
    """A case just opened and where it went."""

    case: Case
    destination: Destination


def summary(text: str) -> str:
    """Return the first characters of a case text, on one line."""
    line = " ".join(text.split())
    return line if len(line) <= SUMMARY_CHARS else line[: SUMMARY_CHARS - 1] + "…"


async def unit_name(ctx: Context, unit_id: int | None) -> str:
    """Return a unit's name, or a dash."""
    unit = await ctx.uow.units.get(unit_id) if unit_id is not None else None
    return unit.name if unit else "—"


async def open_case(ctx: Context, new: NewCase) -> Opened:
    """Register a reported case and send it where the routing policy says (or to triage)."""
    case = await register_case(ctx.uow, new, Actor(Role.RESIDENT, ctx.person.id), ctx.now, ctx.services.tz)
    destination = await destination_for(ctx.uow, new.department_code, new.grid_id, new.community_id)
    if destination.triage:
        case.current_unit_id = destination.unit.id  # registered, waiting in the command center's queue
        await ctx.uow.flush()
        await _tell_staff(ctx, case, "notices.staff.triage", destination.unit.id, key=f"case:{case.id}:triage")
        return Opened(case, destination)
    request = Request(
        Action.DISPATCH,
        SYSTEM_ACTOR,
        ctx.now,
        target=Target(destination.unit.id),
        deadlines=ctx.services.deadlines(new.department_code),
    )
    case, decision = await act(ctx.uow, case.id, request)
    await _tell_staff(ctx, case, "notices.staff.new_case", destination.unit.id, key=_key(decision))
    return Opened(case, destination)


async def perform(ctx: Context, case_id: int, request: Request) -> tuple[Case, Decision]:
    """Apply an action to a case, then notify the resident or the handling unit."""
    case, decision = await act(ctx.uow, case_id, request)
    actor_is_resident = request.actor.role is Role.RESIDENT
    if not actor_is_resident and decision.action in RESIDENT_NOTICES:
        await _tell_resident(ctx, case, RESIDENT_NOTICES[decision.action], request.note, key=_key(decision))
    if actor_is_resident and decision.action in STAFF_NOTICES:
        await _tell_staff(ctx, case, STAFF_NOTICES[decision.action], case.current_unit_id, request.note, key=_key(decision))
    if decision.action is Action.COMPLETE:
        await start_revisit(ctx, case)
    if decision.escalation_due:
        await _escalate_after_redos(ctx, case)
    return case, decision


async def start_revisit(ctx: Context, case: Case) -> None:
    """Move a completed case to revisit and ask the resident whether the problem is solved."""
    case, _ = await act(ctx.uow, case.id, Request(Action.START_REVISIT, SYSTEM_ACTOR, ctx.now))
    buttons = tuple(
        button(ctx.t(f"revisit.solved.{value}"), RevisitAnswer(case.id, case.cycle, value, 0)) for value in SOLVED_CHOICES
    )
    message = Outbound(text=ctx.t("revisit.ask_solved", number=case.number), buttons=buttons)
    await push_to_person(ctx.uow, case.resident_person_id, message, f"case:{case.id}:revisit:{case.cycle}", ctx.now, kind="revisit")


async def _escalate_after_redos(ctx: Context, case: Case) -> None:
    """Send a case that came back too often one tier up."""
    destination = await escalation_target(ctx.uow, case.current_unit_id)
    request = Request(
        Action.ESCALATE,
        SYSTEM_ACTOR,
        ctx.now,
        note=ctx.t("notices.redo_escalation", count=case.redo_count),
        target=Target(destination.unit.id, is_command_center=destination.triage),
        deadlines=ctx.services.deadlines(case.department_code),
    )
    case, decision = await act(ctx.uow, case.id, request)
    await _tell_staff(ctx, case, "notices.staff.escalated", destination.unit.id, request.note, key=_key(decision))


async def _tell_resident(ctx: Context, case: Case, text_key: str, note: str | None, *, key: str) -> None:
    """Queue a status notice for the case's resident (once per event)."""
    text = ctx.t(
        text_key,
        number=case.number,
        unit=await unit_name(ctx, case.current_unit_id),
        deadline=ctx.local(case.handle_deadline),
        note=note or "",
    )
    await push_to_person(ctx.uow, case.resident_person_id, Outbound(text=text), f"{key}:p{case.resident_person_id}", ctx.now)


async def _tell_staff(
    ctx: Context, case: Case, text_key: str, unit_id: int | None, note: str | None = None, *, key: str
) -> None:
    """Queue a notice for everyone who works the unit's cases (once per event and person)."""
    text = ctx.t(
        text_key,
        number=case.number,
        type=ctx.t(f"types.{case.request_type}"),
        summary=summary(case.text),
        deadline=ctx.local(case.handle_deadline),
        note=note or "",
    )
    for person_id in await staff_of(ctx.uow, unit_id):
        await push_to_person(ctx.uow, person_id, Outbound(text=text), f"{key}:p{person_id}", ctx.now)


def _key(decision: Decision) -> str:
    """Return the natural key of the notices about one case event."""
    return f"event:{decision.event_id}"


def is_open(case: Case) -> bool:
    """Tell whether the resident may still add to or withdraw a case."""
    return Status(case.status) in {
        Status.REGISTERED,
        Status.DISPATCHED,
        Status.SIGNED,
        Status.IN_PROGRESS,
        Status.RETURNED,
    }
