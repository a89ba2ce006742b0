"""One invented case's life, step by step as the lifecycle allows, up to `now` (for storage.demo.history).

Timings follow the default time limits (sign-for 4 h, yellow 24 h, red 48 h after dispatch); a
case whose next step would fall after `now` stays where it is, so recent cases are still open.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from storage.cases.lifecycle import Action, Role, Status

SIGN_HOURS, YELLOW_HOURS, RED_HOURS, EXPLAIN_HOURS = 4.0, 24.0, 48.0, 24.0
SOLVED = {1: "已解决", 2: "部分解决", 3: "未解决"}
SATISFIED = {1: "满意", 2: "基本满意", 3: "不满意"}
REASONS = ("问题还在，没有人来看过", "只处理了一半", "答复敷衍，没有实际解决", "过了两天又坏了")
REPLIES = ("已到现场处理完毕", "已联系责任单位整改到位", "已协调解决并向居民解释", "已安排维修，现已恢复")
MAX_REDOS = 2
LIGHT_NOTES = {"sign_overdue": "超时未签收", "yellow": "黄灯：超过24小时未办结", "red": "红灯：超过办理时限未办结"}


@dataclass(frozen=True)
class CaseDraft:
    """A case as it came in."""

    text: str
    request_type: str
    department: str
    grid_id: int
    community_id: int
    street_id: int
    address: str | None
    target_unit: int
    triage: bool
    resident: int
    created_at: datetime


@dataclass(frozen=True)
class Staff:
    """Who acts for each unit, and the command center."""

    by_unit: dict[int, list[int]]
    command_center: int | None

    def of(self, unit_id: int | None) -> int | None:
        """Return the first person bound to a unit."""
        people = self.by_unit.get(unit_id, []) if unit_id is not None else []
        return people[0] if people else None

    def center(self) -> int | None:
        """Return a command-center dispatcher."""
        return self.of(self.command_center)


def _hours(rng: random.Random, median: float, spread: float) -> timedelta:
    """Return a log-normal duration around MEDIAN hours."""
    return timedelta(hours=rng.lognormvariate(0, spread) * median)


@dataclass
class Timeline:
    """A case's fields as they end up, and the rows its history adds."""

    draft: CaseDraft
    now: datetime
    pace: float = 1.0  # the last day's cases move slower, so some are still open in every state
    status: Status = Status.REGISTERED
    unit: int | None = None
    assignee: int | None = None
    cycle: int = 0
    redo_count: int = 0
    dispatched_at: datetime | None = None
    sign_deadline: datetime | None = None
    handle_deadline: datetime | None = None
    signed_at: datetime | None = None
    completed_at: datetime | None = None
    closed_at: datetime | None = None
    resolution: str | None = None
    updated_at: datetime | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    lights: list[dict[str, Any]] = field(default_factory=list)
    ratings: list[dict[str, Any]] = field(default_factory=list)
    pending_lights: list[datetime] = field(default_factory=list)

    def step(self, action: str, at: datetime, to: Status, role: Role, person: int | None, *, note: str | None = None, to_unit: int | None = None) -> None:
        """Append an event and move the case to a state."""
        self.events.append(
            {
                "action": action,
                "actor_person_id": person,
                "actor_role": role.value,
                "from_status": self.status.value if self.events else None,
                "to_status": to.value,
                "from_unit_id": self.unit if self.events else None,
                "to_unit_id": to_unit if to_unit is not None else self.unit,
                "note": note,
                "attachments": [],
                "created_at": at,
            }
        )
        self.status, self.updated_at = to, at
        if to_unit is not None:
            self.unit = to_unit

    def new_cycle(self, at: datetime) -> None:
        """Start the light clock afresh."""
        self.cycle += 1
        self.dispatched_at = at
        self.sign_deadline = at + timedelta(hours=SIGN_HOURS)
        self.handle_deadline = at + timedelta(hours=RED_HOURS)

    def fire(self, kind: str, due: datetime, until: datetime | None, rng: random.Random) -> None:
        """Record a light that fell due before the case moved on (or before now), else watch for it."""
        if due > self.now:
            if until is None:
                self.pending_lights.append(due)
            return
        if until is not None and until <= due or any(x["cycle"] == self.cycle and x["kind"] == kind for x in self.lights):
            return
        status = self.status.value
        self.events.append(
            {"action": f"light_{kind}", "actor_person_id": None, "actor_role": Role.SYSTEM.value, "from_status": status,
             "to_status": status, "from_unit_id": self.unit, "to_unit_id": self.unit, "note": LIGHT_NOTES[kind],
             "attachments": [], "created_at": due}
        )
        light: dict[str, Any] = {"cycle": self.cycle, "kind": kind, "unit_id": self.unit, "assignee_person_id": self.assignee, "due_at": due, "fired_at": due}
        if kind == "red" and self.unit is not None:
            light["explanation"] = self._explanation(due, rng)
        self.lights.append(light)

    def _explanation(self, red: datetime, rng: random.Random) -> dict[str, Any]:
        """Return the written explanation a red light asks for: on time, late or missing."""
        due = red + timedelta(hours=EXPLAIN_HOURS)
        roll = rng.random()
        submitted = red + timedelta(hours=rng.uniform(2, 20)) if roll < 0.7 else red + timedelta(hours=rng.uniform(26, 60)) if roll < 0.85 else None
        if submitted is not None and submitted > self.now:
            submitted = None
        if submitted is not None:
            status = self.status.value
            self.events.append(
                {"action": "explanation", "actor_person_id": self.assignee, "actor_role": Role.DEPARTMENT.value, "from_status": status,
                 "to_status": status, "from_unit_id": self.unit, "to_unit_id": self.unit, "note": "情况说明：人手不足，已加派人员跟进",
                 "attachments": [], "created_at": submitted}
            )
        return {
            "due_at": due,
            "created_at": red,
            "submitted_at": submitted,
            "submitted_by_person_id": self.assignee if submitted else None,
            "text": "人手不足，已加派人员跟进" if submitted else None,
        }

    def sorted_events(self) -> list[dict[str, Any]]:
        """Return the events in time order (lights and explanations are recorded out of order)."""
        return sorted(self.events, key=lambda e: e["created_at"])

    def case_row(self, number: str) -> dict[str, Any]:
        """Return the case's row for the bulk insert."""
        d = self.draft
        watching = self.status in (Status.DISPATCHED, Status.SIGNED, Status.IN_PROGRESS)
        return {
            "number": number, "request_type": d.request_type, "text": d.text, "photos": [], "lat": None, "lon": None,
            "address": d.address, "grid_id": d.grid_id, "community_id": d.community_id, "street_id": d.street_id,
            "jurisdiction_source": "text" if d.address else "registered", "department_code": d.department,
            "classifier_confidence": 0.3 if d.triage else 0.9, "classifier_reason": "演示历史数据",
            "current_unit_id": self.unit, "assignee_person_id": self.assignee, "resident_person_id": d.resident,
            "contact_phone": None, "anonymous": False, "status": self.status.value, "resolution": self.resolution,
            "cycle": self.cycle, "redo_count": self.redo_count, "dispatched_at": self.dispatched_at,
            "sign_deadline": self.sign_deadline, "handle_deadline": self.handle_deadline, "extension_requested_until": None,
            "next_alert_at": min(self.pending_lights) if watching and self.pending_lights else None,
            "signed_at": self.signed_at, "completed_at": self.completed_at, "closed_at": self.closed_at,
            "created_at": d.created_at, "updated_at": self.updated_at or d.created_at, "version": 1,
        }


