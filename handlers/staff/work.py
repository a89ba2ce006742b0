"""Staff work in chat: the staff menu, task lists, the case card and every case action.

An action button may first ask for a unit (transfer, dispatch, upheld return), a number of days
(extension) or a reason (state `staff.input`); then it runs through casework, which checks the
caller's role and unit in the lifecycle and notifies everyone affected. A phone revisit asks for the
resident's answers as the chat revisit does (states `staff.phone_*`) and settles them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from handlers.buttons import (
    StaffCard,
    StaffExtend,
    StaffMenu,
    StaffOp,
    StaffPage,
    StaffTarget,
    button,
    choice,
)
from handlers.casework import dispatch_to, escalate, perform, summary, unit_name
from handlers.core import Context, Step, UserError
from handlers.flow import State
from handlers.menu import main_menu
from handlers.messages import Button, Outbound
from handlers.resident.revisit import CHOICES, Answer, awaiting, is_positive, settle
from handlers.staff.access import actor_for, case_for_staff, staff_bindings
from handlers.staff.binding import whoami
from handlers.wishes.menu import staff_buttons as wish_staff_buttons
from storage.cases.lifecycle import (
    HANDLER_ROLES,
    WORKING_STATES,
    Action,
    Actor,
    Request,
    Role,
    Status,
)
from storage.cases.routing import COMMUNITY_MATTERS, destination_for
from storage.cases.supervision import Colour, LightState, clock_facts, light_at
from storage.cases.transitions import allowed_actions
from storage.cases.use_cases import facts_of
from storage.models.cases import Case
from storage.models.people import Unit

INPUT = "staff.input"
PHONE_SOLVED = "staff.phone_solved"
PHONE_SATISFIED = "staff.phone_satisfied"
PHONE_REASON = "staff.phone_reason"
PAGE_SIZE = 5
EXTENSION_DAYS = (1, 3, 7, 15)
LIGHT_ORDER = {Colour.RED: 0, Colour.YELLOW: 1, Colour.NONE: 2}


@dataclass(frozen=True)
class Op:
    """A staff operation: its lifecycle action and what it must ask for before running."""

    action: Action
    target: bool = False
    days: bool = False
    note: bool = False
    rating: bool = False  # asks for the resident's revisit answers (solved, satisfied, reason)


OPS: dict[str, Op] = {
    "sign": Op(Action.SIGN),
    "start": Op(Action.START),
    "reply": Op(Action.REPLY, note=True),
    "complete": Op(Action.COMPLETE, note=True),
    "transfer": Op(Action.TRANSFER, target=True, note=True),
    "escalate": Op(Action.ESCALATE, note=True),
    "return": Op(Action.RETURN, note=True),
    "extend": Op(Action.REQUEST_EXTENSION, days=True, note=True),
    "note": Op(Action.NOTE, note=True),
    "dispatch": Op(Action.DISPATCH, target=True),
    "uphold": Op(Action.UPHOLD_RETURN, target=True, note=True),
    "overrule": Op(Action.OVERRULE_RETURN, note=True),
    "approve_ext": Op(Action.APPROVE_EXTENSION),
    "refuse_ext": Op(Action.REFUSE_EXTENSION, note=True),
    "dup": Op(Action.CLOSE_DUPLICATE, note=True),
    "notresp": Op(Action.CLOSE_NOT_RESPONSIBLE, note=True),
    "phone": Op(Action.CONFIRM_SOLVED, rating=True),  # closes the case, or redoes it (same roles)
    "close_unrated": Op(Action.CLOSE_UNRATED),
    "supervise": Op(Action.SUPERVISE, note=True),
}
OP_OF_ACTION = {op.action: name for name, op in OPS.items()}
TARGETED = {Action.DISPATCH, Action.TRANSFER, Action.UPHOLD_RETURN}


# ---- menu and lists ------------------------------------------------------------------------


async def staff_menu(ctx: Context) -> Outbound | None:
    """Return the staff menu for the sender's roles, or None for residents."""
    bindings = await ctx.bindings()
    if not bindings:
        return None
    roles = {Role(b.role) for b in bindings}
    items = []
    if roles & HANDLER_ROLES:
        items.append("tasks")
    if Role.COMMAND_CENTER in roles:
        items += ["triage", "returns", "extensions", "red"]
    items.append("whoami")
    buttons = (*(button(ctx.t(f"staff.menu.{item}"), StaffMenu(item)) for item in items), *await wish_staff_buttons(ctx))
    return Outbound(text=ctx.t("staff.menu.prompt"), buttons=buttons)


