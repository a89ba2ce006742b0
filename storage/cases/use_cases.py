"""Case use cases: register a case, and apply a lifecycle action with its event in one transaction."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, tzinfo

from storage.cases.lifecycle import Actor, CaseFacts, Decision, LifecycleError, Request, Status
from storage.cases.supervision import DEFAULT_SUPERVISION, Supervision, refresh_next_alert
from storage.cases.transitions import decide
from storage.models.cases import Case, CaseEvent
from storage.uow import UnitOfWork

REGISTER_ACTION = "register"


@dataclass(frozen=True)
class NewCase:
    """What a resident's report carries when it becomes a case."""

    resident_person_id: int
    text: str
    request_type: str
    photos: tuple[str, ...] = ()
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    grid_id: int | None = None
    community_id: int | None = None
    street_id: int | None = None
    jurisdiction_source: str | None = None
    department_code: str | None = None
    category: str | None = None
    classifier_confidence: float | None = None
    classifier_reason: str | None = None
    contact_phone: str | None = None
    anonymous: bool = False
    source: str = "chat"  # chat, open311:<key name>, patrol, operator:<person id>


def case_number(day: datetime, sequence: int) -> str:
    """Format a public case number such as QG-20261121-0007."""
    return f"QG-{day:%Y%m%d}-{sequence:04d}"


def facts_of(case: Case) -> CaseFacts:
    """Return the lifecycle's view of a stored case."""
    return CaseFacts(
        status=Status(case.status),
        current_unit_id=case.current_unit_id,
        resident_person_id=case.resident_person_id,
        redo_count=case.redo_count,
        cycle=case.cycle,
        handle_deadline=case.handle_deadline,
        extension_requested_until=case.extension_requested_until,
    )


async def register_case(
    uow: UnitOfWork,
    new: NewCase,
    actor: Actor,
    now: datetime,
    tz: tzinfo,
    *,
    supervision: Supervision = DEFAULT_SUPERVISION,
) -> Case:
    """Create a case in the registered state with its first event (the caller commits)."""
    local_day = now.astimezone(tz)
    sequence = await uow.cases.next_number(f"{local_day:%Y%m%d}")
    case = uow.cases.add(
        Case(
            number=case_number(local_day, sequence),
            request_type=new.request_type,
            text=new.text,
            photos=list(new.photos),
            lat=new.lat,
            lon=new.lon,
            address=new.address,
            grid_id=new.grid_id,
            community_id=new.community_id,
            street_id=new.street_id,
            jurisdiction_source=new.jurisdiction_source,
            department_code=new.department_code,
            category=new.category,
            classifier_confidence=new.classifier_confidence,
            classifier_reason=new.classifier_reason,
            resident_person_id=new.resident_person_id,
            contact_phone=new.contact_phone,
            anonymous=new.anonymous,
            source=new.source,
            status=Status.REGISTERED.value,
            cycle=0,
            redo_count=0,
            created_at=now,
            updated_at=now,
        )
    )
    await refresh_next_alert(uow, case, supervision, new_cycle=True)
    await uow.flush()
    uow.events.append(
        CaseEvent(
            case_id=case.id,
            action=REGISTER_ACTION,
            actor_person_id=actor.person_id,
            actor_role=actor.role.value,
            from_status=None,
            to_status=Status.REGISTERED.value,
            note=None,
            attachments=list(new.photos),
            created_at=now,
        )
    )
    return case


async def act(
    uow: UnitOfWork, case_id: int, request: Request, *, supervision: Supervision = DEFAULT_SUPERVISION
) -> tuple[Case, Decision]:
    """Apply one lifecycle action to a case and append its event (the caller commits)."""
    case = await uow.cases.get(case_id, for_update=True)
    if case is None:
        raise LifecycleError("no_such_case", f"case {case_id} does not exist")
    decision = decide(facts_of(case), request)
    for name, value in decision.changes.items():
        setattr(case, name, value.value if isinstance(value, Status) else value)
    case.updated_at = request.now
    await refresh_next_alert(uow, case, supervision, new_cycle="cycle" in decision.changes)
    event = uow.events.append(
        CaseEvent(
            case_id=case.id,
            action=decision.action.value,
            actor_person_id=request.actor.person_id,
            actor_role=request.actor.role.value,
            from_status=decision.from_status.value,
            to_status=decision.to_status.value,
            from_unit_id=decision.from_unit_id,
            to_unit_id=decision.to_unit_id,
            note=(request.note or "").strip() or None,
            attachments=list(request.attachments),
            created_at=request.now,
        )
    )
    await uow.flush()
    return case, dataclasses.replace(decision, event_id=event.id)
