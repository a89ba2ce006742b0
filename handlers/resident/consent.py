"""The resident's consent, asked in the revisit after a good answer: may the outcome be published anonymously?

Only with it may the command center show the case as a typical case (典型案例) on the public page. A
resident who says no later takes a published case off the page at once (an unpublish event by QunGong).
"""

from __future__ import annotations

from handlers.buttons import ConsentAnswer, button
from handlers.casework import perform
from handlers.core import Context, Step, UserError
from handlers.menu import main_menu
from handlers.messages import Outbound
from handlers.resident.my_cases import own_case
from storage.cases.lifecycle import SYSTEM_ACTOR, Action, Request
from storage.cases.publication import mark_unpublished, publication_of, record_consent
from storage.models.cases import Case


def consent_question(ctx: Context, case: Case) -> Outbound:
    """Return the question with its two answers."""
    buttons = (
        button(ctx.t("publication.consent_yes"), ConsentAnswer(case.id, 1)),
        button(ctx.t("publication.consent_no"), ConsentAnswer(case.id, 0)),
    )
    return Outbound(text=ctx.t("publication.ask_consent", number=case.number), buttons=buttons)


async def answer_consent(ctx: Context, data: ConsentAnswer) -> Step:
    """Record the resident's answer; a no takes the case off the public page if it was on it."""
    if data.consent not in (0, 1):
        raise UserError(ctx.t("errors.unknown_button"))
    case = await own_case(ctx, data.case_id)
    before = await publication_of(ctx.uow.session, case.id)
    await record_consent(ctx.uow.session, case.id, bool(data.consent), ctx.now)
    if not data.consent and before is not None and before.published_at is not None:
        await perform(ctx, case.id, Request(Action.UNPUBLISH, SYSTEM_ACTOR, ctx.now, note=ctx.t("publication.consent_withdrawn")))
        await mark_unpublished(ctx.uow.session, case.id, ctx.now)
    key = "publication.consent_thanks_yes" if data.consent else "publication.consent_thanks_no"
    return ctx.step(Outbound(text=ctx.t(key, number=case.number)), main_menu(ctx))
