"""The satisfaction revisit (回访): solved? satisfied? and, when not, a reason that starts a redo.

The resident answers in chat; when they do not, the command center may record what they said on
the phone. Both go through `settle`, so a cycle of a case is rated, and closed or redone, once.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.buttons import RevisitAnswer, button
from handlers.casework import perform
from handlers.core import Context, Step, UserError
from handlers.flow import State
from handlers.menu import main_menu
from handlers.messages import Outbound
from handlers.resident.consent import consent_question
from handlers.resident.my_cases import own_case
from storage.cases.lifecycle import RATING_STATES, Action, Actor, Request, Status
from storage.models.cases import Case, CaseRating

REASON = "revisit.reason"
CHOICES = (1, 2, 3)
SOLVED, SATISFIED, FAIRLY_SATISFIED = 1, 1, 2


@dataclass(frozen=True)
class Answer:
    """The resident's answer for one cycle of a case: solved and satisfied 1-3 (1 is best), and why not."""

    cycle: int
    solved: int
    satisfied: int
    reason: str = ""

    @property
    def positive(self) -> bool:
        """Tell whether the answer closes the case rather than starting a redo."""
        return is_positive(self.solved, self.satisfied)


async def answer(ctx: Context, data: RevisitAnswer) -> Step:
    """Take a revisit button: ask satisfaction next, close the case, or ask why not."""
    case = await own_case(ctx, data.case_id)
    if not awaiting(case, data.cycle):
        raise UserError(ctx.t("revisit.already", number=case.number))
    if data.solved not in CHOICES or data.satisfied not in (0, *CHOICES):
        raise UserError(ctx.t("errors.unknown_button"))
    if data.satisfied == 0:
        buttons = tuple(
            button(ctx.t(f"revisit.satisfied.{value}"), RevisitAnswer(case.id, case.cycle, data.solved, value))
            for value in CHOICES
        )
        return ctx.step(Outbound(text=ctx.t("revisit.ask_satisfied", number=case.number), buttons=buttons))
    if is_positive(data.solved, data.satisfied):
        await settle(ctx, case, Answer(data.cycle, data.solved, data.satisfied), ctx.as_resident())
        return ctx.step(Outbound(text=ctx.t("revisit.thanks", number=case.number)), consent_question(ctx, case))
    state_data = {"case_id": case.id, "cycle": case.cycle, "solved": data.solved, "satisfied": data.satisfied}
    return ctx.step(Outbound(text=ctx.t("revisit.ask_reason")), state=REASON, data=state_data)


def awaiting(case: Case, cycle: int) -> bool:
    """Tell whether a case still waits for the revisit answer of this cycle (none recorded yet)."""
    return Status(case.status) in RATING_STATES and case.cycle == cycle


def is_positive(solved: int, satisfied: int) -> bool:
    """Tell whether an answer closes the case (solved, and satisfied or fairly so) rather than starting a redo."""
    return solved == SOLVED and satisfied in (SATISFIED, FAIRLY_SATISFIED)


def rating_note(ctx: Context, solved: int, satisfied: int) -> str:
    """Return the answers as a note for the case history, e.g. 未解决 / 不满意."""
    return ctx.t("revisit.verdict", solved=ctx.t(f"revisit.solved.{solved}"), satisfied=ctx.t(f"revisit.satisfied.{satisfied}"))


async def settle(ctx: Context, case: Case, answer: Answer, actor: Actor, *, by_phone: bool = False) -> Case:
    """Apply the resident's revisit answer for a cycle: record the rating, then close the case or redo it.

    Used for the resident's own answer and for one the command center took on the phone (ACTOR is
    who records it; the rating is always the resident's). The rating and the action share one
    transaction, and case_ratings holds one row per (case, cycle): a second answer for the same
    cycle finds the case no longer awaiting it, or, if it raced the first, fails on that row and is
    retried by the dispatcher, which then finds the case closed or in a new cycle.
    """
    if not awaiting(case, answer.cycle):
        raise UserError(ctx.t("revisit.already", number=case.number))
    if answer.solved not in CHOICES or answer.satisfied not in CHOICES:
        raise UserError(ctx.t("errors.unknown_button"))
    note = rating_note(ctx, answer.solved, answer.satisfied)
    if by_phone:
        note = ctx.t("revisit.phone_note", verdict=note)
    if answer.positive:
        request = Request(Action.CONFIRM_SOLVED, actor, ctx.now, note=note)
    else:
        if not answer.reason:
            raise UserError(ctx.t("errors.lifecycle.note_required"))
        request = Request(
            Action.REDO,
            actor,
            ctx.now,
            note=note + ctx.t("revisit.reason_note", reason=answer.reason),
            deadlines=ctx.services.deadlines(case.department_code),
            max_redos=ctx.services.max_redos,
        )
    record_rating(ctx, case, answer)
    case, _ = await perform(ctx, case.id, request)
    return case


def record_rating(ctx: Context, case: Case, answer: Answer) -> None:
    """Store the answer in case_ratings as the case's resident's, in the same transaction as the action it leads to."""
    ctx.uow.session.add(
        CaseRating(
            case_id=case.id,
            cycle=answer.cycle,
            solved=answer.solved,
            satisfied=answer.satisfied,
            person_id=case.resident_person_id,
            created_at=ctx.now,
        )
    )


async def _reason(ctx: Context) -> Step:
    """Record why the resident is not satisfied and send the case back as a redo."""
    case = await own_case(ctx, int(ctx.data["case_id"]))
    if not awaiting(case, int(ctx.data["cycle"])):  # e.g. the command center recorded a phone revisit meanwhile
        return ctx.step(Outbound(text=ctx.t("revisit.already", number=case.number)), main_menu(ctx))
    reason = ctx.inbound.payload.strip()[:500]
    if not reason:
        raise UserError(ctx.t("revisit.ask_reason"))
    answer = Answer(int(ctx.data["cycle"]), int(ctx.data["solved"]), int(ctx.data["satisfied"]), reason)
    await settle(ctx, case, answer, ctx.as_resident())
    return ctx.step(Outbound(text=ctx.t("revisit.redo", number=case.number)), main_menu(ctx))


STATES: dict[str, State] = {REASON: State(REASON, on_text=_reason)}
