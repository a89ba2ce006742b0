"""What an action does to a case: who may take it now, and the changes and the event it makes.

The rules are the table in storage.cases.lifecycle; this module applies them to one case and one
actor. It is pure: it decides, and storage.cases.use_cases applies the decision in the database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from storage.cases.lifecycle import (
    RESOLUTIONS,
    RULES,
    Action,
    Actor,
    CaseFacts,
    Decision,
    LifecycleError,
    Needs,
    Request,
    Rule,
    Scope,
    Status,
)


def allowed_actions(case: CaseFacts, actor: Actor) -> list[Action]:
    """List the actions this actor may take on this case now (for building buttons)."""
    return [a for a, rule in RULES.items() if case.status in rule.from_states and _permits(rule, case, actor)]


def decide(case: CaseFacts, request: Request) -> Decision:
    """Check an action against the rules and return what it does, or raise LifecycleError."""
    rule = RULES[request.action]
    if case.status not in rule.from_states:
        raise LifecycleError(
            "illegal_transition",
            f"cannot {rule.action.value} a case that is {case.status.value}",
            action=rule.action.value,
            status=case.status.value,
        )
    if not _permits(rule, case, request.actor):
        raise LifecycleError(
            "forbidden",
            f"a {request.actor.role.value} may not {rule.action.value} this case",
            action=rule.action.value,
            role=request.actor.role.value,
        )
    _check_inputs(rule, request)
    to_status = rule.to or case.status
    if rule.action is Action.ESCALATE and request.target and request.target.is_command_center:
        to_status = Status.REGISTERED
    changes, escalation_due = _effects(rule.action, case, request)
    target_unit = request.target.unit_id if request.target else None
    if rule.action is Action.OVERRULE_RETURN:
        target_unit = case.current_unit_id
    changes["status"] = to_status
    return Decision(
        action=rule.action,
        from_status=case.status,
        to_status=to_status,
        changes=changes,
        from_unit_id=case.current_unit_id,
        to_unit_id=target_unit if target_unit is not None else case.current_unit_id,
        escalation_due=escalation_due,
    )


def _permits(rule: Rule, case: CaseFacts, actor: Actor) -> bool:
    """Tell whether the actor's role and scope allow the rule on this case."""
    scope = rule.roles.get(actor.role)
    if scope is None:
        return False
    if scope is Scope.OWN_UNIT:
        return actor.unit_id is not None and actor.unit_id == case.current_unit_id
    if scope is Scope.OWN_CASE:
        return actor.person_id is not None and actor.person_id == case.resident_person_id
    return True


def _check_inputs(rule: Rule, request: Request) -> None:
    """Refuse an action that lacks a required input."""
    note = (request.note or "").strip()
    if Needs.NOTE in rule.needs and not note:
        raise LifecycleError("note_required", f"{rule.action.value} needs a reason or note", action=rule.action.value)
    if Needs.NOTE_OR_ATTACHMENTS in rule.needs and not (note or request.attachments):
        raise LifecycleError("details_required", "add some text or a photo", action=rule.action.value)
    if Needs.TARGET in rule.needs and request.target is None:
        raise LifecycleError("target_required", f"{rule.action.value} needs a target unit", action=rule.action.value)
    if Needs.UNTIL in rule.needs and request.until is None:
        raise LifecycleError("until_required", f"{rule.action.value} needs a new date", action=rule.action.value)


def _dispatch_changes(request: Request, cycle: int) -> dict[str, Any]:
    """Return the fields a new dispatch sets: unit, clock, deadlines, a new light cycle."""
    if request.target is None:  # pragma: no cover - guarded by _check_inputs
        raise LifecycleError("target_required", "a dispatch needs a target unit")
    changes: dict[str, Any] = {
        "current_unit_id": request.target.unit_id,
        "assignee_person_id": None,
        "extension_requested_until": None,
    }
    if request.target.is_command_center:
        changes.update(dispatched_at=None, sign_deadline=None, handle_deadline=None)
        return changes
    return changes | _new_cycle(request, cycle)


