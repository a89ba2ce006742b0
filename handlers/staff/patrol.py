"""A grid member's patrol report (网格员上报), from the work menu: photo first, then the text, then where (their
own grid unless they say otherwise), then 上报 — routed like a resident's report — or 已就地解决 with a photo of
the fix, which files the case at their grid and closes it at once. The case's source is `patrol`: no contact
question, no revisit (it closes when completed), and the reports count it apart.

    photo ─▶ text (more photos) ─▶ where ─▶ confirm ─┬▶ 上报 ─▶ routed case
                                                     └▶ 已就地解决 ─▶ fix photo ─▶ note ─▶ closed case
"""

from __future__ import annotations

from typing import Any

from handlers.buttons import choice
from handlers.casework import PATROL_SOURCE, open_case, perform
from handlers.core import Context, Step, UserError
from handlers.flow import State
from handlers.messages import Outbound
from handlers.places import Place
from storage.cases.lifecycle import Action, Actor, Request, Role
from storage.cases.use_cases import NewCase
from storage.models.people import Unit

PHOTO, TEXT, WHERE, CONFIRM, FIX_PHOTO, FIX_NOTE = (
    "patrol.photo",
    "patrol.text",
    "patrol.where",
    "patrol.confirm",
    "patrol.fix_photo",
    "patrol.fix_note",
)
MAX_PHOTOS = 9
MAX_TEXT = 2000
GRID_SOURCE = "grid"


async def _grids(ctx: Context) -> list[int]:
    """Return the grids the sender is a grid member of; refuse anyone else."""
    grids = [b.unit_id for b in await ctx.bindings() if b.role == Role.GRID_MEMBER]
    if not grids:
        raise UserError(ctx.t("patrol.not_grid_member"))
    return grids


async def start(ctx: Context) -> Step:
    """Begin a patrol report: ask for the photo first."""
    grids = await _grids(ctx)
    return ctx.step(Outbound(text=ctx.t("patrol.ask_photo")), state=PHOTO, data={"grid_id": grids[0], "photos": [], "parts": []})


def _photo_of(ctx: Context) -> str:
    """Return the reference of the photo just sent."""
    return ctx.inbound.photo or ctx.inbound.payload


async def _first_photo(ctx: Context) -> Step:
    """Keep the photo and ask what was found."""
    data = dict(ctx.data) | {"photos": [_photo_of(ctx)]}
    return ctx.step(Outbound(text=ctx.t("patrol.ask_text")), state=TEXT, data=data)


async def _photo_needed(ctx: Context) -> Step:
    """Insist on the photo first."""
    return ctx.step(Outbound(text=ctx.t("patrol.need_photo")), state=PHOTO, data=ctx.data)


async def _more_photo(ctx: Context) -> Step:
    """Keep another photo (up to MAX_PHOTOS)."""
    data = dict(ctx.data)
    data["photos"] = [*data["photos"], _photo_of(ctx)][:MAX_PHOTOS]
    return ctx.step(Outbound(text=ctx.t("patrol.ask_text")), state=TEXT, data=data)


async def _text(ctx: Context) -> Step:
    """Take the description and ask where (their own grid by default)."""
    text = ctx.inbound.payload.strip()[:MAX_TEXT]
    if not text:
        return ctx.step(Outbound(text=ctx.t("patrol.ask_text")), state=TEXT, data=ctx.data)
    data = dict(ctx.data) | {"parts": [text]}
    grid = await _grid(ctx, int(data["grid_id"]))
    button = choice(ctx.t("patrol.own_grid", grid=grid.name), WHERE, "grid")
    return ctx.step(Outbound(text=ctx.t("patrol.ask_where", grid=grid.name), buttons=(button,)), state=WHERE, data=data)


async def _grid(ctx: Context, grid_id: int) -> Unit:
    """Return a grid unit."""
    grid = await ctx.uow.units.get(grid_id)
    if grid is None:
        raise UserError(ctx.t("patrol.not_grid_member"))
    return grid


async def grid_place(ctx: Context, grid_id: int, address: str | None = None) -> Place:
    """Return the place of a grid: the grid, its community and street, at its centre."""
    grid = await _grid(ctx, grid_id)
    community = await ctx.uow.units.get(grid.parent_id) if grid.parent_id is not None else None
    street_id = community.parent_id if community is not None else None
    return Place(GRID_SOURCE, grid.name, grid.id, community.id if community else None, street_id, 1.0, grid.centre_lat, grid.centre_lon, address)


async def _where_choice(ctx: Context, value: str) -> Step:
    """Take the own grid."""
    if value != "grid":
        raise UserError(ctx.t("errors.unknown_button"))
    return await _confirm(ctx, dict(ctx.data), await grid_place(ctx, int(ctx.data["grid_id"])))


async def _where_text(ctx: Context) -> Step:
    """Take a typed place; one the gazetteer does not know stays the address, in the own grid."""
    text = ctx.inbound.payload.strip()[:200]
    place = ctx.services.places.by_text(text)
    if not place.known:
        place = await grid_place(ctx, int(ctx.data["grid_id"]), address=text)
    return await _confirm(ctx, dict(ctx.data), place)


async def _where_location(ctx: Context) -> Step:
    """Take a shared location."""
    assert ctx.inbound.location is not None
    lat, lon = ctx.inbound.location
    place = ctx.services.places.by_coordinate(lat, lon)
    if not place.known:
        place = await grid_place(ctx, int(ctx.data["grid_id"]))
        place = Place(place.source, place.label, place.grid_id, place.community_id, place.street_id, place.confidence, lat, lon)
    return await _confirm(ctx, dict(ctx.data), place)