async def show_tasks(ctx: Context) -> Step:
    """Show the first page of the sender's open cases."""
    return await show_list(ctx, StaffPage("tasks", 0))


async def open_menu_item(ctx: Context, data: StaffMenu) -> Step:
    """Open a staff menu entry."""
    if data.item == "whoami":
        return await whoami(ctx)
    return await show_list(ctx, StaffPage(data.item, 0))


async def _list_cases(ctx: Context, which: str) -> list[Case]:
    """Return the cases of a staff list, reddest and oldest first."""
    bindings = await staff_bindings(ctx)
    roles = {Role(b.role) for b in bindings}
    working = [s.value for s in WORKING_STATES]
    if which == "tasks":
        units = [b.unit_id for b in bindings if Role(b.role) in HANDLER_ROLES]
        cases = list(await ctx.uow.cases.in_states(working, unit_ids=units))
        return sorted(cases, key=lambda c: (LIGHT_ORDER[_light(ctx, c).colour], c.dispatched_at or c.created_at, c.id))
    if Role.COMMAND_CENTER not in roles:
        raise UserError(ctx.t("staff.center_only"))
    if which == "triage":
        centre = [b.unit_id for b in bindings if b.role == Role.COMMAND_CENTER]
        return list(await ctx.uow.cases.in_states([Status.REGISTERED.value], unit_ids=centre))
    if which == "returns":
        return list(await ctx.uow.cases.in_states([Status.RETURNED.value]))
    if which == "extensions":
        return list(await ctx.uow.cases.with_pending_extension())
    if which == "red":
        return list(await ctx.uow.cases.overdue(working, ctx.now))
    raise UserError(ctx.t("errors.unknown_button"))


async def show_list(ctx: Context, data: StaffPage) -> Step:
    """Show one page of a staff list, with a button per case."""
    cases = await _list_cases(ctx, data.list)
    shown = cases[data.page * PAGE_SIZE : (data.page + 1) * PAGE_SIZE]
    if not shown:
        return ctx.step(Outbound(text=ctx.t(f"staff.list.{data.list}.empty")))
    lines = [ctx.t(f"staff.list.{data.list}.title", count=len(cases), page=data.page + 1)]
    lines += [_list_line(ctx, c) for c in shown]
    buttons = [button(c.number, StaffCard(c.id)) for c in shown]
    if data.page > 0:
        buttons.append(button(ctx.t("cases.previous"), StaffPage(data.list, data.page - 1)))
    if len(cases) > (data.page + 1) * PAGE_SIZE:
        buttons.append(button(ctx.t("cases.next"), StaffPage(data.list, data.page + 1)))
    return ctx.step(Outbound(text="\n".join(lines), buttons=tuple(buttons)))


def _light(ctx: Context, case: Case) -> LightState:
    """Return a case's light now."""
    facts = clock_facts(case)
    supervision = ctx.services.supervision
    return light_at(facts, ctx.now, supervision.hours(facts), supervision.clock)


def _list_line(ctx: Context, case: Case) -> str:
    """Return one line of a staff list."""
    light = _light(ctx, case)
    return ctx.t(
        "staff.list_line",
        light=ctx.t(f"staff.light.{light.colour.value}"),
        number=case.number,
        status=ctx.t(f"status.{case.status}"),
        summary=summary(case.text),
        deadline=ctx.local(case.handle_deadline),
    )


# ---- the case card -------------------------------------------------------------------------


async def show_card(ctx: Context, data: StaffCard) -> Step:
    """Show a case's staff card with the actions the sender may take now."""
    case, actor = await case_for_staff(ctx, data.case_id)
    return ctx.step(await card(ctx, case, actor))