def _new_cycle(request: Request, cycle: int) -> dict[str, Any]:
    """Return the fields that start a new handling cycle (clock, deadlines, lights) at request.now."""
    if request.deadlines is None:
        raise LifecycleError("deadlines_required", f"{request.action.value} needs the unit's time limits")
    return {
        "dispatched_at": request.now,
        "sign_deadline": request.now + timedelta(hours=request.deadlines.sign_hours),
        "handle_deadline": request.now + timedelta(hours=request.deadlines.red_hours),
        "cycle": cycle + 1,
    }


Effect = Callable[[CaseFacts, Request], dict[str, Any]]


def _sign(case: CaseFacts, request: Request) -> dict[str, Any]:
    """Record who signed for the case, and when."""
    return {"signed_at": request.now, "assignee_person_id": request.actor.person_id}


def _complete(case: CaseFacts, request: Request) -> dict[str, Any]:
    """Record the completion time; a pending extension lapses."""
    return {"completed_at": request.now, "extension_requested_until": None}


def _approve_extension(case: CaseFacts, request: Request) -> dict[str, Any]:
    """Move the handling deadline to the requested date."""
    if case.extension_requested_until is None:
        raise LifecycleError("no_extension_pending", "there is no extension request to approve")
    return {"handle_deadline": case.extension_requested_until, "extension_requested_until": None}


def _refuse_extension(case: CaseFacts, request: Request) -> dict[str, Any]:
    """Drop the pending extension request."""
    if case.extension_requested_until is None:
        raise LifecycleError("no_extension_pending", "there is no extension request to refuse")
    return {"extension_requested_until": None}


def _redo(case: CaseFacts, request: Request) -> dict[str, Any]:
    """Send the case back to work: one more redo, a new cycle of the clock."""
    changes = {"redo_count": case.redo_count + 1, "completed_at": None, "signed_at": request.now}
    return changes | _new_cycle(request, case.cycle)


def _close(case: CaseFacts, request: Request) -> dict[str, Any]:
    """Record when and how the case ended."""
    return {"closed_at": request.now, "resolution": RESOLUTIONS[request.action]}


def _redispatch(case: CaseFacts, request: Request) -> dict[str, Any]:
    """Send the case to its target unit."""
    return _dispatch_changes(request, case.cycle)


def _extension_request(case: CaseFacts, request: Request) -> dict[str, Any]:
    """Check an extension request (before the deadline, to a later date, none pending)."""
    if case.extension_requested_until is not None:
        raise LifecycleError("extension_pending", "an extension request is already waiting for a ruling")
    if case.handle_deadline is None or request.now >= case.handle_deadline:
        raise LifecycleError("deadline_passed", "an extension can only be requested before the deadline")
    assert request.until is not None  # guarded by _check_inputs
    if request.until <= case.handle_deadline:
        raise LifecycleError("extension_not_later", "the new date must be after the current deadline")
    return {"extension_requested_until": request.until}


EFFECTS: dict[Action, Effect] = {
    Action.DISPATCH: _redispatch,
    Action.TRANSFER: _redispatch,
    Action.ESCALATE: _redispatch,
    Action.UPHOLD_RETURN: _redispatch,
    Action.SIGN: _sign,
    Action.COMPLETE: _complete,
    Action.REQUEST_EXTENSION: _extension_request,
    Action.APPROVE_EXTENSION: _approve_extension,
    Action.REFUSE_EXTENSION: _refuse_extension,
    Action.REDO: _redo,
    **dict.fromkeys(RESOLUTIONS, _close),
}


def _effects(action: Action, case: CaseFacts, request: Request) -> tuple[dict[str, Any], bool]:
    """Return the case fields an action changes, and whether it makes an escalation due."""
    effect = EFFECTS.get(action)
    changes = effect(case, request) if effect else {}
    escalation_due = action is Action.REDO and changes["redo_count"] >= request.max_redos
    return changes, escalation_due
