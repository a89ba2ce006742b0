"""A phone revisit recorded by staff: the resident's answers to solved? and satisfied? (and why not), settled like the resident's own answer."""

from __future__ import annotations

from typing import Any

from handlers.buttons import (
    choice,
)
from handlers.core import Context, Step, UserError
from handlers.flow import State
from handlers.messages import Outbound
from handlers.resident.revisit import CHOICES, Answer, awaiting, is_positive, settle
from handlers.staff.access import case_for_staff
from handlers.staff.card import show_done
from handlers.staff.operations import OPS, check_allowed
from storage.cases.lifecycle import (
    Actor,
)
from storage.models.cases import Case

PHONE_SOLVED = "staff.phone_solved"


PHONE_SATISFIED = "staff.phone_satisfied"


PHONE_REASON = "staff.phone_reason"


def ask_answer(ctx: Context, case: Case, state: str, data: dict[str, Any]) -> Step:
    """Ask what the resident said on the phone: solved? (PHONE_SOLVED) or satisfied? (PHONE_SATISFIED)."""
    part = "solved" if state == PHONE_SOLVED else "satisfied"
    buttons = tuple(choice(ctx.t(f"revisit.{part}.{value}"), state, str(value)) for value in CHOICES)
    return ctx.step(Outbound(text=ctx.t(f"staff.phone.ask_{part}", number=case.number), buttons=buttons), state=state, data=data)


async def _phone_case(ctx: Context) -> tuple[Case, Actor, Step | None]:
    """Return the case of the phone revisit under way, the sender's actor, and a step ending it if already rated."""
    case, actor = await case_for_staff(ctx, int(ctx.data["case_id"]))
    if not awaiting(case, int(ctx.data["cycle"])):
        return case, actor, await show_done(ctx, case, ctx.t("staff.phone.already", number=case.number))
    check_allowed(ctx, case, actor, OPS["phone"])
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
        return ask_answer(ctx, case, PHONE_SATISFIED, data)
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
    return await show_done(ctx, case, ctx.t(f"staff.phone.{outcome}", number=case.number))


STATES: dict[str, State] = {
    PHONE_SOLVED: State(PHONE_SOLVED, on_choice=_phone_choice, hint_key="errors.use_buttons"),
    PHONE_SATISFIED: State(PHONE_SATISFIED, on_choice=_phone_choice, hint_key="errors.use_buttons"),
    PHONE_REASON: State(PHONE_REASON, on_text=_phone_reason),
}
