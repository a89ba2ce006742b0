"""How a wish is shown: list lines and cards per viewer (party members only ever see the public text)."""

from __future__ import annotations

from handlers.buttons import WishOp, button
from handlers.casework import summary
from handlers.core import Context
from handlers.lovebank import teams as lovebank_teams
from handlers.messages import Button, Outbound
from handlers.wishes.access import View
from storage.models.wishes import Wish
from storage.wishes.redact import Redaction, gazetteer_places, names_in_contact, redact
from storage.wishes.use_cases import CLAIMED, DONE, FULFILLED, PENDING, PUBLISHED, REJECTED


def category_label(ctx: Context, wish: Wish) -> str:
    """Return the beneficiary category's label."""
    return ctx.t(f"wish.category.{wish.category}")


def status_label(ctx: Context, wish: Wish) -> str:
    """Return the wish status's label."""
    return ctx.t(f"wish.status.{wish.status}")


async def community_name(ctx: Context, wish: Wish) -> str:
    """Return the name of the wish's community."""
    unit = await ctx.uow.units.get(wish.community_id)
    return unit.name if unit else "—"


async def person_name(ctx: Context, person_id: int | None) -> str:
    """Return a person's name, or a dash."""
    person = await ctx.uow.people.get(person_id) if person_id is not None else None
    return person.name if person else "—"


async def proposal(ctx: Context, wish: Wish) -> Redaction:
    """Propose the public text of a wish: the poster's, beneficiary's and contact's names, numbers and places removed."""
    names = [await person_name(ctx, wish.poster_person_id), *names_in_contact(wish.contact)]
    if wish.beneficiary_person_id is not None:
        names.append(await person_name(ctx, wish.beneficiary_person_id))
    return redact(wish.text, [n for n in names if n != "—"], await gazetteer_places(ctx.uow.session))


def _flags_line(ctx: Context, redaction: Redaction) -> str:
    """Describe what the proposal removed."""
    if not redaction.flags:
        return ctx.t("wish.card.no_flags")
    found = ctx.t("wish.format.separator").join(f"{ctx.t(f'wish.flag.{f.kind}')} {f.found}" for f in redaction.flags)
    return ctx.t("wish.card.flags", found=found)


async def public_line(ctx: Context, wish: Wish) -> str:
    """Return a browse-list line: public text only."""
    return ctx.t(
        "wish.list_line",
        id=wish.id,
        community=await community_name(ctx, wish),
        category=category_label(ctx, wish),
        summary=summary(wish.public_text or ""),
        by=wish.wished_by.isoformat(),
    )


async def private_line(ctx: Context, wish: Wish) -> str:
    """Return a list line for the community or the owner (the original text)."""
    return ctx.t("wish.private_line", id=wish.id, status=status_label(ctx, wish), category=category_label(ctx, wish), summary=summary(wish.text))


async def line_for(ctx: Context, wish: Wish, view: View) -> str:
    """Return the list line a viewer may see."""
    if view in (View.COMMUNITY, View.OWNER):
        return await private_line(ctx, wish)
    return await public_line(ctx, wish)


def _head(ctx: Context, wish: Wish, community: str) -> str:
    """Return the first line of a card."""
    return ctx.t("wish.card.head", id=wish.id, category=category_label(ctx, wish), community=community, status=status_label(ctx, wish))


async def _claim_line(ctx: Context, wish: Wish) -> list[str]:
    """Describe who claimed a wish (for the community and the owner)."""
    if wish.claimant_person_id is None:
        return []
    name = await person_name(ctx, wish.claimant_person_id)
    group = ctx.t("wish.card.group", group=wish.claim_group) if wish.claim_group else ""
    return [ctx.t("wish.card.claimant", name=name, group=group)]


def _outcome_lines(ctx: Context, wish: Wish) -> list[str]:
    """Describe a reported or confirmed fulfilment."""
    lines = []
    if wish.status in (DONE, FULFILLED) and wish.fulfilled_at is not None:
        lines.append(ctx.t("wish.card.done", at=ctx.local(wish.fulfilled_at), note=wish.fulfil_note or "—", photos=len(wish.fulfil_photos)))
    if wish.status == FULFILLED and wish.story:
        lines.append(ctx.t("wish.card.story", story=wish.story))
    return lines


