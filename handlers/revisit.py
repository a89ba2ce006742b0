"""The satisfaction revisit (回访): solved? satisfied? and, when not, a reason that starts a redo."""

from __future__ import annotations

from bot.messages import Outbound
from handlers.buttons import RevisitAnswer, button
from handlers.casework import perform
from handlers.core import Context, Step, UserError
from handlers.flow import State
from handlers.menu import main_menu
from handlers.my_cases import own_case
from storage.lifecycle import RATING_STATES, Action, Request, Status
from storage.models import CaseRating

REASON = "revisit.reason"
CHOICES = (1, 2, 3)
SOLVED, SATISFIED, FAIRLY_SATISFIED = 1, 1, 2


async def answer(ctx: Context, data: RevisitAnswer) -> Step:
    """Take a revisit button: ask satisfaction next, close the case, or ask why not."""
    case = await own_case(ctx, data.case_id)
    if Status(case.status) not in RATING_STATES or case.cycle != data.cycle:
        raise UserError(ctx.t("revisit.already", number=case.number))
    if data.solved not in CHOICES or data.satisfied not in (0, *CHOICES):
        raise UserError(ctx.t("errors.unknown_button"))
    if data.satisfied == 0:
        buttons = tuple(
            button(ctx.t(f"revisit.satisfied.{value}"), RevisitAnswer(case.id, case.cycle, data.solved, value))
            for value in CHOICES
        )
        return ctx.step(Outbound(text=ctx.t("revisit.ask_satisfied", number=case.number), buttons=buttons))
    verdict = rating_note(ctx, data.solved, data.satisfied)
    if data.solved == SOLVED and data.satisfied in (SATISFIED, FAIRLY_SATISFIED):
        record_rating(ctx, case.id, case.cycle, data.solved, data.satisfied)
        await perform(ctx, case.id, Request(Action.CONFIRM_SOLVED, ctx.as_resident(), ctx.now, note=verdict))
        return ctx.step(Outbound(text=ctx.t("revisit.thanks", number=case.number)), main_menu(ctx))
    state_data = {"case_id": case.id, "cycle": case.cycle, "solved": data.solved, "satisfied": data.satisfied}
    return ctx.step(Outbound(text=ctx.t("revisit.ask_reason")), state=REASON, data=state_data)


def rating_note(ctx: Context, solved: int, satisfied: int) -> str:
    """Return the answers as a note for the case history, e.g. 未解决 / 不满意."""
    return ctx.t("revisit.verdict", solved=ctx.t(f"revisit.solved.{solved}"), satisfied=ctx.t(f"revisit.satisfied.{satisfied}"))


def record_rating(ctx: Context, case_id: int, cycle: int, solved: int, satisfied: int) -> None:
    """Store the answers in case_ratings, in the same transaction as the action they lead to."""
    ctx.uow.session.add(
        CaseRating(case_id=case_id, cycle=cycle, solved=solved, satisfied=satisfied, person_id=ctx.person.id, created_at=ctx.now)
    )


async def _reason(ctx: Context) -> Step:
    """Record why the resident is not satisfied and send the case back as a redo."""
    case = await own_case(ctx, int(ctx.data["case_id"]))
    if Status(case.status) not in RATING_STATES or case.cycle != int(ctx.data["cycle"]):
        raise UserError(ctx.t("revisit.already", number=case.number))
    reason = ctx.inbound.payload.strip()[:500]
    if not reason:
        raise UserError(ctx.t("revisit.ask_reason"))
    note = rating_note(ctx, int(ctx.data["solved"]), int(ctx.data["satisfied"])) + ctx.t("revisit.reason_note", reason=reason)
    request = Request(
        Action.REDO,
        ctx.as_resident(),
        ctx.now,
        note=note,
        deadlines=ctx.services.deadlines(case.department_code),
        max_redos=ctx.services.max_redos,
    )
    record_rating(ctx, case.id, case.cycle, int(ctx.data["solved"]), int(ctx.data["satisfied"]))
    await perform(ctx, case.id, request)
    return ctx.step(Outbound(text=ctx.t("revisit.redo", number=case.number)), main_menu(ctx))


STATES: dict[str, State] = {REASON: State(REASON, on_text=_reason)}
