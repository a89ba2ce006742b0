"""Posting a wish: category → wish → photo → wished-by date → contact → (place) → confirm.

A resident posts for themself (their registered community, or the place they name); a grid
member or community worker posts on behalf of someone in their unit's community.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from handlers.buttons import choice
from handlers.codec import parse_id
from handlers.contact import mask_phone
from handlers.core import Context, Step, UserError
from handlers.flow import State
from handlers.menu import main_menu
from handlers.messages import Button, Outbound
from handlers.wishes.access import posting_community
from handlers.wishes.notify import tell_community
from storage.cases.lifecycle import Role
from storage.wishes.use_cases import CATEGORIES, NewWish, post_wish

CATEGORY, TEXT, PHOTO, BY, CONTACT, PLACE, CONFIRM = (
    "wish.category", "wish.text", "wish.photo", "wish.by", "wish.contact", "wish.place", "wish.confirm",
)
MAX_TEXT = 500
MAX_CONTACT = 200
MAX_AHEAD_DAYS = 366
PERIODS = {"week": 7, "month": 30, "quarter": 90}
TYPED_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


async def start_self(ctx: Context) -> Step:
    """Begin a wish the resident posts for themself."""
    unit_id = ctx.person.registered_unit_id
    unit = await ctx.uow.units.get(unit_id) if unit_id is not None else None
    community = unit.id if unit is not None and unit.kind == "community" else None
    return _ask_category(ctx, {"for": "self", "community_id": community, "photos": []})


async def start_for(ctx: Context) -> Step:
    """Begin a wish a grid member or community worker posts on behalf of someone."""
    community = await posting_community(ctx)
    if community is None:
        raise UserError(ctx.t("wish.only_staff_post"))
    return _ask_category(ctx, {"for": "other", "community_id": community, "photos": []})


def _ask_category(ctx: Context, data: dict[str, Any]) -> Step:
    """Ask who the wish is for."""
    buttons = tuple(choice(ctx.t(f"wish.category.{code}"), CATEGORY, code) for code in CATEGORIES)
    return ctx.step(Outbound(text=ctx.t(f"wish.post.ask_category_{data['for']}"), buttons=buttons), state=CATEGORY, data=data)


async def _on_category(ctx: Context, value: str) -> Step:
    """Record the category and ask for the wish."""
    if value not in CATEGORIES:
        raise UserError(ctx.t("errors.expired_button"))
    return ctx.step(Outbound(text=ctx.t("wish.post.ask_text", limit=MAX_TEXT)), state=TEXT, data=ctx.data | {"category": value})


async def _on_text(ctx: Context) -> Step:
    """Record the wish and offer to add a photo."""
    text = ctx.inbound.payload.strip()
    if not text:
        return ctx.step(Outbound(text=ctx.t("wish.post.ask_text", limit=MAX_TEXT)), state=TEXT, data=ctx.data)
    return _ask_photo(ctx, ctx.data | {"text": text[:MAX_TEXT]}, "wish.post.ask_photo")


def _ask_photo(ctx: Context, data: dict[str, Any], key: str) -> Step:
    """Offer to add a photo, with a button to skip it."""
    buttons = (choice(ctx.t("wish.post.skip_photo"), PHOTO, "skip"),)
    return ctx.step(Outbound(text=ctx.t(key), buttons=buttons), state=PHOTO, data=data)


async def _photo_text(ctx: Context) -> Step:
    """Answer text sent instead of a photo by offering the photo step again."""
    return _ask_photo(ctx, dict(ctx.data), "wish.post.photo_hint")


async def _on_photo(ctx: Context) -> Step:
    """Take the wish's photo and ask by when."""
    return _ask_by(ctx, ctx.data | {"photos": [ctx.inbound.photo or ctx.inbound.payload]})


async def _skip_photo(ctx: Context, value: str) -> Step:
    """Go on without a photo."""
    if value != "skip":
        raise UserError(ctx.t("errors.expired_button"))
    return _ask_by(ctx, dict(ctx.data))


def _ask_by(ctx: Context, data: dict[str, Any]) -> Step:
    """Ask by when the wish should come true."""
    buttons = tuple(choice(ctx.t(f"wish.post.by_{code}"), BY, code) for code in PERIODS)
    return ctx.step(Outbound(text=ctx.t("wish.post.ask_by"), buttons=buttons), state=BY, data=data)


def _today(ctx: Context) -> date:
    """Return today's date in the configured time zone."""
    return ctx.now.astimezone(ctx.services.tz).date()


async def _by_choice(ctx: Context, value: str) -> Step:
    """Take one of the offered periods."""
    if value not in PERIODS:
        raise UserError(ctx.t("errors.expired_button"))
    return await _ask_contact(ctx, ctx.data | {"by": (_today(ctx) + timedelta(days=PERIODS[value])).isoformat()})