def simulate(rng: random.Random, draft: CaseDraft, now: datetime, staff: Staff) -> Timeline:
    """Live one case from registration up to NOW."""
    recent = now - draft.created_at < timedelta(hours=30)
    t = Timeline(draft, now, pace=rng.uniform(4.0, 16.0) if recent and rng.random() < 0.6 else 1.0)
    t.step("register", draft.created_at, Status.REGISTERED, Role.RESIDENT, draft.resident)
    roll = rng.random()
    if roll < 0.04:
        return _close_early(rng, t, staff, roll)
    queued = draft.triage or (t.pace > 1 and rng.random() < 0.25)  # waiting in the command center's triage queue
    delay = _hours(rng, t.pace, 0.6) if queued else timedelta(minutes=rng.randint(1, 10))
    at = draft.created_at + delay
    if at > now:
        t.unit = staff.command_center
        return t
    role, person = (Role.COMMAND_CENTER, staff.center()) if queued else (Role.SYSTEM, None)
    t.step(Action.DISPATCH.value, at, Status.DISPATCHED, role, person, to_unit=draft.target_unit)
    t.new_cycle(at)
    _work(rng, t, staff, at)
    return t


def _close_early(rng: random.Random, t: Timeline, staff: Staff, roll: float) -> Timeline:
    """Withdraw a case, or close it as a duplicate or not our responsibility, soon after it came in."""
    at = t.draft.created_at + _hours(rng, 2.0, 0.5)
    if at > t.now:
        return t
    if roll < 0.02:
        t.step(Action.WITHDRAW.value, at, Status.WITHDRAWN, Role.RESIDENT, t.draft.resident, note="问题已自行解决")
        t.resolution = "withdrawn"
    else:
        action = Action.CLOSE_DUPLICATE if roll < 0.03 else Action.CLOSE_NOT_RESPONSIBLE
        t.step(action.value, at, Status.CLOSED, Role.COMMAND_CENTER, staff.center(), note="与已受理诉求重复" if roll < 0.03 else "不属于本区职责，已告知渠道")
        t.resolution = "duplicate" if roll < 0.03 else "not_responsible"
    t.closed_at = at
    return t