async def card(ctx: Context, case: Case, actor: Actor) -> Outbound:
    """Render the staff card of a case for an actor."""
    light = _light(ctx, case)
    lines = [
        ctx.t(
            "staff.card.head",
            number=case.number,
            type=ctx.t(f"types.{case.request_type}"),
            status=ctx.t(f"status.{case.status}"),
            light=ctx.t(f"staff.light.{light.colour.value}"),
        ),
        ctx.t("staff.card.text", text=case.text),
    ]
    if case.photos:
        lines.append(ctx.t("staff.card.photos", count=len(case.photos)))
    lines.append(ctx.t("staff.card.place", place=await _place(ctx, case)))
    lines.append(ctx.t("staff.card.contact", contact=await _contact(ctx, case)))
    lines.append(ctx.t("staff.card.unit", unit=await unit_name(ctx, case.current_unit_id)))
    if case.handle_deadline is not None:
        lines.append(ctx.t("staff.card.deadline", deadline=ctx.local(case.handle_deadline)))
    if light.sign_overdue:
        lines.append(ctx.t("staff.card.sign_overdue"))
    if case.extension_requested_until is not None:
        lines.append(ctx.t("staff.card.extension", until=ctx.local(case.extension_requested_until)))
    followers = await ctx.uow.events.actors_of(case.id, Action.FOLLOW.value)
    if followers:
        lines.append(ctx.t("staff.card.followers", count=len(followers)))
    image = case.photos[0] if case.photos else None
    return Outbound(text="\n".join(lines), buttons=await _card_buttons(ctx, case, actor, light), image=image)


async def _place(ctx: Context, case: Case) -> str:
    """Describe where a case is."""
    names = [await unit_name(ctx, unit_id) for unit_id in (case.street_id, case.community_id, case.grid_id) if unit_id]
    where = " · ".join(names)
    if case.address and case.address not in where:
        where = ctx.t("places.with_unit", place=case.address, unit=where) if where else case.address
    return where or ctx.t("report.place_unknown")


async def _contact(ctx: Context, case: Case) -> str:
    """Describe the resident as staff may see them: nothing of an anonymous one."""
    if case.anonymous:
        return ctx.t("report.contact_anonymous")
    resident = await ctx.uow.people.get(case.resident_person_id)
    name = resident.name if resident else "—"
    return f"{name} {case.contact_phone}" if case.contact_phone else ctx.t("staff.card.no_phone", name=name)


async def _card_buttons(ctx: Context, case: Case, actor: Actor, light: LightState) -> tuple[Button, ...]:
    """Return one button per action the actor may take now (triage: the classifier's picks first; 督办 on red lights)."""
    allowed = set(allowed_actions(facts_of(case), actor))
    if light.colour is not Colour.RED:
        allowed.discard(Action.SUPERVISE)
    if case.extension_requested_until is None:
        allowed -= {Action.APPROVE_EXTENSION, Action.REFUSE_EXTENSION}
    else:
        allowed.discard(Action.REQUEST_EXTENSION)
    buttons: list[Button] = []
    if Action.DISPATCH in allowed:
        for unit in await _suggested_units(ctx, case):
            buttons.append(button(ctx.t("staff.dispatch_to", unit=unit.name), StaffTarget("dispatch", case.id, unit.id)))
    for action, name in OP_OF_ACTION.items():
        if action in allowed:
            buttons.append(button(ctx.t(f"staff.op.{name}"), StaffOp(name, case.id)))
    return tuple(buttons)


async def _unit_for_department(ctx: Context, code: str, case: Case) -> Unit | None:
    """Return the unit that would receive a case for a department code."""
    if code == COMMUNITY_MATTERS:
        destination = await destination_for(ctx.uow, code, case.grid_id, case.community_id)
        return None if destination.triage else destination.unit
    unit = await ctx.uow.units.by_code(code)
    return unit if unit is not None and unit.kind == "department" else None


async def _suggested_units(ctx: Context, case: Case) -> list[Unit]:
    """Return the units of the classifier's top three departments for a case."""
    result = ctx.services.classifier.classify(case.text)
    codes = [result.department, *(c.code for c in result.alternatives)]
    units: list[Unit] = []
    for code in dict.fromkeys(codes):
        unit = await _unit_for_department(ctx, code, case)
        if unit is not None and unit not in units:
            units.append(unit)
    return units[:3]


async def _target_units(ctx: Context, case: Case) -> list[Unit]:
    """Return the units a case may be sent to: its place's units and every department."""
    units = [u for u in [await ctx.uow.units.get(i) for i in (case.grid_id, case.community_id, case.street_id) if i] if u]
    units += list(await ctx.uow.units.of_kind("department"))
    return [u for u in units if u.id != case.current_unit_id]


# ---- operations ----------------------------------------------------------------------------


def _check_allowed(ctx: Context, case: Case, actor: Actor, op: Op) -> None:
    """Refuse an operation the actor may not take on the case now."""
    if op.action not in allowed_actions(facts_of(case), actor):
        key = "staff.not_allowed" if actor.role is not Role.RESIDENT else "staff.no_access"
        raise UserError(ctx.t(key))


