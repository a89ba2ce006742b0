"""Writing the explanation (情况说明) a red light asks the responsible unit for."""

from __future__ import annotations

from handlers.buttons import ExplainTask
from handlers.core import Context, Step, UserError
from handlers.flow import State
from handlers.menu import main_menu
from handlers.messages import Outbound
from handlers.staff.access import staff_bindings
from handlers.texts import Texts
from storage.cases.supervision import ExplanationNotes, submit_explanation

WRITING = "staff.explain"
MAX_CHARS = 2000


async def start(ctx: Context, data: ExplainTask) -> Step:
    """Ask the unit's staff for the explanation text."""
    await staff_bindings(ctx)
    return ctx.step(Outbound(text=ctx.t("explain.ask")), state=WRITING, data={"task_id": data.task_id})


def explanation_notes(texts: Texts, body: str) -> ExplanationNotes:
    """Return how the case history records an explanation, on time and late."""
    body = body.strip()  # as storage records it
    return ExplanationNotes(on_time=texts.t("explain.note.on_time", text=body), late=texts.t("explain.note.late", text=body))


async def _text(ctx: Context) -> Step:
    """Record the explanation; the storage use case checks the unit and that it is the first."""
    body = ctx.inbound.payload.strip()[:MAX_CHARS]
    if not body:
        raise UserError(ctx.t("explain.ask"))
    notes = explanation_notes(ctx.services.texts, body)
    task = await submit_explanation(ctx.uow, int(ctx.data["task_id"]), ctx.person.id, body, ctx.now, notes=notes)
    key = "explain.late" if ctx.now > task.due_at else "explain.done"
    return ctx.step(Outbound(text=ctx.t(key)), main_menu(ctx))


STATES: dict[str, State] = {WRITING: State(WRITING, on_text=_text)}