def _work(rng: random.Random, t: Timeline, staff: Staff, ready: datetime) -> None:
    """Sign (from READY on), maybe return, maybe extend, complete; then the revisit, and redos until settled."""
    dispatched = t.dispatched_at or ready
    signed = ready + _hours(rng, 1.2 * t.pace, 1.0)
    t.fire("sign_overdue", t.sign_deadline or dispatched, signed if signed <= t.now else None, rng)
    if signed > t.now:
        t.fire("yellow", dispatched + timedelta(hours=YELLOW_HOURS), None, rng)
        t.fire("red", dispatched + timedelta(hours=RED_HOURS), None, rng)
        return
    handler = staff.of(t.unit)
    t.assignee, t.signed_at = handler, signed
    t.step(Action.SIGN.value, signed, Status.SIGNED, _handler_role(t), handler)
    if t.cycle == 1 and rng.random() < 0.05 * t.pace and _return(rng, t, staff, signed):
        return
    _handle(rng, t, staff, signed)


def _handler_role(t: Timeline) -> Role:
    """Return the role that works this case's unit."""
    return Role.GRID_MEMBER if t.unit == t.draft.grid_id else Role.DEPARTMENT


def _return(rng: random.Random, t: Timeline, staff: Staff, signed: datetime) -> bool:
    """Return the case to the command center, which upholds (re-dispatches) or overrules; True if it stops."""
    at = signed + _hours(rng, 2.0, 0.5)
    if at > t.now:
        return False
    t.step(Action.RETURN.value, at, Status.RETURNED, _handler_role(t), t.assignee, note="不属于本单位职责范围")
    ruling = at + _hours(rng, 3.0 * t.pace, 0.5)
    if ruling > t.now:
        return True
    if t.unit != t.draft.grid_id and rng.random() < 0.6:
        t.step(Action.UPHOLD_RETURN.value, ruling, Status.DISPATCHED, Role.COMMAND_CENTER, staff.center(), note="退单理由成立，改派属地网格", to_unit=t.draft.grid_id)
        t.new_cycle(ruling)
    else:
        t.step(Action.OVERRULE_RETURN.value, ruling, Status.DISPATCHED, Role.COMMAND_CENTER, staff.center(), note="属于本单位职责，请继续办理")
    _work(rng, t, staff, ruling)
    return True