async def start_op(ctx: Context, data: StaffOp) -> Step:
    """Start an operation: ask for what it needs, or run it at once."""
    op = OPS.get(data.op)
    if op is None:
        raise UserError(ctx.t("errors.unknown_button"))
    case, actor = await case_for_staff(ctx, data.case_id)
    _check_allowed(ctx, case, actor, op)
    if op.rating:
        return _ask_answer(ctx, case, PHONE_SOLVED, {"case_id": case.id, "cycle": case.cycle})
    if op.target:
        units = await _target_units(ctx, case)
        buttons = tuple(button(u.name, StaffTarget(data.op, case.id, u.id)) for u in units)
        return ctx.step(Outbound(text=ctx.t("staff.ask_target", number=case.number), buttons=buttons))
    if op.days:
        buttons = tuple(button(ctx.t("staff.days", days=d), StaffExtend(case.id, d)) for d in EXTENSION_DAYS)
        return ctx.step(Outbound(text=ctx.t("staff.ask_days", number=case.number), buttons=buttons))
    if op.note:
        return _ask_note(ctx, case, {"op": data.op, "case_id": case.id})
    return await _run(ctx, data.op, case.id, {})


async def pick_target(ctx: Context, data: StaffTarget) -> Step:
    """Take the unit chosen for a dispatch, transfer or upheld return."""
    op = OPS.get(data.op)
    if op is None or not op.target:
        raise UserError(ctx.t("errors.unknown_button"))
    case, actor = await case_for_staff(ctx, data.case_id)
    _check_allowed(ctx, case, actor, op)
    unit = await ctx.uow.units.get(data.unit_id)
    if unit is None or unit.kind not in ("grid", "community", "street", "department") or unit.id == case.current_unit_id:
        raise UserError(ctx.t("errors.unknown_button"))
    state = {"op": data.op, "case_id": case.id, "unit_id": unit.id}
    if op.note:
        return _ask_note(ctx, case, state)
    return await _run(ctx, data.op, case.id, state)


async def pick_days(ctx: Context, data: StaffExtend) -> Step:
    """Take the number of days asked for in an extension request."""
    case, actor = await case_for_staff(ctx, data.case_id)
    _check_allowed(ctx, case, actor, OPS["extend"])
    if data.days not in EXTENSION_DAYS or case.handle_deadline is None:
        raise UserError(ctx.t("errors.unknown_button"))
    until = case.handle_deadline + timedelta(days=data.days)
    return _ask_note(ctx, case, {"op": "extend", "case_id": case.id, "until": until.isoformat()})


def _ask_note(ctx: Context, case: Case, state: dict[str, Any]) -> Step:
    """Ask for the reason or text an operation needs."""
    prompt = ctx.t(f"staff.ask_note.{state['op']}", number=case.number)
    return ctx.step(Outbound(text=prompt), state=INPUT, data=state)


async def _input_text(ctx: Context) -> Step:
    """Run the pending operation with the text just sent."""
    note = ctx.inbound.payload.strip()[:1000]
    if not note:
        raise UserError(ctx.t("errors.lifecycle.note_required"))
    data = dict(ctx.data)
    if data.get("op") not in OPS:  # an operation that no longer exists (e.g. left pending across an update)
        return ctx.step(Outbound(text=ctx.t("errors.expired_button")))
    return await _run(ctx, str(data["op"]), int(data["case_id"]), data, note)


async def _input_photo(ctx: Context) -> Step:
    """Attach a photo to a completion before its note."""
    data = dict(ctx.data)
    if data.get("op") != "complete":
        return ctx.step(Outbound(text=ctx.t("errors.unexpected_input")), state=INPUT, data=data)
    data["photos"] = [*data.get("photos", []), ctx.inbound.photo or ctx.inbound.payload]
    return ctx.step(Outbound(text=ctx.t("staff.photo_noted", count=len(data["photos"]))), state=INPUT, data=data)


