"""The staff operations as a table: each one's lifecycle action and what it asks for first, and the check that the caller may take it now."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.core import Context, UserError
from storage.cases.lifecycle import (
    Action,
    Actor,
    Role,
)
from storage.cases.transitions import allowed_actions
from storage.cases.use_cases import facts_of
from storage.models.cases import Case


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


def check_allowed(ctx: Context, case: Case, actor: Actor, op: Op) -> None:
    """Refuse an operation the actor may not take on the case now."""
    if op.action not in allowed_actions(facts_of(case), actor):
        key = "staff.not_allowed" if actor.role is not Role.RESIDENT else "staff.no_access"
        raise UserError(ctx.t(key))
