"""Actions on a wish: review (approve, own text, reject), claim (alone or as a group, with a team code),
release, fulfil, confirm (crediting the claimant's or the team's points in the same transaction).

Each action checks the sender's bound role and unit first, then makes one guarded transition in
storage.wishes.use_cases; a transition that finds the wish moved on (someone else claimed it a moment ago)
is answered politely.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.buttons import WishOp, choice
from handlers.core import Context, Step, UserError
from handlers.flow import State
from handlers.lovebank import teams as lovebank_teams
from handlers.lovebank.notify import tell_credits
from handlers.messages import Outbound
from handlers.wishes.access import (
    View,
    require_claimant,
    require_confirmer,
    require_party_member,
    require_reviewer,
    wish_for,
)
from handlers.wishes.notify import tell_community, tell_person
from handlers.wishes.view import card, category_label, community_name, person_name, proposal
from storage.cases.lifecycle import Role
from storage.lovebank.ledger import WISH, entries_for
from storage.models.wishes import Wish
from storage.wishes.redact import leaks
from storage.wishes.use_cases import (
    CLAIMED,
    DONE,
    PENDING,
    PUBLISHED,
    Actor,
    approve,
    claim,
    confirm,
    get_wish,
    open_claims,
    reject,
    release,
    report_done,
)

PUBLIC, REASON, GROUP, FULFIL = "wish.public", "wish.reason", "wish.group", "wish.fulfil"
MAX_PUBLIC = 500
MAX_GROUP = 30
MAX_PHOTOS = 9


def _require_status(ctx: Context, wish: Wish, status: str) -> None:
    """Refuse an action the wish's current status does not allow."""
    if wish.status != status:
        raise UserError(ctx.t("wish.not_now", status=ctx.t(f"wish.status.{wish.status}")))


async def _reviewable(ctx: Context, wish_id: int) -> Wish:
    """Return a pending wish the sender may review."""
    wish, _ = await wish_for(ctx, wish_id)
    await require_reviewer(ctx, wish)
    _require_status(ctx, wish, PENDING)
    return wish


def _reviewer(ctx: Context) -> Actor:
    """Return the sender as the reviewing community worker."""
    return Actor(ctx.person.id, Role.COMMUNITY.value)


async def _publish(ctx: Context, wish: Wish, public_text: str) -> Step:
    """Publish a wish with its public text and tell the poster."""
    event = await approve(ctx.uow.session, wish.id, public_text, _reviewer(ctx), ctx.now)
    if event is None:
        raise UserError(ctx.t("wish.moved_on"))
    await tell_person(ctx, wish.poster_person_id, wish, "wish.notice.approved", f"wish:{wish.id}:event:{event.id}")
    fresh = await _fresh(ctx, wish.id)
    return ctx.step(Outbound(text=ctx.t("wish.done.approve", id=wish.id)), await card(ctx, fresh, View.COMMUNITY))


async def _fresh(ctx: Context, wish_id: int) -> Wish:
    """Reload a wish after a transition."""
    wish = await get_wish(ctx.uow.session, wish_id)
    assert wish is not None
    return wish


async def _approve(ctx: Context, wish_id: int) -> Step:
    """Publish a wish with the proposed (redacted) public text."""
    wish = await _reviewable(ctx, wish_id)
    return await _publish(ctx, wish, (await proposal(ctx, wish)).text)


async def _ask_own(ctx: Context, wish_id: int) -> Step:
    """Ask the reviewer for their own public text."""
    wish = await _reviewable(ctx, wish_id)
    return ctx.step(Outbound(text=ctx.t("wish.ask.public", id=wish.id)), state=PUBLIC, data={"wish_id": wish.id})


async def _own_text(ctx: Context) -> Step:
    """Publish a wish with the reviewer's text, refusing one that still holds a phone or ID number."""
    wish = await _reviewable(ctx, int(ctx.data["wish_id"]))
    text = ctx.inbound.payload.strip()[:MAX_PUBLIC]
    found = leaks(text)
    if not text or found:
        listed = ctx.t("wish.format.separator").join(f"{ctx.t(f'wish.flag.{f.kind}')} {f.found}" for f in found) or "—"
        return ctx.step(Outbound(text=ctx.t("wish.public_leaks", found=listed)), state=PUBLIC, data=ctx.data)
    return await _publish(ctx, wish, text)


async def _ask_reason(ctx: Context, wish_id: int) -> Step:
    """Ask the reviewer why the wish is turned down."""
    wish = await _reviewable(ctx, wish_id)
    return ctx.step(Outbound(text=ctx.t("wish.ask.reason", id=wish.id)), state=REASON, data={"wish_id": wish.id})