async def _by_text(ctx: Context) -> Step:
    """Take a typed date (YYYY-MM-DD), between tomorrow and a year from now."""
    match = TYPED_DATE.search(ctx.inbound.payload)
    try:
        wished = date(int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None
    except ValueError:
        wished = None
    today = _today(ctx)
    if wished is None or not today < wished <= today + timedelta(days=MAX_AHEAD_DAYS):
        raise UserError(ctx.t("wish.post.bad_date"))
    return await _ask_contact(ctx, ctx.data | {"by": wished.isoformat()})


async def _ask_contact(ctx: Context, data: dict[str, Any]) -> Step:
    """Ask how the beneficiary can be reached (kept private: only the community sees it)."""
    buttons: tuple[Button, ...] = ()
    if data["for"] == "self" and ctx.person.phone:
        buttons = (choice(ctx.t("wish.post.use_phone", phone=mask_phone(ctx.person.phone)), CONTACT, "registered"),)
    reply = Outbound(text=ctx.t(f"wish.post.ask_contact_{data['for']}"), buttons=buttons)
    return ctx.step(reply, state=CONTACT, data=data)


async def _contact_text(ctx: Context) -> Step:
    """Take the typed contact."""
    contact = " ".join(ctx.inbound.payload.split())[:MAX_CONTACT]
    if len(contact) < 2:
        raise UserError(ctx.t(f"wish.post.ask_contact_{ctx.data['for']}"))
    return await _after_contact(ctx, ctx.data | {"contact": contact})


async def _contact_choice(ctx: Context, value: str) -> Step:
    """Use the resident's registered phone."""
    if value != "registered" or not ctx.person.phone:
        raise UserError(ctx.t("errors.expired_button"))
    return await _after_contact(ctx, ctx.data | {"contact": f"{ctx.person.name} {ctx.person.phone}"})


async def _after_contact(ctx: Context, data: dict[str, Any]) -> Step:
    """Ask where the beneficiary lives when the community is not known yet, else confirm."""
    if data.get("community_id") is None:
        return await _ask_place(ctx, data, "wish.post.ask_place")
    return await _ask_confirm(ctx, data)


async def _ask_place(ctx: Context, data: dict[str, Any], key: str) -> Step:
    """Ask for the beneficiary's compound or community, offering the communities as buttons."""
    communities = await ctx.uow.units.of_kind("community")
    buttons = tuple(choice(unit.name, PLACE, str(unit.id)) for unit in communities[:12])
    return ctx.step(Outbound(text=ctx.t(key), buttons=buttons), state=PLACE, data=data)


async def _place_text(ctx: Context) -> Step:
    """Resolve a typed compound, road or community to its community."""
    place = ctx.services.places.by_text(ctx.inbound.payload.strip()[:200])
    if place.community_id is None:
        return await _ask_place(ctx, dict(ctx.data), "wish.post.place_not_found")
    return await _ask_confirm(ctx, ctx.data | {"community_id": place.community_id})


async def _place_choice(ctx: Context, value: str) -> Step:
    """Take the community picked from the buttons."""
    unit_id = parse_id(value)
    unit = await ctx.uow.units.get(unit_id) if unit_id is not None else None
    if unit is None or unit.kind != "community":
        raise UserError(ctx.t("errors.expired_button"))
    return await _ask_confirm(ctx, ctx.data | {"community_id": unit.id})


async def _ask_confirm(ctx: Context, data: dict[str, Any]) -> Step:
    """Show the wish as it will be sent for review."""
    unit = await ctx.uow.units.get(int(data["community_id"]))
    text = ctx.t(
        "wish.post.summary",
        category=ctx.t(f"wish.category.{data['category']}"),
        text=data["text"],
        photos=len(data["photos"]),
        by=data["by"],
        contact=data["contact"],
        community=unit.name if unit else "—",
    )
    buttons = (choice(ctx.t("wish.post.submit"), CONFIRM, "submit"), choice(ctx.t("wish.post.cancel"), CONFIRM, "cancel"))
    return ctx.step(Outbound(text=text, buttons=buttons), state=CONFIRM, data=data)


async def _confirm_choice(ctx: Context, value: str) -> Step:
    """Submit the wish for review, or drop it."""
    if value == "cancel":
        return ctx.step(main_menu(ctx, "cancel.done"))
    if value != "submit":
        raise UserError(ctx.t("errors.expired_button"))
    data = ctx.data
    own = data["for"] == "self"
    role = Role.RESIDENT.value if own else await _staff_role(ctx)
    new = NewWish(
        category=data["category"],
        text=data["text"],
        wished_by=date.fromisoformat(data["by"]),
        contact=data["contact"],
        community_id=int(data["community_id"]),
        poster_person_id=ctx.person.id,
        poster_role=role,
        beneficiary_person_id=ctx.person.id if own else None,
        photos=tuple(data["photos"]),
    )
    wish, event = await post_wish(ctx.uow.session, new, ctx.now)
    await tell_community(ctx, wish, "wish.notice.posted", f"wish:{wish.id}:event:{event.id}")
    return ctx.step(Outbound(text=ctx.t("wish.post.done", id=wish.id)), main_menu(ctx))


async def _staff_role(ctx: Context) -> str:
    """Return the role a staff member posts in (grid member or community)."""
    roles = [b.role for b in await ctx.bindings() if b.role in (Role.GRID_MEMBER, Role.COMMUNITY)]
    return roles[0] if roles else Role.RESIDENT.value


STATES: dict[str, State] = {
    CATEGORY: State(CATEGORY, on_choice=_on_category, hint_key="errors.use_buttons"),
    TEXT: State(TEXT, on_text=_on_text),
    PHOTO: State(PHOTO, on_text=_photo_text, on_photo=_on_photo, on_choice=_skip_photo),
    BY: State(BY, on_text=_by_text, on_choice=_by_choice),
    CONTACT: State(CONTACT, on_text=_contact_text, on_choice=_contact_choice),
    PLACE: State(PLACE, on_text=_place_text, on_choice=_place_choice),
    CONFIRM: State(CONFIRM, on_choice=_confirm_choice, hint_key="errors.use_buttons"),
}
