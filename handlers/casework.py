"""Case use cases for the flows: open a reported case, act on a case, and tell everyone affected."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from handlers.buttons import CaseOp, RevisitAnswer, StaffCard, button
from handlers.core import Context, local_time
from handlers.messages import Outbound
from handlers.notices import NOTICES, Audience, Notice
from handlers.pushes import push_to_person
from handlers.texts import Texts
from nlp.categories import packaged_categories
from storage.cases.lifecycle import (
    OPEN_STATES,
    SYSTEM_ACTOR,
    Action,
    Actor,
    Decision,
    Request,
    Role,
    Status,
    Target,
)
from storage.cases.routing import (
    COMMUNITY_MATTERS,
    Destination,
    command_center,
    destination_for,
    escalation_target,
    staff_of,
)
from storage.cases.use_cases import NewCase, act, register_case
from storage.models.cases import Case
from storage.models.people import Unit

SUMMARY_CHARS = 60
CHAT_SOURCE, PATROL_SOURCE = "chat", "patrol"
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


def is_open(case: Case) -> bool:
    """Tell whether the resident may still add to or withdraw a case."""
    return Status(case.status) in OPEN_STATES


async def unit_name(ctx: Context, unit_id: int | None) -> str:
    """Return a unit's name, or a dash."""
    unit = await ctx.uow.units.get(unit_id) if unit_id is not None else None
    return unit.name if unit else "—"


def department_of(unit: Unit, fallback: str | None) -> str | None:
    """Return the department code whose time limits apply once a case is with this unit."""
    if unit.kind == "department":
        return unit.code
    if unit.kind in ("grid", "community", "street"):
        return COMMUNITY_MATTERS
    return fallback


CASE_LIMIT_WINDOW = timedelta(hours=1)


class TooManyCases(Exception):
    """A resident reached the new cases allowed per hour; the next may be opened at `free_at`."""

    def __init__(self, limit: int, free_at: datetime) -> None:
        super().__init__(f"{limit} cases in the last hour")
        self.limit = limit
        self.free_at = free_at


async def open_case(
    ctx: Context, new: NewCase, *, actor: Actor | None = None, limited: bool = True, to: Unit | None = None, tell_unit: bool = True
) -> Opened:
    """Register a reported case (with its problem category) and send it where the routing policy says (or to triage),
    or to the unit TO. ACTOR files it (the sender as a resident when None; a grid member on patrol files as one).

    Raises TooManyCases when LIMITED and the resident opened `[abuse] new_cases_per_hour` cases in the last hour."""
    limit = ctx.services.abuse.new_cases_per_hour
    opened = await ctx.uow.cases.opened_since(new.resident_person_id, ctx.now - CASE_LIMIT_WINDOW) if limited else []
    if len(opened) >= limit:
        raise TooManyCases(limit, opened[len(opened) - limit] + CASE_LIMIT_WINDOW)
    if new.category is None:
        new = dataclasses.replace(new, category=packaged_categories().categorise(new.text, new.department_code))
    case = await register_case(ctx.uow, new, actor or ctx.as_resident(), ctx.now, ctx.services.tz, supervision=ctx.services.supervision)
    if to is not None:
        case, _ = await dispatch_to(ctx, case.id, to, SYSTEM_ACTOR, note=None, tell_resident=False, tell_unit=tell_unit)
        return Opened(case, Destination(to, triage=False))
    destination = await destination_for(ctx.uow, new.department_code, new.grid_id, new.community_id)
    if destination.triage:
        case.current_unit_id = destination.unit.id  # registered, waiting in the command center's queue
        await ctx.uow.flush()
        await _notify_unit(ctx, case, "notices.staff.triage", destination.unit.id, None, key=f"case:{case.id}:triage")
        return Opened(case, destination)
    case, _ = await dispatch_to(ctx, case.id, destination.unit, SYSTEM_ACTOR, note=None, tell_resident=False)
    return Opened(case, destination)


