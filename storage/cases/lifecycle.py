"""The case lifecycle (闭环): states, actions, who may take which action where, and what each does.

This module is pure: it decides, it does not touch the database. `storage.cases` applies a
`Decision` to a stored case and writes its event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """Where a case stands."""

    REGISTERED = "registered"  # 受理 (also: waiting in the command center's triage queue)
    DISPATCHED = "dispatched"  # 派单
    SIGNED = "signed"  # 签收
    IN_PROGRESS = "in_progress"  # 办理中
    RETURNED = "returned"  # 退单, waiting for the command center's ruling
    COMPLETED = "completed"  # 办结
    REVISIT = "revisit"  # 回访
    CLOSED = "closed"  # 结案
    WITHDRAWN = "withdrawn"  # 撤单


class Role(StrEnum):
    """A role a person holds; `system` is QunGong itself (routing, sweeps)."""

    RESIDENT = "resident"
    GRID_MEMBER = "grid_member"
    COMMUNITY = "community"
    STREET = "street"
    DEPARTMENT = "department"
    COMMAND_CENTER = "command_center"
    PARTY_MEMBER = "party_member"
    LEADER = "leader"
    ADMIN = "admin"
    SYSTEM = "system"


class Action(StrEnum):
    """Everything that can happen to a case."""

    DISPATCH = "dispatch"
    SIGN = "sign"
    START = "start"
    REPLY = "reply"
    NOTE = "note"
    ADD_DETAILS = "add_details"
    FOLLOW = "follow"
    COMPLETE = "complete"
    TRANSFER = "transfer"
    ESCALATE = "escalate"
    RETURN = "return"
    UPHOLD_RETURN = "uphold_return"
    OVERRULE_RETURN = "overrule_return"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REFUSE_EXTENSION = "refuse_extension"
    START_REVISIT = "start_revisit"
    CONFIRM_SOLVED = "confirm_solved"
    REDO = "redo"
    CLOSE_UNRATED = "close_unrated"
    WITHDRAW = "withdraw"
    CLOSE_DUPLICATE = "close_duplicate"
    CLOSE_NOT_RESPONSIBLE = "close_not_responsible"
    SUPERVISE = "supervise"  # 督办: the command center presses the unit to act (no state change)


HANDLER_ROLES = frozenset({Role.GRID_MEMBER, Role.COMMUNITY, Role.STREET, Role.DEPARTMENT})
OPEN_STATES = frozenset(
    {Status.REGISTERED, Status.DISPATCHED, Status.SIGNED, Status.IN_PROGRESS, Status.RETURNED}
)
WORKING_STATES = frozenset({Status.DISPATCHED, Status.SIGNED, Status.IN_PROGRESS})
HANDLING_STATES = frozenset({Status.SIGNED, Status.IN_PROGRESS})
RATING_STATES = frozenset({Status.COMPLETED, Status.REVISIT})


class Scope(StrEnum):
    """Which cases an actor in an allowed role may act on."""

    ANY = "any"  # any case (command center, system; a resident following another's case)
    OWN_UNIT = "own_unit"  # cases currently held by the actor's unit
    OWN_CASE = "own_case"  # the resident's own cases


class Needs(StrEnum):
    """Inputs an action cannot do without."""

    NOTE = "note"
    TARGET = "target"
    UNTIL = "until"
    NOTE_OR_ATTACHMENTS = "note_or_attachments"


@dataclass(frozen=True)
class Rule:
    """One action: from which states, to which state (None: unchanged), by whom, needing what."""

    action: Action
    from_states: frozenset[Status]
    to: Status | None
    roles: dict[Role, Scope]
    needs: frozenset[Needs] = frozenset()


def _handlers(scope: Scope = Scope.OWN_UNIT) -> dict[Role, Scope]:
    """Return the four handling tiers with the given scope."""
    return dict.fromkeys(HANDLER_ROLES, scope)


_CENTER = {Role.COMMAND_CENTER: Scope.ANY}
_SYSTEM = {Role.SYSTEM: Scope.ANY}
_RESIDENT = {Role.RESIDENT: Scope.OWN_CASE}
_NOTE = frozenset({Needs.NOTE})
_NOTE_TARGET = frozenset({Needs.NOTE, Needs.TARGET})

RULES: dict[Action, Rule] = {
    rule.action: rule
    for rule in (
        Rule(Action.DISPATCH, frozenset({Status.REGISTERED}), Status.DISPATCHED, {**_SYSTEM, **_CENTER}, frozenset({Needs.TARGET})),
        Rule(Action.SIGN, frozenset({Status.DISPATCHED}), Status.SIGNED, _handlers()),
        Rule(Action.START, frozenset({Status.SIGNED}), Status.IN_PROGRESS, _handlers()),
        Rule(Action.REPLY, HANDLING_STATES, None, _handlers(), _NOTE),
        Rule(Action.NOTE, OPEN_STATES | RATING_STATES, None, {**_handlers(), **_CENTER}, _NOTE),
        Rule(Action.ADD_DETAILS, OPEN_STATES, None, _RESIDENT, frozenset({Needs.NOTE_OR_ATTACHMENTS})),
        Rule(Action.FOLLOW, OPEN_STATES, None, {Role.RESIDENT: Scope.ANY}),
        Rule(Action.COMPLETE, HANDLING_STATES, Status.COMPLETED, _handlers(), _NOTE),
        Rule(Action.TRANSFER, WORKING_STATES, Status.DISPATCHED, {**_handlers(), **_CENTER}, _NOTE_TARGET),
        Rule(
            Action.ESCALATE,
            WORKING_STATES,
            Status.DISPATCHED,
            {Role.GRID_MEMBER: Scope.OWN_UNIT, Role.COMMUNITY: Scope.OWN_UNIT, Role.STREET: Scope.OWN_UNIT, **_SYSTEM},
            _NOTE_TARGET,
        ),
        Rule(Action.RETURN, WORKING_STATES, Status.RETURNED, _handlers(), _NOTE),
        Rule(Action.UPHOLD_RETURN, frozenset({Status.RETURNED}), Status.DISPATCHED, _CENTER, _NOTE_TARGET),
        Rule(Action.OVERRULE_RETURN, frozenset({Status.RETURNED}), Status.DISPATCHED, _CENTER, _NOTE),
        Rule(Action.REQUEST_EXTENSION, HANDLING_STATES, None, _handlers(), frozenset({Needs.NOTE, Needs.UNTIL})),
        Rule(Action.APPROVE_EXTENSION, HANDLING_STATES, None, _CENTER),
        Rule(Action.REFUSE_EXTENSION, HANDLING_STATES, None, _CENTER, _NOTE),
        Rule(Action.START_REVISIT, frozenset({Status.COMPLETED}), Status.REVISIT, _SYSTEM),
        Rule(Action.CONFIRM_SOLVED, RATING_STATES, Status.CLOSED, {**_RESIDENT, **_CENTER}),
        Rule(Action.REDO, RATING_STATES, Status.IN_PROGRESS, {**_RESIDENT, **_CENTER}, _NOTE),
        Rule(Action.CLOSE_UNRATED, RATING_STATES, Status.CLOSED, {**_SYSTEM, **_CENTER}),
        Rule(Action.WITHDRAW, OPEN_STATES, Status.WITHDRAWN, _RESIDENT),
        Rule(Action.CLOSE_DUPLICATE, frozenset({Status.REGISTERED, Status.DISPATCHED, Status.RETURNED}), Status.CLOSED, _CENTER, _NOTE),
        Rule(Action.CLOSE_NOT_RESPONSIBLE, frozenset({Status.REGISTERED, Status.DISPATCHED, Status.RETURNED}), Status.CLOSED, _CENTER, _NOTE),
        Rule(Action.SUPERVISE, WORKING_STATES, None, _CENTER, _NOTE),
    )
}

RESOLUTIONS: dict[Action, str] = {
    Action.CONFIRM_SOLVED: "resolved",
    Action.CLOSE_UNRATED: "unrated",
    Action.WITHDRAW: "withdrawn",
    Action.CLOSE_DUPLICATE: "duplicate",
    Action.CLOSE_NOT_RESPONSIBLE: "not_responsible",
}


class LifecycleError(Exception):
    """An action that the lifecycle refuses; `code` names the reason for the message catalogue."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(message)