def _handle(rng: random.Random, t: Timeline, staff: Staff, started: datetime) -> None:
    """Work the case to completion (or leave it in progress), with lights and a possible extension."""
    dispatched = t.dispatched_at or started
    done = dispatched + _hours(rng, 16.0 * min(t.pace, 2.0), 0.85)
    done = max(done, started + timedelta(minutes=30))
    approved_at = _maybe_extend(rng, t, staff, dispatched, done)
    first_deadline = dispatched + timedelta(hours=RED_HOURS)
    for kind, lead in (("yellow", RED_HOURS - YELLOW_HOURS), ("red", 0.0)):
        due = first_deadline - timedelta(hours=lead)
        if approved_at is not None and due > approved_at and t.handle_deadline is not None:
            due = t.handle_deadline - timedelta(hours=lead)
        t.fire(kind, due, done if done <= t.now else None, rng)
    if done > t.now:
        if t.status is Status.SIGNED and started + timedelta(minutes=20) <= t.now and rng.random() < 0.6:
            t.step(Action.START.value, started + timedelta(minutes=20), Status.IN_PROGRESS, _handler_role(t), t.assignee)
        return
    t.completed_at = done
    t.step(Action.COMPLETE.value, done, Status.COMPLETED, _handler_role(t), t.assignee, note=rng.choice(REPLIES))
    _revisit(rng, t, staff, done)


def _maybe_extend(rng: random.Random, t: Timeline, staff: Staff, dispatched: datetime, done: datetime) -> datetime | None:
    """For slow cases, request an extension before the deadline; return when it was approved, if it was."""
    asked = dispatched + timedelta(hours=rng.uniform(20, 40))
    if done - dispatched < timedelta(hours=40) or rng.random() > 0.35 or asked > min(done, t.now):
        return None
    until = dispatched + timedelta(hours=RED_HOURS + 72)
    t.step(Action.REQUEST_EXTENSION.value, asked, t.status, _handler_role(t), t.assignee, note=f"需协调多部门，申请延期至{until:%m月%d日}")
    ruled = asked + _hours(rng, 2.0, 0.4)
    if ruled > min(done, t.now):
        return None
    if rng.random() < 0.8:
        t.step(Action.APPROVE_EXTENSION.value, ruled, t.status, Role.COMMAND_CENTER, staff.center())
        t.handle_deadline = until
        return ruled
    t.step(Action.REFUSE_EXTENSION.value, ruled, t.status, Role.COMMAND_CENTER, staff.center(), note="请按期办结")
    return None


def _revisit(rng: random.Random, t: Timeline, staff: Staff, done: datetime) -> None:
    """Ask the resident; close on a good answer, redo on a bad one, close unrated without one."""
    if t.now - done < timedelta(hours=6) and rng.random() < 0.6:
        return  # still completed: the revisit has not started yet
    t.step(Action.START_REVISIT.value, done, Status.REVISIT, Role.SYSTEM, None)
    answered = done + _hours(rng, 6.0, 0.8)
    if rng.random() < 0.12:
        closed = done + timedelta(hours=72)
        if closed <= t.now:
            t.step(Action.CLOSE_UNRATED.value, closed, Status.CLOSED, Role.SYSTEM, None)
            t.closed_at, t.resolution = closed, "unrated"
        return
    if answered > t.now:
        return
    solved, satisfied = _answers(rng, t.redo_count)
    t.ratings.append({"cycle": t.cycle, "solved": solved, "satisfied": satisfied, "person_id": t.draft.resident, "created_at": answered})
    verdict = f"{SOLVED[solved]} / {SATISFIED[satisfied]}"
    if solved == 1 and satisfied in (1, 2):
        t.step(Action.CONFIRM_SOLVED.value, answered, Status.CLOSED, Role.RESIDENT, t.draft.resident, note=verdict)
        t.closed_at, t.resolution = answered, "resolved"
        return
    t.step(Action.REDO.value, answered, Status.IN_PROGRESS, Role.RESIDENT, t.draft.resident, note=f"{verdict}。原因：{rng.choice(REASONS)}")
    t.redo_count += 1
    t.completed_at, t.signed_at = None, answered
    t.new_cycle(answered)
    _handle(rng, t, staff, answered)


def _answers(rng: random.Random, redos: int) -> tuple[int, int]:
    """Draw a resident's answers (after the last allowed redo, a settled one)."""
    if redos >= MAX_REDOS:
        return 1, rng.choice((1, 2))
    solved = rng.choices((1, 2, 3), weights=(90, 7, 3))[0]
    satisfied = rng.choices((1, 2, 3), weights=(82, 14, 4))[0] if solved == 1 else rng.choices((1, 2, 3), weights=(10, 40, 50))[0]
    return solved, satisfied