async def _reason_text(ctx: Context) -> Step:
    """Turn the wish down and tell the poster why."""
    wish = await _reviewable(ctx, int(ctx.data["wish_id"]))
    reason = ctx.inbound.payload.strip()[:500]
    if not reason:
        raise UserError(ctx.t("wish.ask.reason", id=wish.id))
    event = await reject(ctx.uow.session, wish.id, reason, _reviewer(ctx), ctx.now)
    if event is None:
        raise UserError(ctx.t("wish.moved_on"))
    await tell_person(ctx, wish.poster_person_id, wish, "wish.notice.rejected", f"wish:{wish.id}:event:{event.id}", reason=reason)
    return ctx.step(Outbound(text=ctx.t("wish.done.reject", id=wish.id)))


# ---- claiming ------------------------------------------------------------------------------


async def _claimable(ctx: Context, wish_id: int) -> Wish:
    """Return a wish a party member may claim now, within their cap on open claims."""
    await require_party_member(ctx)
    wish = await get_wish(ctx.uow.session, wish_id)
    if wish is None:
        raise UserError(ctx.t("wish.no_access"))
    if wish.status != PUBLISHED:
        raise UserError(ctx.t("wish.just_taken" if wish.status == CLAIMED else "wish.not_open"))
    cap = ctx.services.wishes.max_open_claims
    if await open_claims(ctx.uow.session, ctx.person.id) >= cap:
        raise UserError(ctx.t("wish.cap_reached", cap=cap))
    return wish


async def _claim(ctx: Context, wish_id: int, group: str | None = None) -> Step:
    """Claim a wish; exactly one of several party members pressing at once wins it."""
    wish = await _claimable(ctx, wish_id)
    event = await claim(ctx.uow.session, wish.id, Actor(ctx.person.id, Role.PARTY_MEMBER.value), group, ctx.now)
    if event is None:
        raise UserError(ctx.t("wish.just_taken"))
    group_text = ctx.t("wish.card.group", group=group) if group else ""
    await tell_community(ctx, wish, "wish.notice.claimed", f"wish:{wish.id}:event:{event.id}", name=ctx.person.name, group=group_text)
    fresh = await _fresh(ctx, wish.id)
    done = ctx.t("wish.done.claim", id=wish.id)
    if group:
        done = "\n".join([done, await lovebank_teams.open_for_claim(ctx, fresh, event)])
    return ctx.step(Outbound(text=done), await card(ctx, fresh, View.CLAIMANT))


async def _ask_group(ctx: Context, wish_id: int) -> Step:
    """Ask for the group (帮帮团) the party member claims for."""
    wish = await _claimable(ctx, wish_id)
    return ctx.step(Outbound(text=ctx.t("wish.ask.group", limit=MAX_GROUP)), state=GROUP, data={"wish_id": wish.id})


async def _group_text(ctx: Context) -> Step:
    """Claim the wish on behalf of the named group."""
    group = " ".join(ctx.inbound.payload.split())[:MAX_GROUP]
    if not group:
        raise UserError(ctx.t("wish.ask.group", limit=MAX_GROUP))
    return await _claim(ctx, int(ctx.data["wish_id"]), group)


async def _release(ctx: Context, wish_id: int) -> Step:
    """Give a claimed wish back to the list."""
    wish, _ = await wish_for(ctx, wish_id)
    require_claimant(ctx, wish)
    _require_status(ctx, wish, CLAIMED)
    event = await release(ctx.uow.session, wish.id, Actor(ctx.person.id, Role.PARTY_MEMBER.value), ctx.now)
    if event is None:
        raise UserError(ctx.t("wish.moved_on"))
    await tell_community(ctx, wish, "wish.notice.released", f"wish:{wish.id}:event:{event.id}", name=ctx.person.name)
    return ctx.step(Outbound(text=ctx.t("wish.done.release", id=wish.id)))


# ---- fulfilment and confirmation -----------------------------------------------------------


async def _ask_fulfil(ctx: Context, wish_id: int) -> Step:
    """Ask the claimant for a photo of the wish come true."""
    wish, _ = await wish_for(ctx, wish_id)
    require_claimant(ctx, wish)
    _require_status(ctx, wish, CLAIMED)
    return ctx.step(Outbound(text=ctx.t("wish.ask.fulfil", id=wish.id)), state=FULFIL, data={"wish_id": wish.id, "photos": []})