async def _confirm(ctx: Context, data: dict[str, Any], place: Place) -> Step:
    """Classify the text and show the summary: 上报, 已就地解决 or 取消."""
    result = ctx.services.classifier.classify(" ".join(data["parts"]))
    data = data | {"place": place.to_data(), "department": result.department, "confidence": round(result.confidence, 3), "reason": result.reason_zh}
    department = ctx.department_names.get(result.department, ctx.t("patrol.command_center"))
    text = ctx.t("patrol.summary", text=" ".join(data["parts"]), place=place.address or place.label, department=department, photos=len(data["photos"]))
    buttons = (
        choice(ctx.t("patrol.submit"), CONFIRM, "submit"),
        choice(ctx.t("patrol.fixed"), CONFIRM, "fixed"),
        choice(ctx.t("patrol.cancel"), CONFIRM, "cancel"),
    )
    return ctx.step(Outbound(text=text, buttons=buttons), state=CONFIRM, data=data)


def _new_case(ctx: Context, data: dict[str, Any], request_type: str) -> NewCase:
    """Return the case a patrol report files: the grid member is its reporter, without contact."""
    place = Place.from_data(data["place"])
    return NewCase(
        resident_person_id=ctx.person.id,
        text=" ".join(data["parts"]),
        request_type=request_type,
        photos=tuple(data["photos"]),
        lat=place.lat,
        lon=place.lon,
        address=place.address or place.label,
        grid_id=place.grid_id,
        community_id=place.community_id,
        street_id=place.street_id,
        jurisdiction_source=place.source,
        department_code=data["department"],
        classifier_confidence=data.get("confidence"),
        classifier_reason=str(data.get("reason", ""))[:250] or None,
        source=PATROL_SOURCE,
    )


def _actor(ctx: Context, data: dict[str, Any]) -> Actor:
    """Return the grid member acting in their grid."""
    return Actor(Role.GRID_MEMBER, ctx.person.id, int(data["grid_id"]))


async def _confirm_choice(ctx: Context, value: str) -> Step:
    """File the report, or go on to the fix's photo, or drop it."""
    data = dict(ctx.data)
    if value == "cancel":
        return ctx.step(Outbound(text=ctx.t("patrol.cancelled")))
    if value == "fixed":
        return ctx.step(Outbound(text=ctx.t("patrol.ask_fix_photo")), state=FIX_PHOTO, data=data)
    if value != "submit":
        raise UserError(ctx.t("errors.unknown_button"))
    kind = ctx.services.classifier.guess_request_type(" ".join(data["parts"]))
    opened = await open_case(ctx, _new_case(ctx, data, kind), actor=_actor(ctx, data), limited=False)
    if opened.destination.triage:
        return ctx.step(Outbound(text=ctx.t("patrol.submitted_triage", number=opened.case.number)))
    return ctx.step(Outbound(text=ctx.t("patrol.submitted", number=opened.case.number, unit=opened.destination.unit.name)))


async def _fix_photo(ctx: Context) -> Step:
    """Keep the photo of the fix and ask what was done."""
    data = dict(ctx.data) | {"fix_photo": _photo_of(ctx)}
    return ctx.step(Outbound(text=ctx.t("patrol.ask_fix_note")), state=FIX_NOTE, data=data)


async def _fix_photo_needed(ctx: Context) -> Step:
    """Insist on the photo of the fix."""
    return ctx.step(Outbound(text=ctx.t("patrol.ask_fix_photo")), state=FIX_PHOTO, data=ctx.data)


async def _fix_note(ctx: Context) -> Step:
    """File the case at the grid, sign and complete it as the grid member (就地解决): it closes at once."""
    note = ctx.inbound.payload.strip()[:MAX_TEXT]
    if not note:
        return ctx.step(Outbound(text=ctx.t("patrol.ask_fix_note")), state=FIX_NOTE, data=ctx.data)
    data = dict(ctx.data)
    actor = _actor(ctx, data)
    grid = await _grid(ctx, actor.unit_id or 0)
    kind = ctx.services.classifier.guess_request_type(" ".join(data["parts"]))
    opened = await open_case(ctx, _new_case(ctx, data, kind), actor=actor, limited=False, to=grid, tell_unit=False)
    case = opened.case
    await perform(ctx, case.id, Request(Action.SIGN, actor, ctx.now), tell_resident=False, tell_unit=False)
    complete = Request(Action.COMPLETE, actor, ctx.now, note=note, attachments=(str(data["fix_photo"]),))
    await perform(ctx, case.id, complete, tell_resident=False, tell_unit=False)
    return ctx.step(Outbound(text=ctx.t("patrol.fixed_done", number=case.number)))


STATES: dict[str, State] = {
    PHOTO: State(PHOTO, on_text=_photo_needed, on_photo=_first_photo, hint_key="patrol.need_photo"),
    TEXT: State(TEXT, on_text=_text, on_photo=_more_photo, hint_key="patrol.ask_text"),
    WHERE: State(WHERE, on_text=_where_text, on_location=_where_location, on_choice=_where_choice, hint_key="patrol.ask_where_again"),
    CONFIRM: State(CONFIRM, on_choice=_confirm_choice, hint_key="patrol.press_a_button"),
    FIX_PHOTO: State(FIX_PHOTO, on_text=_fix_photo_needed, on_photo=_fix_photo, hint_key="patrol.ask_fix_photo"),
    FIX_NOTE: State(FIX_NOTE, on_text=_fix_note, hint_key="patrol.ask_fix_note"),
}