@dataclass(frozen=True)
class Actor:
    """Who acts: a person in a role bound to a unit (unit is None for residents and the system)."""

    role: Role
    person_id: int | None = None
    unit_id: int | None = None


SYSTEM_ACTOR = Actor(Role.SYSTEM)


@dataclass(frozen=True)
class Deadlines:
    """How long a unit has, counted from dispatch."""

    sign_hours: float
    red_hours: float


@dataclass(frozen=True)
class Target:
    """The unit a case is sent to, and whether it is the command center's triage queue."""

    unit_id: int
    is_command_center: bool = False


@dataclass(frozen=True)
class CaseFacts:
    """What the lifecycle needs to know about a case."""

    status: Status
    current_unit_id: int | None
    resident_person_id: int
    redo_count: int = 0
    cycle: int = 0
    handle_deadline: datetime | None = None
    extension_requested_until: datetime | None = None


@dataclass(frozen=True)
class Request:
    """The inputs of one action."""

    action: Action
    actor: Actor
    now: datetime
    note: str | None = None
    attachments: tuple[str, ...] = ()
    target: Target | None = None
    until: datetime | None = None
    deadlines: Deadlines | None = None
    max_redos: int = 2


@dataclass(frozen=True)
class Decision:
    """What an allowed action does: the case fields to set, and the event to append."""

    action: Action
    from_status: Status
    to_status: Status
    changes: dict[str, Any] = field(default_factory=dict)
    from_unit_id: int | None = None
    to_unit_id: int | None = None
    escalation_due: bool = False
    event_id: int | None = None  # set once the event is stored


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
