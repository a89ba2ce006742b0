"""Micro-wishes (微心愿) in chat: the menus, the lists and the cards. The flow is drawn in handlers/wishes/wishes.md.

Residents post and follow their own wishes; grid members and community workers post on behalf of
someone; the community reviews and confirms; party members browse the public texts and claim.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from handlers.buttons import WishCard, WishMenu, WishPage, button
from handlers.core import Context, Step, UserError
from handlers.messages import Button, Outbound
from handlers.wishes.access import (
    View,
    community_units,
    require_party_member,
    wish_for,
)
from handlers.wishes.post import start_for, start_self
from handlers.wishes.view import card, line_for
from storage.cases.lifecycle import Role
from storage.models.wishes import Wish
from storage.wishes.use_cases import DONE, PENDING, PUBLISHED, claims_of, in_states, of_person

PAGE_SIZE = 5
STAFF_ITEMS: dict[Role, tuple[str, ...]] = {
    Role.PARTY_MEMBER: ("browse", "claims"),
    Role.COMMUNITY: ("review", "confirm", "post_for"),
    Role.GRID_MEMBER: ("post_for",),
}


async def start(ctx: Context) -> Step:
    """Open the resident's wish menu: post a wish, or see my wishes."""
    buttons = tuple(button(ctx.t(f"wish.menu.{item}"), WishMenu(item)) for item in ("post", "mine"))
    return ctx.step(Outbound(text=ctx.t("wish.menu.prompt"), buttons=buttons))


async def staff_buttons(ctx: Context) -> list[Button]:
    """Return the staff-menu wish entries the sender's roles open."""
    roles = {b.role for b in await ctx.bindings()}
    items: dict[str, None] = {}
    for role, entries in STAFF_ITEMS.items():
        if role.value in roles:
            items.update(dict.fromkeys(entries))
    return [button(ctx.t(f"wish.menu.{item}"), WishMenu(item)) for item in items]


async def _wishes_of_list(ctx: Context, which: str, community: int) -> tuple[list[Wish], View]:
    """Return the wishes of a list and how the sender sees them there."""
    session = ctx.uow.session
    if which == "mine":
        return list(await of_person(session, ctx.person.id)), View.OWNER
    if which in ("browse", "claims"):
        await require_party_member(ctx)
        if which == "claims":
            return list(await claims_of(session, ctx.person.id)), View.CLAIMANT
        return list(await in_states(session, [PUBLISHED], community_ids=[community] if community else None)), View.PARTY
    if which in ("review", "confirm"):
        units = await community_units(ctx)
        if not units:
            raise UserError(ctx.t("wish.only_community"))
        status = PENDING if which == "review" else DONE
        return list(await in_states(session, [status], community_ids=units)), View.COMMUNITY
    raise UserError(ctx.t("errors.unknown_button"))


def _paging(ctx: Context, data: WishPage, total: int) -> list[Button]:
    """Return the previous/next buttons of a page."""
    buttons = []
    if data.page > 0:
        buttons.append(button(ctx.t("cases.previous"), WishPage(data.list, data.page - 1, data.community)))
    if total > (data.page + 1) * PAGE_SIZE:
        buttons.append(button(ctx.t("cases.next"), WishPage(data.list, data.page + 1, data.community)))
    return buttons


async def show_list(ctx: Context, data: WishPage) -> Step:
    """Show one page of a wish list, with a button per wish."""
    wishes, view = await _wishes_of_list(ctx, data.list, data.community)
    shown: Sequence[Wish] = wishes[data.page * PAGE_SIZE : (data.page + 1) * PAGE_SIZE]
    extra = [button(ctx.t("wish.menu.filter"), WishMenu("filter"))] if data.list == "browse" else []
    if not shown:
        return ctx.step(Outbound(text=ctx.t(f"wish.list.{data.list}.empty"), buttons=tuple(extra)))
    lines = [ctx.t(f"wish.list.{data.list}.title", count=len(wishes), page=data.page + 1)]
    lines += [await line_for(ctx, wish, view) for wish in shown]
    buttons = [button(ctx.t("wish.open", id=wish.id), WishCard(wish.id)) for wish in shown]
    buttons += _paging(ctx, data, len(wishes)) + extra
    return ctx.step(Outbound(text="\n".join(lines), buttons=tuple(buttons)))


async def _filter(ctx: Context) -> Step:
    """Offer the communities to filter the browse list by."""
    await require_party_member(ctx)
    communities = await ctx.uow.units.of_kind("community")
    buttons = [button(ctx.t("wish.all_communities"), WishPage("browse", 0, 0))]
    buttons += [button(unit.name, WishPage("browse", 0, unit.id)) for unit in communities]
    return ctx.step(Outbound(text=ctx.t("wish.ask_filter"), buttons=tuple(buttons)))


MENU: dict[str, Callable[[Context], Awaitable[Step]]] = {
    "post": start_self,
    "post_for": start_for,
    "filter": _filter,
}


async def open_menu_item(ctx: Context, data: WishMenu) -> Step:
    """Open a wish menu entry: a flow, the community filter, or the first page of a list."""
    handler = MENU.get(data.item)
    if handler is not None:
        return await handler(ctx)
    return await show_list(ctx, WishPage(data.item, 0, 0))


async def show_card(ctx: Context, data: WishCard) -> Step:
    """Show a wish's card as the sender may see it."""
    wish, view = await wish_for(ctx, data.wish_id)
    return ctx.step(await card(ctx, wish, view))