async def _run(ctx: Context, name: str, case_id: int, data: dict[str, Any], note: str | None = None) -> Step:
    """Run an operation through casework and show the updated card."""
    op = OPS[name]
    case, actor = await case_for_staff(ctx, case_id)
    _check_allowed(ctx, case, actor, op)
    if op.action in TARGETED:
        unit = await ctx.uow.units.get(int(data["unit_id"]))
        if unit is None:
            raise UserError(ctx.t("errors.unknown_button"))
        case, _ = await dispatch_to(ctx, case.id, unit, actor, note=note, action=op.action)
    elif op.action is Action.ESCALATE:
        case, _ = await escalate(ctx, case, actor, note or "")
    else:
        until = datetime.fromisoformat(data["until"]) if data.get("until") else None
        request = Request(
            op.action,
            actor,
            ctx.now,
            note=note,
            attachments=tuple(data.get("photos", ())),
            until=until,
            deadlines=ctx.services.deadlines(case.department_code),
            max_redos=ctx.services.max_redos,
        )
        case, _ = await perform(ctx, case.id, request)
    return await _done(ctx, case, ctx.t(f"staff.done.{name}", number=case.number))


async def _done(ctx: Context, case: Case, text: str) -> Step:
    """Say what was done and show the case's card as the sender now sees it."""
    done = Outbound(text=text)
    after = await actor_for(ctx, case)
    if after.role is Role.RESIDENT:
        return ctx.step(done, main_menu(ctx))
    return ctx.step(done, await card(ctx, case, after))


# ---- phone revisit -------------------------------------------------------------------------


def _ask_answer(ctx: Context, case: Case, state: str, data: dict[str, Any]) -> Step:
    """Ask what the resident said on the phone: solved? (PHONE_SOLVED) or satisfied? (PHONE_SATISFIED)."""
    part = "solved" if state == PHONE_SOLVED else "satisfied"
    buttons = tuple(choice(ctx.t(f"revisit.{part}.{value}"), state, str(value)) for value in CHOICES)
    return ctx.step(Outbound(text=ctx.t(f"staff.phone.ask_{part}", number=case.number), buttons=buttons), state=state, data=data)


async def _phone_case(ctx: Context) -> tuple[Case, Actor, Step | None]:
    """Return the case of the phone revisit under way, the sender's actor, and a step ending it if already rated."""
    case, actor = await case_for_staff(ctx, int(ctx.data["case_id"]))
    if not awaiting(case, int(ctx.data["cycle"])):
        return case, actor, await _done(ctx, case, ctx.t("staff.phone.already", number=case.number))
    _check_allowed(ctx, case, actor, OPS["phone"])
    return case, actor, None


async def _phone_choice(ctx: Context, value: str) -> Step:
    """Take the resident's answer to solved? or satisfied?; settle a positive answer, else ask why."""
    case, actor, ended = await _phone_case(ctx)
    if ended is not None:
        return ended
    if value not in {str(c) for c in CHOICES}:
        raise UserError(ctx.t("errors.unknown_button"))
    data = {**ctx.data, ("solved" if ctx.state == PHONE_SOLVED else "satisfied"): int(value)}
    if ctx.state == PHONE_SOLVED:
        return _ask_answer(ctx, case, PHONE_SATISFIED, data)
    if is_positive(int(data["solved"]), int(data["satisfied"])):
        return await _settle_phone(ctx, case, actor, data)
    return ctx.step(Outbound(text=ctx.t("staff.phone.ask_reason", number=case.number)), state=PHONE_REASON, data=data)


async def _phone_reason(ctx: Context) -> Step:
    """Take why the resident says it is not solved or not satisfying, and send the case back as a redo."""
    case, actor, ended = await _phone_case(ctx)
    if ended is not None:
        return ended
    reason = ctx.inbound.payload.strip()[:500]
    if not reason:
        raise UserError(ctx.t("errors.lifecycle.note_required"))
    return await _settle_phone(ctx, case, actor, dict(ctx.data), reason)


async def _settle_phone(ctx: Context, case: Case, actor: Actor, data: dict[str, Any], reason: str = "") -> Step:
    """Record the phone answer as the resident's rating of the cycle, then close or redo the case."""
    answer = Answer(int(data["cycle"]), int(data["solved"]), int(data["satisfied"]), reason)
    case = await settle(ctx, case, answer, actor, by_phone=True)
    outcome = "closed" if answer.positive else "redo"
    return await _done(ctx, case, ctx.t(f"staff.phone.{outcome}", number=case.number))


STATES: dict[str, State] = {
    INPUT: State(INPUT, on_text=_input_text, on_photo=_input_photo),
    PHONE_SOLVED: State(PHONE_SOLVED, on_choice=_phone_choice, hint_key="errors.use_buttons"),
    PHONE_SATISFIED: State(PHONE_SATISFIED, on_choice=_phone_choice, hint_key="errors.use_buttons"),
    PHONE_REASON: State(PHONE_REASON, on_text=_phone_reason),
}
