"""Tell people about a wish through the outbox: its community's staff, the poster, the claimant."""

from __future__ import annotations

from typing import Any

from handlers.buttons import WishCard, WishOp, button
from handlers.core import Context
from handlers.messages import Button, Outbound
from handlers.pushes import Render, push_to_person
from handlers.texts import Texts
from storage.cases.lifecycle import Role
from storage.models.wishes import Wish


def card_button(ctx: Context, wish: Wish) -> Button:
    """Return the button that opens a wish's card."""
    return button(ctx.t("wish.open", id=wish.id), WishCard(wish.id))


async def _params(ctx: Context, wish: Wish) -> dict[str, Any]:
    """Return what every wish notice may mention (never the contact)."""
    unit = await ctx.uow.units.get(wish.community_id)
    return {"id": wish.id, "community": unit.name if unit else "—"}


def _render(wish: Wish, key: str, params: dict[str, Any], ops: tuple[str, ...] = ()) -> Render:
    """Return a wish notice written in its reader's language, with the card button or the given actions."""

    def render(texts: Texts) -> Outbound:
        text = texts.t(key, **({"category": texts.t(f"wish.category.{wish.category}")} | params))
        buttons = tuple(button(texts.t(f"wish.op.{op}"), WishOp(op, wish.id)) for op in ops)
        return Outbound(text=text, buttons=buttons or (button(texts.t("wish.open", id=wish.id), WishCard(wish.id)),))

    return render


async def tell_community(ctx: Context, wish: Wish, key: str, dedupe: str, **params: Any) -> None:
    """Push a notice with the wish's card button to every community worker of its community."""
    render = _render(wish, key, await _params(ctx, wish) | params)
    for person in await ctx.uow.people.holders(Role.COMMUNITY.value, wish.community_id):
        await push_to_person(ctx.uow, person.id, render, f"{dedupe}:p{person.id}", ctx.now, kind="wish", texts=ctx.services.texts)


async def tell_person(ctx: Context, person_id: int | None, wish: Wish, key: str, dedupe: str, *, ops: tuple[str, ...] = (), **params: Any) -> None:
    """Push a notice about a wish to one person, with its card button or the given actions."""
    if person_id is None:
        return
    render = _render(wish, key, await _params(ctx, wish) | params, ops)
    await push_to_person(ctx.uow, person_id, render, f"{dedupe}:p{person_id}", ctx.now, kind="wish", texts=ctx.services.texts)
