"""The case lifecycle (闭环) as a table: states, roles, actions, and for each action (RULES) the states it
is taken in, the state it leads to, who may take it on which cases, and what it needs.

This module is pure. `storage.cases.transitions` applies the table to one case (`decide`,
`allowed_actions`); `storage.cases.use_cases` stores the decision and its event in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
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
    OPERATOR = "operator"  # a hotline or community operator who files cases on callers' behalf (代为登记)
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
    CLOSE_PATROL = "close_patrol"  # a grid member's patrol report (网格员上报) is closed once completed: no resident to revisit
    WITHDRAW = "withdraw"
    CLOSE_DUPLICATE = "close_duplicate"
    CLOSE_NOT_RESPONSIBLE = "close_not_responsible"
    SUPERVISE = "supervise"  # 督办: the command center presses the unit to act (no state change)
    PUBLISH = "publish"  # 公开: the command center shows a completed case on the public page (典型案例); the note is the public text
    UNPUBLISH = "unpublish"  # 撤下: off the public page again (the command center, or QunGong when the resident withdraws consent)


HANDLER_ROLES = frozenset({Role.GRID_MEMBER, Role.COMMUNITY, Role.STREET, Role.DEPARTMENT})
OPEN_STATES = frozenset(
    {Status.REGISTERED, Status.DISPATCHED, Status.SIGNED, Status.IN_PROGRESS, Status.RETURNED}
)
WORKING_STATES = frozenset({Status.DISPATCHED, Status.SIGNED, Status.IN_PROGRESS})
HANDLING_STATES = frozenset({Status.SIGNED, Status.IN_PROGRESS})
RATING_STATES = frozenset({Status.COMPLETED, Status.REVISIT})
DONE_STATES = frozenset({Status.COMPLETED, Status.REVISIT, Status.CLOSED})


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
        Rule(Action.CLOSE_PATROL, frozenset({Status.COMPLETED}), Status.CLOSED, _SYSTEM),
        Rule(Action.WITHDRAW, OPEN_STATES, Status.WITHDRAWN, _RESIDENT),
        Rule(Action.CLOSE_DUPLICATE, frozenset({Status.REGISTERED, Status.DISPATCHED, Status.RETURNED}), Status.CLOSED, _CENTER, _NOTE),
        Rule(Action.CLOSE_NOT_RESPONSIBLE, frozenset({Status.REGISTERED, Status.DISPATCHED, Status.RETURNED}), Status.CLOSED, _CENTER, _NOTE),
        Rule(Action.SUPERVISE, WORKING_STATES, None, _CENTER, _NOTE),
        Rule(Action.PUBLISH, DONE_STATES, None, _CENTER, _NOTE),
        Rule(Action.UNPUBLISH, frozenset(Status), None, {**_SYSTEM, **_CENTER}),
    )
}

RESOLUTIONS: dict[Action, str] = {
    Action.CONFIRM_SOLVED: "resolved",
    Action.CLOSE_UNRATED: "unrated",
    Action.CLOSE_PATROL: "patrol",
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


