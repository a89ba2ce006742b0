"""The lifecycle table: every action in every state by every role, own and other unit."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from storage.cases.lifecycle import (
    RULES,
    Action,
    Actor,
    CaseFacts,
    Deadlines,
    LifecycleError,
    Request,
    Role,
    Status,
    Target,
)
from storage.cases.transitions import allowed_actions, decide

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
OWN_UNIT, OTHER_UNIT, CENTER_UNIT = 10, 11, 99
RESIDENT, OTHER_RESIDENT = 1, 2
DEADLINES = Deadlines(sign_hours=4, red_hours=48)

# The specification, written independently of storage.cases.lifecycle.RULES:
# action: states it may be taken in; roles that may take it.
# A role alone means "on cases held by their own unit" (handlers) or "on their own case" (resident);
# a role with * may act on any case.
SPEC = """
dispatch              registered                                  system* command_center*
sign                  dispatched                                  grid_member community street department
start                 signed                                      grid_member community street department
reply                 signed in_progress                          grid_member community street department
note                  registered dispatched signed in_progress returned completed revisit   grid_member community street department command_center*
add_details           registered dispatched signed in_progress returned                     resident
follow                registered dispatched signed in_progress returned                     resident*
complete              signed in_progress                          grid_member community street department
transfer              dispatched signed in_progress               grid_member community street department command_center*
escalate              dispatched signed in_progress               grid_member community street system*
return                dispatched signed in_progress               grid_member community street department
uphold_return         returned                                    command_center*
overrule_return       returned                                    command_center*
request_extension     signed in_progress                          grid_member community street department
approve_extension     signed in_progress                          command_center*
refuse_extension      signed in_progress                          command_center*
start_revisit         completed                                   system*
confirm_solved        completed revisit                           resident command_center*
redo                  completed revisit                           resident command_center*
close_unrated         completed revisit                           system* command_center*
close_patrol          completed                                   system*
withdraw              registered dispatched signed in_progress returned                     resident
close_duplicate       registered dispatched returned              command_center*
close_not_responsible registered dispatched returned              command_center*
supervise             dispatched signed in_progress               command_center*
publish               completed revisit closed                    command_center*
unpublish             registered dispatched signed in_progress returned completed revisit closed withdrawn   system* command_center*
"""

STATE_NAMES = {s.value for s in Status}
ROLE_NAMES = {r.value for r in Role}


def _parse_spec() -> dict[Action, tuple[set[Status], dict[Role, bool]]]:
    """Parse SPEC into {action: (states, {role: any_case})}."""
    spec: dict[Action, tuple[set[Status], dict[Role, bool]]] = {}
    for line in SPEC.strip().splitlines():
        action, *words = line.split()
        states = {Status(w) for w in words if w in STATE_NAMES}
        roles = {Role(w.rstrip("*")): w.endswith("*") for w in words if w.rstrip("*") in ROLE_NAMES}
        assert len(states) + len(roles) == len(words), f"unknown word in {line!r}"
        spec[Action(action)] = (states, roles)
    return spec


EXPECTED = _parse_spec()


def test_spec_covers_every_action() -> None:
    assert set(EXPECTED) == set(Action) == set(RULES)


def _facts(status: Status, action: Action) -> CaseFacts:
    """Return a case in a state, with the extension situation the action needs."""
    pending = NOW + timedelta(hours=80) if action in (Action.APPROVE_EXTENSION, Action.REFUSE_EXTENSION) else None
    return CaseFacts(
        status=status,
        current_unit_id=OWN_UNIT,
        resident_person_id=RESIDENT,
        handle_deadline=NOW + timedelta(hours=10),
        extension_requested_until=pending,
    )


def _actor(role: Role, own: bool) -> Actor:
    """Return an actor of a role, in the case's unit (or the resident's own case) or not."""
    if role is Role.RESIDENT:
        return Actor(role, person_id=RESIDENT if own else OTHER_RESIDENT)
    if role is Role.SYSTEM:
        return Actor(role)
    return Actor(role, person_id=500, unit_id=OWN_UNIT if own else OTHER_UNIT)


def _request(action: Action, actor: Actor) -> Request:
    """Return a request with every input an action could need."""
    return Request(
        action=action,
        actor=actor,
        now=NOW,
        note="原因说明",
        target=Target(unit_id=OTHER_UNIT),
        until=NOW + timedelta(hours=72),
        deadlines=DEADLINES,
    )


CASES = list(itertools.product(Action, Status, Role, (True, False)))


@pytest.mark.parametrize(
    ("action", "status", "role", "own"),
    CASES,
    ids=[f"{a.value}-{s.value}-{r.value}-{'own' if o else 'other'}" for a, s, r, o in CASES],
)
def test_every_action_state_role(action: Action, status: Status, role: Role, own: bool) -> None:
    states, roles = EXPECTED[action]
    expected = status in states and role in roles and (own or roles[role])
    facts = _facts(status, action)
    actor = _actor(role, own)
    if expected:
        decision = decide(facts, _request(action, actor))
        assert decision.from_status is status
        assert action in allowed_actions(facts, actor)
    else:
        with pytest.raises(LifecycleError) as info:
            decide(facts, _request(action, actor))
        assert info.value.code in {"illegal_transition", "forbidden"}
        assert action not in allowed_actions(facts, actor)


CENTER = Actor(Role.COMMAND_CENTER, person_id=7, unit_id=CENTER_UNIT)
GRID = Actor(Role.GRID_MEMBER, person_id=8, unit_id=OWN_UNIT)


def test_dispatch_sets_clock_deadlines_and_cycle() -> None:
    facts = CaseFacts(Status.REGISTERED, CENTER_UNIT, RESIDENT)
    decision = decide(facts, Request(Action.DISPATCH, CENTER, NOW, target=Target(OWN_UNIT), deadlines=DEADLINES))
    assert decision.to_status is Status.DISPATCHED
    assert decision.changes["current_unit_id"] == OWN_UNIT
    assert decision.changes["dispatched_at"] == NOW
    assert decision.changes["sign_deadline"] == NOW + timedelta(hours=4)
    assert decision.changes["handle_deadline"] == NOW + timedelta(hours=48)
    assert decision.changes["cycle"] == 1
    assert (decision.from_unit_id, decision.to_unit_id) == (CENTER_UNIT, OWN_UNIT)


def test_sign_records_the_signer() -> None:
    decision = decide(CaseFacts(Status.DISPATCHED, OWN_UNIT, RESIDENT), Request(Action.SIGN, GRID, NOW))
    assert decision.changes == {"signed_at": NOW, "assignee_person_id": 8, "status": Status.SIGNED}


def test_escalate_to_command_center_goes_back_to_triage() -> None:
    street = Actor(Role.STREET, person_id=9, unit_id=OWN_UNIT)
    decision = decide(
        CaseFacts(Status.SIGNED, OWN_UNIT, RESIDENT, cycle=1),
        Request(Action.ESCALATE, street, NOW, note="需要协调", target=Target(CENTER_UNIT, is_command_center=True)),
    )
    assert decision.to_status is Status.REGISTERED
    assert decision.changes["current_unit_id"] == CENTER_UNIT
    assert decision.changes["handle_deadline"] is None


def test_redo_counts_starts_a_new_cycle_and_escalates_at_the_limit() -> None:
    facts = CaseFacts(Status.REVISIT, OWN_UNIT, RESIDENT, redo_count=0, cycle=1)
    resident = Actor(Role.RESIDENT, person_id=RESIDENT)
    first = decide(facts, Request(Action.REDO, resident, NOW, note="没修好", deadlines=DEADLINES, max_redos=2))
    assert first.to_status is Status.IN_PROGRESS
    assert first.changes["redo_count"] == 1 and first.changes["cycle"] == 2
    assert first.changes["handle_deadline"] == NOW + timedelta(hours=48)
    assert not first.escalation_due
    second = decide(
        CaseFacts(Status.REVISIT, OWN_UNIT, RESIDENT, redo_count=1, cycle=2),
        Request(Action.REDO, resident, NOW, note="还是不行", deadlines=DEADLINES, max_redos=2),
    )
    assert second.escalation_due


def test_extension_rules() -> None:
    facts = CaseFacts(Status.IN_PROGRESS, OWN_UNIT, RESIDENT, handle_deadline=NOW + timedelta(hours=5))
    later = NOW + timedelta(days=3)
    requested = decide(facts, Request(Action.REQUEST_EXTENSION, GRID, NOW, note="等配件", until=later))
    assert requested.changes["extension_requested_until"] == later
    with pytest.raises(LifecycleError, match="before the deadline") as late:
        decide(facts, Request(Action.REQUEST_EXTENSION, GRID, NOW + timedelta(hours=6), note="x", until=later))
    assert late.value.code == "deadline_passed"
    with pytest.raises(LifecycleError) as earlier:
        decide(facts, Request(Action.REQUEST_EXTENSION, GRID, NOW, note="x", until=NOW + timedelta(hours=1)))
    assert earlier.value.code == "extension_not_later"
    pending = CaseFacts(Status.IN_PROGRESS, OWN_UNIT, RESIDENT, handle_deadline=NOW, extension_requested_until=later)
    with pytest.raises(LifecycleError) as twice:
        decide(pending, Request(Action.REQUEST_EXTENSION, GRID, NOW - timedelta(hours=1), note="x", until=later))
    assert twice.value.code == "extension_pending"
    approved = decide(pending, Request(Action.APPROVE_EXTENSION, CENTER, NOW))
    assert approved.changes["handle_deadline"] == later
    assert approved.changes["extension_requested_until"] is None
    with pytest.raises(LifecycleError) as nothing:
        decide(facts, Request(Action.APPROVE_EXTENSION, CENTER, NOW))
    assert nothing.value.code == "no_extension_pending"


@pytest.mark.parametrize("action", [a for a, r in RULES.items() if r.needs])
def test_required_inputs_are_enforced(action: Action) -> None:
    states, roles = EXPECTED[action]
    status = sorted(states)[0]
    role = sorted(roles)[0]
    facts = _facts(status, action)
    with pytest.raises(LifecycleError) as info:
        decide(facts, Request(action, _actor(role, own=True), NOW, note="  ", deadlines=DEADLINES))
    assert info.value.code in {"note_required", "target_required", "until_required", "details_required"}


def test_closing_records_resolution() -> None:
    facts = CaseFacts(Status.REGISTERED, CENTER_UNIT, RESIDENT)
    decision = decide(facts, Request(Action.CLOSE_DUPLICATE, CENTER, NOW, note="与 QG-20261120-0003 重复"))
    assert decision.changes["resolution"] == "duplicate"
    assert decision.changes["closed_at"] == NOW
    assert decision.to_status is Status.CLOSED
