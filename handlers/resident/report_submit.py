"""Submitting a report: the draft the conversation collected becomes a case, routed and with its deadline."""

from __future__ import annotations

from typing import Any

from handlers.buttons import StaffMenu, button, choice
from handlers.callers import CALLER, caller_person, operator_actor
from handlers.casework import Opened, TooManyCases, open_case
from handlers.core import Context, Step
from handlers.menu import main_menu
from handlers.messages import Outbound
from handlers.places import Place
from storage.cases.use_cases import NewCase


def description(data: dict[str, Any]) -> str:
    """Return the whole description."""
    return "\n".join(data["parts"])


async def submit(ctx: Context, data: dict[str, Any]) -> Step:
    """Open the case and tell the resident its number and expected time (an operator: the caller's case)."""
    if data.get(CALLER):
        return await _submit_for_caller(ctx, data)
    new = new_case(ctx, data, ctx.person.id)
    try:
        opened = await open_case(ctx, new)
    except TooManyCases as exc:  # the draft stays until the resident may submit it (and a while after)
        return _too_many(ctx, data, exc)
    return ctx.step(Outbound(text=_accepted(ctx, opened)), main_menu(ctx))


def new_case(ctx: Context, data: dict[str, Any], reporter_id: int, source: str = "chat") -> NewCase:
    """Return the case the draft describes, reported by REPORTER_ID."""
    place = Place.from_data(data["place"])
    return NewCase(
        resident_person_id=reporter_id,
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
        source=source,
    )


def _too_many(ctx: Context, data: dict[str, Any], exc: TooManyCases) -> Step:
    """Keep the draft and say when it may be submitted."""
    text = ctx.t("report.too_many_cases", limit=exc.limit, at=ctx.local(exc.free_at))
    keep = exc.free_at + ctx.services.conversation_timeout
    again = choice(ctx.t("report.submit"), ctx.state, "submit")  # the summary's state: its other buttons still work
    return Step((Outbound(text=text, buttons=(again,)),), state=ctx.state, data=data, keep_until=keep)


def _accepted(ctx: Context, opened: Opened) -> str:
    """Return the case number and where it went."""
    if opened.destination.triage:
        return ctx.t("report.accepted_triage", number=opened.case.number)
    return ctx.t("report.accepted", number=opened.case.number, unit=opened.destination.unit.name, deadline=ctx.local(opened.case.handle_deadline))


async def _submit_for_caller(ctx: Context, data: dict[str, Any]) -> Step:
    """Open the case an operator files for a caller (their role checked again), with the caller as its reporter."""
    actor = await operator_actor(ctx)
    caller = await caller_person(ctx, str(data[CALLER]["name"]), str(data[CALLER]["phone"]))
    new = new_case(ctx, data, caller.id, source=f"operator:{ctx.person.id}")
    try:
        opened = await open_case(ctx, new, actor=actor)
    except TooManyCases as exc:
        return _too_many(ctx, data, exc)
    revisit = ctx.t("on_behalf.revisit_chat" if await ctx.uow.people.accounts_of(caller.id) else "on_behalf.revisit_phone")
    text = ctx.t("on_behalf.accepted", name=data[CALLER]["name"], accepted=_accepted(ctx, opened), revisit=revisit)
    again = button(ctx.t("staff.menu.on_behalf"), StaffMenu("on_behalf"))
    return ctx.step(Outbound(text=text, buttons=(again,)))