async def dispatch_to(
    ctx: Context,
    case_id: int,
    unit: Unit,
    actor: Actor,
    *,
    note: str | None,
    action: Action = Action.DISPATCH,
    tell_resident: bool = True,
    tell_unit: bool = True,
) -> tuple[Case, Decision]:
    """Send a case to a unit (dispatch, transfer or upheld return), with that unit's time limits."""
    case = await ctx.uow.cases.get(case_id)
    department = department_of(unit, case.department_code if case else None)
    request = Request(
        action,
        actor,
        ctx.now,
        note=note,
        target=Target(unit.id, is_command_center=unit.kind == "command_center"),
        deadlines=ctx.services.deadlines(department),
    )
    if case is not None and unit.kind == "department":
        case.department_code = unit.code
    return await perform(ctx, case_id, request, tell_resident=tell_resident, tell_unit=tell_unit)


async def perform(ctx: Context, case_id: int, request: Request, *, tell_resident: bool = True, tell_unit: bool = True) -> tuple[Case, Decision]:
    """Apply an action to a case, then notify the resident, the unit or the command center (staff not when not TELL_UNIT:
    a grid member closing their own patrol report on the spot)."""
    case, decision = await act(ctx.uow, case_id, request, supervision=ctx.services.supervision)
    quiet = not tell_resident or request.actor.role is Role.RESIDENT  # they see the reply to their own action
    note = request.note
    if decision.action is Action.APPROVE_EXTENSION and not note:  # the resident is told why: the unit's reason
        note = await _extension_reason(ctx, case)
    for notice in NOTICES.get(decision.action, ()):
        if notice.audience is Audience.RESIDENT and quiet:
            continue
        if notice.audience is not Audience.RESIDENT and not tell_unit:
            continue
        await _notify(ctx, case, notice, note, f"event:{decision.event_id}", photos=tuple(request.attachments))
    if decision.action is Action.COMPLETE:
        await start_revisit(ctx, case)
    if decision.escalation_due:
        await _escalate_after_redos(ctx, case)
    return case, decision


async def follow(ctx: Context, case_id: int) -> Case:
    """Add the sender as a follower (附议) of an open case: they are told of its progress from now on."""
    case, _ = await perform(ctx, case_id, Request(Action.FOLLOW, ctx.as_resident(), ctx.now))
    return case


def revisit_question(texts: Texts, case: Case, key: str = "revisit.ask_solved") -> Outbound:
    """Return the revisit question (solved?) with its one-tap answers for the case's current cycle."""
    buttons = tuple(
        button(texts.t(f"revisit.solved.{value}"), RevisitAnswer(case.id, case.cycle, value, 0)) for value in SOLVED_CHOICES
    )
    return Outbound(text=texts.t(key, number=case.number), buttons=buttons)


async def reachable(ctx: Context, case: Case, person_id: int) -> bool:
    """Tell whether a person can be told about a case in chat: always for a chat case (pushes wait for their
    next chat), for a case filed elsewhere only when they have a chat account (a hotline caller has none)."""
    if case.source == CHAT_SOURCE:
        return True
    if case.source == PATROL_SOURCE:  # the reporter is the grid member: staff notices tell them what they need
        return False
    return bool(await ctx.uow.people.accounts_of(person_id))


async def start_revisit(ctx: Context, case: Case) -> None:
    """Move a completed case to revisit and ask the resident whether the problem is solved (or, when they have
    no chat, ask the command center to phone them); a patrol report closes instead."""
    if case.source == PATROL_SOURCE:  # a patrol report has no resident to revisit: it closes once completed
        await act(ctx.uow, case.id, Request(Action.CLOSE_PATROL, SYSTEM_ACTOR, ctx.now), supervision=ctx.services.supervision)
        return
    case, _ = await act(ctx.uow, case.id, Request(Action.START_REVISIT, SYSTEM_ACTOR, ctx.now), supervision=ctx.services.supervision)
    if not await reachable(ctx, case, case.resident_person_id):
        center = await command_center(ctx.uow)
        await _notify_unit(ctx, case, "notices.staff.phone_revisit", center.id, None, key=f"case:{case.id}:phone_revisit:{case.cycle}")
        return
    await push_to_person(
        ctx.uow, case.resident_person_id, partial(revisit_question, case=case), f"case:{case.id}:revisit:{case.cycle}", ctx.now, kind="revisit", texts=ctx.services.texts
    )