async def _fulfil_photo(ctx: Context) -> Step:
    """Collect a photo of the fulfilment."""
    photos = [*ctx.data.get("photos", []), ctx.inbound.photo or ctx.inbound.payload][:MAX_PHOTOS]
    data = ctx.data | {"photos": photos}
    buttons = (choice(ctx.t("wish.post.submit"), FULFIL, "submit"),)
    return ctx.step(Outbound(text=ctx.t("wish.fulfil_photo_noted", count=len(photos)), buttons=buttons), state=FULFIL, data=data)


async def _fulfil_text(ctx: Context) -> Step:
    """Take a closing note and report the fulfilment (a photo is required first)."""
    return await _report(ctx, ctx.inbound.payload.strip()[:500] or None)


async def _fulfil_choice(ctx: Context, value: str) -> Step:
    """Report the fulfilment without a note."""
    if value != "submit":
        raise UserError(ctx.t("errors.expired_button"))
    return await _report(ctx, None)


async def _report(ctx: Context, note: str | None) -> Step:
    """Record the fulfilment with its photos and ask the beneficiary (or the community) to confirm."""
    photos = list(ctx.data.get("photos", []))
    if not photos:
        return ctx.step(Outbound(text=ctx.t("wish.photo_required")), state=FULFIL, data=ctx.data)
    wish, _ = await wish_for(ctx, int(ctx.data["wish_id"]))
    require_claimant(ctx, wish)
    event = await report_done(ctx.uow.session, wish.id, Actor(ctx.person.id, Role.PARTY_MEMBER.value), ctx.now, photos=photos, note=note)
    if event is None:
        raise UserError(ctx.t("wish.moved_on"))
    key = f"wish:{wish.id}:event:{event.id}"
    if wish.beneficiary_person_id is not None:
        await tell_person(ctx, wish.beneficiary_person_id, wish, "wish.notice.confirm_please", key, ops=("confirm",), name=ctx.person.name)
    else:
        await tell_community(ctx, wish, "wish.notice.confirm_community", key, name=ctx.person.name)
    return ctx.step(Outbound(text=ctx.t("wish.done.fulfil", id=wish.id)))


async def _confirm(ctx: Context, wish_id: int) -> Step:
    """Confirm the wish came true, keep its story, and thank the claimant."""
    wish = await get_wish(ctx.uow.session, wish_id)
    if wish is None:
        raise UserError(ctx.t("wish.no_access"))
    role = await require_confirmer(ctx, wish)
    _require_status(ctx, wish, DONE)
    story = await _story(ctx, wish)
    points = ctx.services.lovebank.points_for_wishes()
    event = await confirm(ctx.uow.session, wish.id, Actor(ctx.person.id, role), story, ctx.now, points=points)
    if event is None:
        raise UserError(ctx.t("wish.moved_on"))
    credits = list(await entries_for(ctx.uow.session, WISH, wish.id))
    await tell_credits(ctx.uow, ctx.services.texts, credits, ctx.now)
    await tell_person(ctx, wish.claimant_person_id, wish, "wish.notice.thanks", f"wish:{wish.id}:event:{event.id}", story=story)
    return ctx.step(Outbound(text=ctx.t("wish.done.confirm", id=wish.id, story=story)))


async def _story(ctx: Context, wish: Wish) -> str:
    """Return the short public story of a fulfilled wish."""
    name = await person_name(ctx, wish.claimant_person_id)
    group = ctx.t("wish.card.group", group=wish.claim_group) if wish.claim_group else ""
    return ctx.t(
        "wish.story",
        name=name,
        group=group,
        community=await community_name(ctx, wish),
        category=category_label(ctx, wish),
        text=wish.public_text or "",
    )


OPS: dict[str, Callable[[Context, int], Awaitable[Step]]] = {
    "approve": _approve,
    "own": _ask_own,
    "reject": _ask_reason,
    "claim": _claim,
    "group": _ask_group,
    "release": _release,
    "done": _ask_fulfil,
    "confirm": _confirm,
}


async def run_op(ctx: Context, data: WishOp) -> Step:
    """Run the action a wish button asked for."""
    op = OPS.get(data.op)
    if op is None:
        raise UserError(ctx.t("errors.unknown_button"))
    return await op(ctx, data.wish_id)


STATES: dict[str, State] = {
    PUBLIC: State(PUBLIC, on_text=_own_text),
    REASON: State(REASON, on_text=_reason_text),
    GROUP: State(GROUP, on_text=_group_text),
    FULFIL: State(FULFIL, on_text=_fulfil_text, on_photo=_fulfil_photo, on_choice=_fulfil_choice, hint_key="wish.ask.fulfil_hint"),
}
