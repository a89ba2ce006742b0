"""The command center publishes a completed case as a typical case (典型案例), or takes it off the public page.

On the case card (command center only, and only with the resident's consent) 公开为典型案例 shows a
proposed public text: the problem and its handling result with names, phones, ID numbers and house
numbers removed by the same redaction as micro-wishes (storage.wishes.redact), and what was removed.
The dispatcher confirms it or types their own (phones and ID numbers are refused). Publishing and
unpublishing are lifecycle actions, so each is an event in the case's history.
"""

from __future__ import annotations

from handlers.buttons import PublishOp, button
from handlers.casework import perform
from handlers.core import Context, Step, UserError
from handlers.flow import State
from handlers.messages import Outbound
from handlers.staff.access import case_for_staff
from handlers.staff.card import show_done
from storage.cases.lifecycle import Action, Actor, Request, Role
from storage.cases.publication import mark_published, mark_unpublished, publication_of, publishable
from storage.models.cases import Case
from storage.wishes.redact import Redaction, gazetteer_places, leaks, redact

TEXT = "publication.text"
MAX_TEXT = 1000


async def proposal(ctx: Context, case: Case) -> Redaction:
    """Return the proposed public text of a case: its problem and its handling result, redacted."""
    resident = await ctx.uow.people.get(case.resident_person_id)
    names = [resident.name] if resident is not None and resident.name else []
    places = [*(await gazetteer_places(ctx.uow.session)), *([case.address] if case.address else [])]
    notes = [e.note for e in await ctx.uow.events.for_case(case.id) if e.action == Action.COMPLETE.value and e.note]
    problem = redact(case.text, names, places)
    result = redact(notes[-1], names, places) if notes else None
    text = ctx.t("publication.public_text", problem=problem.text, result=result.text if result else ctx.t("publication.no_result"))
    return Redaction(text, problem.flags + (result.flags if result else ()))


async def _center_case(ctx: Context, case_id: int) -> tuple[Case, Actor]:
    """Return a case and the command center acting on it; refuse anyone else."""
    case, actor = await case_for_staff(ctx, case_id)
    if actor.role is not Role.COMMAND_CENTER:
        raise UserError(ctx.t("staff.center_only"))
    return case, actor


async def run_publish_op(ctx: Context, data: PublishOp) -> Step:
    """Take one step of publishing: propose the text, publish it, ask for one's own, or unpublish."""
    case, actor = await _center_case(ctx, data.case_id)
    if data.op == "unpublish":
        return await _unpublish(ctx, case, actor)
    if not publishable(case, await publication_of(ctx.uow.session, case.id)):
        raise UserError(ctx.t("publication.not_publishable", number=case.number))
    if data.op == "propose":
        found = await proposal(ctx, case)
        flags = ctx.t("wish.format.separator").join(f.found for f in found.flags) or ctx.t("publication.no_flags")
        buttons = (
            button(ctx.t("publication.confirm"), PublishOp("confirm", case.id)),
            button(ctx.t("publication.own"), PublishOp("own", case.id)),
        )
        return ctx.step(Outbound(text=ctx.t("publication.proposal", number=case.number, flags=flags, text=found.text), buttons=buttons))
    if data.op == "confirm":
        return await _publish(ctx, case, actor, (await proposal(ctx, case)).text)
    if data.op == "own":
        return ctx.step(Outbound(text=ctx.t("publication.ask_text", number=case.number)), state=TEXT, data={"case_id": case.id})
    raise UserError(ctx.t("errors.unknown_button"))


async def _publish(ctx: Context, case: Case, actor: Actor, text: str) -> Step:
    """Publish a case with a reviewed text (the text is also the publish event's note)."""
    found = leaks(text)
    if found:
        raise UserError(ctx.t("publication.leaks", found=ctx.t("wish.format.separator").join(f.found for f in found)))
    case, _ = await perform(ctx, case.id, Request(Action.PUBLISH, actor, ctx.now, note=text))
    await mark_published(ctx.uow.session, case.id, text, ctx.person.id, ctx.now)
    return await show_done(ctx, case, ctx.t("publication.published", number=case.number))


async def _unpublish(ctx: Context, case: Case, actor: Actor) -> Step:
    """Take a case off the public page."""
    publication = await publication_of(ctx.uow.session, case.id)
    if publication is None or publication.published_at is None:
        raise UserError(ctx.t("publication.not_published", number=case.number))
    case, _ = await perform(ctx, case.id, Request(Action.UNPUBLISH, actor, ctx.now))
    await mark_unpublished(ctx.uow.session, case.id, ctx.now)
    return await show_done(ctx, case, ctx.t("publication.unpublished", number=case.number))


async def _own_text(ctx: Context) -> Step:
    """Publish the text the dispatcher typed."""
    text = ctx.inbound.payload.strip()[:MAX_TEXT]
    if not text:
        raise UserError(ctx.t("publication.ask_text", number=""))
    case, actor = await _center_case(ctx, int(ctx.data["case_id"]))
    if not publishable(case, await publication_of(ctx.uow.session, case.id)):
        raise UserError(ctx.t("publication.not_publishable", number=case.number))
    return await _publish(ctx, case, actor, text)


STATES: dict[str, State] = {TEXT: State(TEXT, on_text=_own_text)}