def _op(ctx: Context, op: str, wish: Wish) -> Button:
    """Return a button for an action on a wish."""
    return button(ctx.t(f"wish.op.{op}"), WishOp(op, wish.id))


async def _community_card(ctx: Context, wish: Wish) -> tuple[list[str], list[Button]]:
    """Return the community's card: everything, and the review or confirmation actions."""
    lines = [
        ctx.t("wish.card.text", text=wish.text),
        ctx.t("wish.card.contact", contact=wish.contact),
        ctx.t("wish.card.poster", name=await person_name(ctx, wish.poster_person_id), role=ctx.t(f"roles.{wish.poster_role}")),
        ctx.t("wish.card.by", by=wish.wished_by.isoformat()),
    ]
    buttons: list[Button] = []
    if wish.status == PENDING:
        redaction = await proposal(ctx, wish)
        lines += [ctx.t("wish.card.proposal", text=redaction.text), _flags_line(ctx, redaction)]
        if wish.photos:
            lines.append(ctx.t("wish.card.photo_public"))
        buttons = [_op(ctx, "approve", wish), _op(ctx, "own", wish), _op(ctx, "reject", wish)]
    elif wish.status == REJECTED:
        lines.append(ctx.t("wish.card.rejected", reason=wish.reject_reason or "—"))
    else:
        lines.append(ctx.t("wish.card.public", text=wish.public_text or ""))
    lines += await _claim_line(ctx, wish)
    lines += _outcome_lines(ctx, wish)
    if wish.status == DONE:
        buttons.append(_op(ctx, "confirm", wish))
    return lines, buttons


async def _owner_card(ctx: Context, wish: Wish) -> tuple[list[str], list[Button]]:
    """Return the poster's or beneficiary's card: their own text, progress, and confirmation."""
    lines = [ctx.t("wish.card.text", text=wish.text), ctx.t("wish.card.by", by=wish.wished_by.isoformat())]
    if wish.status == REJECTED:
        lines.append(ctx.t("wish.card.rejected", reason=wish.reject_reason or "—"))
    if wish.public_text:
        lines.append(ctx.t("wish.card.public", text=wish.public_text))
    lines += await _claim_line(ctx, wish)
    lines += _outcome_lines(ctx, wish)
    buttons = [_op(ctx, "confirm", wish)] if wish.status == DONE and wish.beneficiary_person_id == ctx.person.id else []
    return lines, buttons


def _public_card(ctx: Context, wish: Wish, view: View) -> tuple[list[str], list[Button]]:
    """Return a party member's or the claimant's card: the public text only."""
    lines = [ctx.t("wish.card.public", text=wish.public_text or ""), ctx.t("wish.card.by", by=wish.wished_by.isoformat())]
    lines += _outcome_lines(ctx, wish)
    buttons: list[Button] = []
    if view is View.PARTY and wish.status == PUBLISHED:
        buttons = [_op(ctx, "claim", wish), _op(ctx, "group", wish)]
    elif view is View.CLAIMANT and wish.status == CLAIMED:
        lines.append(ctx.t("wish.card.claimed_by_you"))
        buttons = [_op(ctx, "done", wish), _op(ctx, "release", wish)]
    return lines, buttons


async def card(ctx: Context, wish: Wish, view: View) -> Outbound:
    """Render a wish's card for a viewer."""
    if view is View.COMMUNITY:
        lines, buttons = await _community_card(ctx, wish)
    elif view is View.OWNER:
        lines, buttons = await _owner_card(ctx, wish)
    else:
        lines, buttons = _public_card(ctx, wish, view)
        if view is View.CLAIMANT and wish.status == CLAIMED and wish.claim_group:
            lines += await lovebank_teams.card_lines(ctx, wish)
    image = wish.photos[0] if wish.photos else None
    if wish.status in (DONE, FULFILLED) and wish.fulfil_photos:
        image = wish.fulfil_photos[0]
    text = "\n".join([_head(ctx, wish, await community_name(ctx, wish)), *lines])
    return Outbound(text=text, buttons=tuple(buttons), image=image)
