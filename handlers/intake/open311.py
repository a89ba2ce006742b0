"""Filing a request through the Open311 API: the same use case as the chat report (number, routing, jurisdiction,
dispatch, deadlines, notices through the outbox), once per idempotency key; and the view a client reads back.

The caller becomes a person of their own (name and phone, no chat account): nothing is pushed to them, and
the revisit becomes a phone-revisit task for the command center. The view never shows the caller's contact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handlers.casework import open_case
from handlers.core import Context, Services
from handlers.intake.catalogue import REQUEST_TYPES
from handlers.messages import Inbound, InboundKind
from handlers.places import UNKNOWN, Place
from storage.cases.lifecycle import OPEN_STATES, Action, Status
from storage.cases.use_cases import NewCase
from storage.intake import filed_before, latest_note
from storage.models.cases import Case
from storage.models.intake import Open311Request
from storage.models.people import Person
from storage.uow import UnitOfWork
from storage.wishes.redact import redact

MAX_DESCRIPTION = 4000
MAX_ADDRESS = 200
MAX_NAME = 64
MAX_PHONE = 32
MAX_MEDIA_URL = 512
CLIENT_CONFIDENCE = 1.0
NOTE_ACTIONS = (Action.COMPLETE.value, Action.REPLY.value)


class IntakeError(Exception):
    """A request the API refuses, with its HTTP code and a description for the client."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass(frozen=True)
class ApiRequest:
    """A POST requests body, checked for shape by the web layer."""

    source: str  # open311:<key name>
    api_key_id: int
    description: str
    service_code: str | None = None
    idempotency_key: str | None = None
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    media_url: str | None = None
    caller_name: str | None = None
    phone: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Filed:
    """The case a request opened (created) or had opened before under the same idempotency key."""

    case: Case
    created: bool


def check(request: ApiRequest, codes: frozenset[str]) -> None:
    """Refuse what the spec calls a bad request: an unknown service code, no location, an empty or long text."""
    if request.service_code is not None and request.service_code not in codes:
        raise IntakeError(400, f"service_code {request.service_code!r} not found: see services.json")
    if (request.lat is None) != (request.lon is None):
        raise IntakeError(400, "lat and long must be given together")
    if request.lat is None and not request.address:
        raise IntakeError(400, "a location is required: lat and long, or address_string")
    if request.lat is not None and request.lon is not None and not (-90 <= request.lat <= 90 and -180 <= request.lon <= 180):
        raise IntakeError(400, "lat/long out of range")
    if not request.description.strip():
        raise IntakeError(400, "description is required")
    if len(request.description) > MAX_DESCRIPTION:
        raise IntakeError(400, f"description longer than {MAX_DESCRIPTION} characters")
    if request.address is not None and len(request.address) > MAX_ADDRESS:
        raise IntakeError(400, f"address_string longer than {MAX_ADDRESS} characters")
    if request.media_url is not None and (len(request.media_url) > MAX_MEDIA_URL or not request.media_url.startswith(("http://", "https://"))):
        raise IntakeError(400, f"media_url must be an http(s) URL of at most {MAX_MEDIA_URL} characters")
    kind = request.attributes.get("request_type")
    if kind is not None and kind not in REQUEST_TYPES:
        raise IntakeError(400, f"attribute[request_type] must be one of {', '.join(REQUEST_TYPES)}")


def _place(services: Services, request: ApiRequest) -> Place:
    """Resolve where: the coordinate first, else the address in the gazetteer (kept as the address either way)."""
    if request.lat is not None and request.lon is not None:
        place = services.places.by_coordinate(request.lat, request.lon)
    else:
        place = services.places.by_text(request.address or "")
    if not place.known:
        return Place(UNKNOWN, request.address or "", lat=request.lat, lon=request.lon, address=request.address)
    return place


async def file_request(uow: UnitOfWork, services: Services, request: ApiRequest, codes: frozenset[str], now: datetime) -> Filed:
    """Open the case for an API request (or return the one its idempotency key opened before); the caller commits."""
    if request.idempotency_key is not None:
        earlier = await filed_before(uow.session, request.api_key_id, request.idempotency_key)
        if earlier is not None:
            return Filed(earlier, created=False)
    check(request, codes)
    text = request.description.strip()
    if request.service_code is None:
        result = services.classifier.classify(text)
        department, confidence, reason = result.department, round(result.confidence, 3), result.reason_zh
    else:
        department, confidence, reason = request.service_code, CLIENT_CONFIDENCE, f"{request.source}: service_code"
    kind = request.attributes.get("request_type") or services.classifier.guess_request_type(text)
    place = _place(services, request)
    caller = uow.people.add(
        Person(name=(request.caller_name or services.texts.t("open311.caller"))[:MAX_NAME], phone=request.phone, created_at=now)
    )
    await uow.flush()
    inbound = Inbound(request.source, "", "", InboundKind.TEXT, text, request.idempotency_key or "")
    ctx = Context(uow, services, inbound, now, caller)
    new = NewCase(
        resident_person_id=caller.id,
        text=text,
        request_type=kind,
        lat=place.lat if place.lat is not None else request.lat,
        lon=place.lon if place.lon is not None else request.lon,
        address=request.address or place.address or (place.label if place.known else None),
        grid_id=place.grid_id,
        community_id=place.community_id,
        street_id=place.street_id,
        jurisdiction_source=place.source,
        department_code=department,
        classifier_confidence=confidence,
        classifier_reason=reason[:250] or None,
        contact_phone=request.phone,
        source=request.source,
    )
    opened = await open_case(ctx, new)
    uow.session.add(
        Open311Request(
            api_key_id=request.api_key_id,
            idempotency_key=request.idempotency_key,
            case_id=opened.case.id,
            media_url=request.media_url,
            created_at=now,
        )
    )
    await uow.flush()
    return Filed(opened.case, created=True)


def is_closed(case: Case) -> bool:
    """Tell whether Open311 calls a case closed: the work is done (completed, in revisit, closed) or it was withdrawn."""
    return Status(case.status) not in OPEN_STATES


async def view(uow: UnitOfWork, services: Services, case: Case, filed: Open311Request) -> dict[str, Any]:
    """Return a case as an Open311 service request (never the caller's name or phone, not even in its text)."""
    found = await uow.units.get(case.current_unit_id) if case.current_unit_id is not None else None
    unit = found.name if found is not None else None
    caller = await uow.people.get(case.resident_person_id)
    text = redact(case.text, names=[caller.name] if caller is not None else []).text  # no phone, ID number or name in it
    note = await latest_note(uow.session, case.id, NOTE_ACTIONS)
    if note is None:
        note = services.texts.t("open311.status_triage") if Status(case.status) is Status.REGISTERED else services.texts.t("open311.status_open", unit=unit or "—")
    return {
        "service_request_id": case.number,
        "status": "closed" if is_closed(case) else "open",
        "status_notes": note,
        "service_name": services.department_names.get(case.department_code or "", case.department_code or ""),
        "service_code": case.department_code,
        "description": text,
        "agency_responsible": unit,
        "service_notice": None,
        "requested_datetime": case.created_at,
        "updated_datetime": case.updated_at,
        "expected_datetime": case.handle_deadline,
        "address": case.address,
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": filed.media_url,
    }

