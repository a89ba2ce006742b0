"""The love bank's menus: the volunteers' (我的积分, which every start menu opens) and the staff's
爱心银行管理 entry in the work menu, for community workers and the command center."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.buttons import button
from handlers.core import Context, Step
from handlers.lovebank import activities, organise, organiser, points, redeem, rewards, verify
from handlers.lovebank.access import is_command_center, organiser_communities, refuse
from handlers.lovebank.buttons import LoveMenu, LovePage
from handlers.messages import Button, Outbound

ORGANISER_ITEMS = ("org_post", "org_list")
KEEPER_ITEMS = ("reward_add", "rewards_kept", "verify")


async def staff_items(ctx: Context) -> list[str]:
    """Return the love bank work the sender's roles open."""
    items: list[str] = []
    if await organiser_communities(ctx):
        items += ORGANISER_ITEMS
    if items or await is_command_center(ctx):
        items += KEEPER_ITEMS
    return items


async def staff_buttons(ctx: Context) -> list[Button]:
    """Return the work menu's love bank entry for community workers and the command center."""
    return [button(ctx.t("lovebank.menu.org"), LoveMenu("org"))] if await staff_items(ctx) else []


async def show_staff_menu(ctx: Context) -> Step:
    """Show the love bank work the sender may do."""
    items = await staff_items(ctx)
    if not items:
        raise refuse(ctx, "lovebank.only_keeper", "the love bank's work menu")
    buttons = tuple(button(ctx.t(f"lovebank.menu.{item}"), LoveMenu(item)) for item in items)
    return ctx.step(Outbound(text=ctx.t("lovebank.menu.org_prompt"), buttons=buttons))


async def _rewards(ctx: Context) -> Step:
    """Show the first page of the catalogue."""
    return await redeem.show_catalogue(ctx)


async def _activities(ctx: Context) -> Step:
    """Show the first page of the upcoming activities."""
    return await activities.show_upcoming(ctx)


ITEMS: dict[str, Callable[[Context], Awaitable[Step]]] = {
    "points": points.show_points,
    "rewards": _rewards,
    "vouchers": points.show_vouchers,
    "activities": _activities,
    "mine": activities.show_mine,
    "checkin": activities.ask_checkin,
    "org": show_staff_menu,
    "org_post": organise.start,
    "org_list": organiser.show_community_activities,
    "reward_add": rewards.start,
    "rewards_kept": rewards.show_kept,
    "verify": verify.ask_code,
}

PAGES: dict[str, Callable[[Context, int], Awaitable[Step]]] = {
    "history": points.show_history,
    "rewards": redeem.show_catalogue,
    "activities": activities.show_upcoming,
}


async def open_item(ctx: Context, data: LoveMenu) -> Step:
    """Open a love bank menu entry."""
    handler = ITEMS.get(data.item)
    if handler is None:
        raise refuse(ctx, "errors.unknown_button", f"menu item {data.item!r}")
    return await handler(ctx)


async def open_page(ctx: Context, data: LovePage) -> Step:
    """Open a page of a love bank list."""
    handler = PAGES.get(data.list)
    if handler is None:
        raise refuse(ctx, "errors.unknown_button", f"list {data.list!r}")
    return await handler(ctx, data.page)
