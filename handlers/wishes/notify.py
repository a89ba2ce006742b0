"""Tell people about a wish through the outbox: its community's staff, the poster, the claimant."""

from __future__ import annotations

from typing import Any

from handlers.buttons import WishCard, WishOp, button
from handlers.core import Context
from handlers.messages import Button, Outbound
from handlers.pushes import push_to_person
from storage.cases.lifecycle import Role
from storage.models.wishes import Wish


def card_button(ctx: Context, wish: Wish) -> Button:
    """Return the button that opens a wish's card."""
    return button(ctx.t("wish.open", id=wish.id), WishCard(wish.id))


async def _params(ctx: Context, wish: Wish) -> dict[str, Any]:
    """Return what every wish notice may mention (never the contact)."""
    unit = await ctx.uow.units.get(wish.community_id)
    return {"id": wish.id, "category": ctx.t(f"wish.category.{wish.category}"), "community": unit.name if unit else "—"}


async def tell_community(ctx: Context, wish: Wish, key: str, dedupe: str, **params: Any) -> None:
    """Push a notice with the wish's card button to every community worker of its community."""
    text = ctx.t(key, **(await _params(ctx, wish) | params))
    message = Outbound(text=text, buttons=(card_button(ctx, wish),))
    for person in await ctx.uow.people.holders(Role.COMMUNITY.value, wish.community_id):
        await push_to_person(ctx.uow, person.id, message, f"{dedupe}:p{person.id}", ctx.now, kind="wish")


async def tell_person(ctx: Context, person_id: int | None, wish: Wish, key: str, dedupe: str, *, ops: tuple[str, ...] = (), **params: Any) -> None:
    """Push a notice about a wish to one person, with its card button or the given actions."""
    if person_id is None:
        return
    text = ctx.t(key, **(await _params(ctx, wish) | params))
    buttons = tuple(button(ctx.t(f"wish.op.{op}"), WishOp(op, wish.id)) for op in ops) or (card_button(ctx, wish),)
    await push_to_person(ctx.uow, person_id, Outbound(text=text, buttons=buttons), f"{dedupe}:p{person_id}", ctx.now, kind="wish")
