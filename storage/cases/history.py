"""A district's own routing decisions as labelled examples: where each case was finally handled, when a person decided or confirmed it.

A case is a training row when the department it ended with was chosen by a person — the
command center dispatching from triage, a unit transferring it, the command center upholding a
return and dispatching it again — or confirmed: the resident (or the command center by phone)
said the problem is solved. Cases withdrawn or closed as duplicates or not ours are left out, and so
are cases the classifier routed that nobody has confirmed yet. The department is the unit's code for
a department; a grid, community or street stands for the community-level department.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases.lifecycle import Action, Role
from storage.cases.routing import COMMUNITY_MATTERS
from storage.models.cases import Case, CaseEvent
from storage.models.people import Unit

ROUTING = frozenset({Action.DISPATCH.value, Action.TRANSFER.value, Action.UPHOLD_RETURN.value, Action.ESCALATE.value})
CONFIRMING = frozenset({Action.CONFIRM_SOLVED.value})
PEOPLE = frozenset({Role.COMMAND_CENTER.value, Role.GRID_MEMBER.value, Role.COMMUNITY.value, Role.STREET.value, Role.DEPARTMENT.value})
LEFT_OUT = frozenset({"withdrawn", "duplicate", "not_responsible"})
LOCAL_KINDS = frozenset({"grid", "community", "street"})


@dataclass(frozen=True)
class DecidedCase:
    """One case as a labelled example: its text, final department, request type, when it came in and how it was settled."""

    text: str
    department: str
    request_type: str
    created_at: datetime
    how: str  # "decided" (a person chose the department) or "confirmed" (the resident said it was solved)


def _department(unit: tuple[str, str] | None, community_code: str | None) -> str | None:
    """Return the department a unit stands for (None: the command center, or an unknown unit)."""
    if unit is None:
        return None
    kind, code = unit
    if kind == "department":
        return code
    if kind in LOCAL_KINDS:
        return community_code
    return None


def settle(events: Sequence[tuple[str, str, int | None]], units: dict[int, tuple[str, str]], community_code: str | None) -> tuple[str, str] | None:
    """Return (department, how) for one case's routing and confirming events in order, or None when it teaches nothing."""
    department: str | None = None
    decided = confirmed = False
    for action, role, to_unit in events:
        if action in CONFIRMING:
            confirmed = department is not None
            continue
        target = _department(units.get(to_unit) if to_unit is not None else None, community_code)
        if target is None:
            continue  # sent to the command center (or nowhere known): the next decision counts
        by_person = role in PEOPLE
        decided = (decided or by_person) if target == department else by_person
        if target != department:
            confirmed = False
        department = target
    if department is None or not (decided or confirmed):
        return None
    return department, "decided" if decided else "confirmed"


async def decided_cases(
    session: AsyncSession,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    community_code: str | None = COMMUNITY_MATTERS,
) -> list[DecidedCase]:
    """Return the cases received in [since, until) whose department a person decided or confirmed, oldest first."""
    units = {u.id: (u.kind, u.code) for u in (await session.scalars(select(Unit))).all()}
    cases = select(Case.id, Case.text, Case.request_type, Case.created_at, Case.resolution).order_by(Case.created_at, Case.id)
    events = (
        select(CaseEvent.case_id, CaseEvent.action, CaseEvent.actor_role, CaseEvent.to_unit_id)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.action.in_(sorted(ROUTING | CONFIRMING)))
        .order_by(CaseEvent.case_id, CaseEvent.id)
    )
    if since is not None:
        cases, events = cases.where(Case.created_at >= since), events.where(Case.created_at >= since)
    if until is not None:
        cases, events = cases.where(Case.created_at < until), events.where(Case.created_at < until)
    per_case: dict[int, list[tuple[str, str, int | None]]] = {}
    for case_id, action, role, to_unit in (await session.execute(events)).all():
        per_case.setdefault(case_id, []).append((action, role, to_unit))
    found: list[DecidedCase] = []
    for case_id, text, request_type, created_at, resolution in (await session.execute(cases)).all():
        if resolution in LEFT_OUT or not text or not text.strip():
            continue
        settled = settle(per_case.get(case_id, ()), units, community_code)
        if settled is not None:
            found.append(DecidedCase(text, settled[0], request_type, created_at, settled[1]))
    return found