async def escalate(ctx: Context, case: Case, actor: Actor, note: str) -> tuple[Case, Decision]:
    """Send a case one tier up: grid → community → street → command center."""
    destination = await escalation_target(ctx.uow, case.current_unit_id)
    request = Request(
        Action.ESCALATE,
        actor,
        ctx.now,
        note=note,
        target=Target(destination.unit.id, is_command_center=destination.triage),
        deadlines=ctx.services.deadlines(department_of(destination.unit, case.department_code)),
    )
    return await perform(ctx, case.id, request)


async def _escalate_after_redos(ctx: Context, case: Case) -> None:
    """Send a case that came back too often one tier up."""
    await escalate(ctx, case, SYSTEM_ACTOR, ctx.t("notices.redo_escalation", count=case.redo_count))


async def _extension_reason(ctx: Context, case: Case) -> str | None:
    """Return the reason given with the case's latest extension request."""
    events = await ctx.uow.events.for_case(case.id)
    return next((e.note for e in reversed(events) if e.action == Action.REQUEST_EXTENSION.value), None)


def _pictures(photos: tuple[str, ...]) -> dict[str, Any]:
    """Return the image fields of a notice that carries an event's photos (e.g. the completion photo)."""
    return {"image": photos[0], "gallery": photos[1:]} if photos else {}


async def _notify(ctx: Context, case: Case, notice: Notice, note: str | None, key: str, *, photos: tuple[str, ...] = ()) -> None:
    """Queue one notice about a case event for its audience, each in their own language."""
    if notice.audience is Audience.RESIDENT:
        unit = await unit_name(ctx, case.current_unit_id)
        followers = await ctx.uow.events.actors_of(case.id, Action.FOLLOW.value)
        for person_id in dict.fromkeys([case.resident_person_id, *followers]):
            if not await reachable(ctx, case, person_id):
                continue
            # The resident may answer about their own open case; a follower's answer would be a report of their own.
            answer = person_id == case.resident_person_id and is_open(case)

            def render(texts: Texts, answer: bool = answer) -> Outbound:
                text = texts.t(notice.key, number=case.number, unit=unit, deadline=local_time(texts, ctx.services.tz, case.handle_deadline), note=note or "")
                buttons = (button(texts.t("cases.reply"), CaseOp("reply", case.id)),) if answer else ()
                return Outbound(text=text, buttons=buttons, **_pictures(photos))

            await push_to_person(ctx.uow, person_id, render, f"{key}:p{person_id}", ctx.now, texts=ctx.services.texts)
        return
    unit_id = case.current_unit_id if notice.audience is Audience.UNIT else (await command_center(ctx.uow)).id
    await _notify_unit(ctx, case, notice.key, unit_id, note, key=key, photos=photos)


async def _notify_unit(
    ctx: Context, case: Case, text_key: str, unit_id: int | None, note: str | None, *, key: str, photos: tuple[str, ...] = ()
) -> None:
    """Queue a notice, with a button to the case card, for everyone who works a unit's cases."""

    def render(texts: Texts) -> Outbound:
        text = texts.t(
            text_key,
            number=case.number,
            type=texts.t(f"types.{case.request_type}"),
            summary=summary(case.text),
            deadline=local_time(texts, ctx.services.tz, case.handle_deadline),
            note=note or "",
        )
        return Outbound(text=text, buttons=(button(texts.t("staff.open_card"), StaffCard(case.id)),), **_pictures(photos))

    for person_id in await staff_of(ctx.uow, unit_id):
        await push_to_person(ctx.uow, person_id, render, f"{key}:p{person_id}", ctx.now, texts=ctx.services.texts)
