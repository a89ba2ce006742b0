"""Staff actions on a case: a button starts one, which may first ask for a unit (transfer, dispatch,
upheld return), a number of days (extension) or a text (state `staff.input`); then it runs through
casework, which checks the caller's role and unit in the lifecycle and notifies everyone affected.
A phone revisit (电话回访) asks for the resident's answers first (handlers.staff.phone).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from handlers.buttons import (
    StaffExtend,
    StaffOp,
    StaffTarget,
    button,
)
from handlers.casework import PATROL_SOURCE, dispatch_to, escalate, perform
from handlers.core import Context, Step, UserError
from handlers.flow import State
from handlers.messages import Outbound
from handlers.staff.access import case_for_staff
from handlers.staff.card import show_done, target_units
from handlers.staff.operations import OPS, TARGETED, check_allowed
from handlers.staff.phone import PHONE_SOLVED, ask_answer
from storage.cases.lifecycle import (
    Action,
    Request,
)
from storage.models.cases import Case

INPUT = "staff.input"
EXTENSION_DAYS = (1, 3, 7, 15)


# ---- the case card -------------------------------------------------------------------------


# ---- operations ----------------------------------------------------------------------------


async def start_op(ctx: Context, data: StaffOp) -> Step:
    """Start an operation: ask for what it needs, or run it at once."""
    op = OPS.get(data.op)
    if op is None:
        raise UserError(ctx.t("errors.unknown_button"))
    case, actor = await case_for_staff(ctx, data.case_id)
    check_allowed(ctx, case, actor, op)
    if op.rating:
        return ask_answer(ctx, case, PHONE_SOLVED, {"case_id": case.id, "cycle": case.cycle})
    if op.target:
        units = await target_units(ctx, case)
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
    check_allowed(ctx, case, actor, op)
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
    check_allowed(ctx, case, actor, OPS["extend"])
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
    check_allowed(ctx, case, actor, op)
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
    if name == "complete" and case.source == PATROL_SOURCE:  # a patrol report closes at once: nobody to revisit
        name = "complete_patrol"
    return await show_done(ctx, case, ctx.t(f"staff.done.{name}", number=case.number))


STATES: dict[str, State] = {INPUT: State(INPUT, on_text=_input_text, on_photo=_input_photo)}
