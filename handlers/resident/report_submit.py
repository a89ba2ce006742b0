"""Submitting a report: the draft the conversation collected becomes a case, routed and with its deadline."""

from __future__ import annotations

from typing import Any

from handlers.buttons import choice
from handlers.casework import TooManyCases, open_case
from handlers.core import Context, Step
from handlers.menu import main_menu
from handlers.messages import Outbound
from handlers.places import Place
from storage.cases.use_cases import NewCase


def description(data: dict[str, Any]) -> str:
    """Return the whole description."""
    return "\n".join(data["parts"])


async def submit(ctx: Context, data: dict[str, Any]) -> Step:
    """Open the case and tell the resident its number and expected time."""
    place = Place.from_data(data["place"])
    new = NewCase(
        resident_person_id=ctx.person.id,
        text=description(data),
        request_type=data["type"],
        photos=tuple(data["photos"]),
        lat=place.lat,
        lon=place.lon,
        address=place.address or (place.label if place.known else None),
        grid_id=place.grid_id,
        community_id=place.community_id,
        street_id=place.street_id,
        jurisdiction_source=place.source,
        department_code=data["department"],
        classifier_confidence=data.get("confidence"),
        classifier_reason=str(data.get("reason", ""))[:250] or None,
        contact_phone=data.get("phone"),
        anonymous=bool(data.get("anonymous")),
    )
    try:
        opened = await open_case(ctx, new)
    except TooManyCases as exc:  # the draft stays until the resident may submit it (and a while after)
        text = ctx.t("report.too_many_cases", limit=exc.limit, at=ctx.local(exc.free_at))
        keep = exc.free_at + ctx.services.conversation_timeout
        again = choice(ctx.t("report.submit"), ctx.state, "submit")  # the summary's state: its other buttons still work
        return Step((Outbound(text=text, buttons=(again,)),), state=ctx.state, data=data, keep_until=keep)
    if opened.destination.triage:
        text = ctx.t("report.accepted_triage", number=opened.case.number)
    else:
        text = ctx.t(
            "report.accepted",
            number=opened.case.number,
            unit=opened.destination.unit.name,
            deadline=ctx.local(opened.case.handle_deadline),
        )
    return ctx.step(Outbound(text=text), main_menu(ctx))
