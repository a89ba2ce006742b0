"""核销: the provider's staff type the volunteer's redemption code, see what it is for, and confirm the reward
was handed over. A code is used once; an expired one says its points went back."""

from __future__ import annotations

from handlers.buttons import button
from handlers.core import Context, Step, UserError, local_time
from handlers.flow import State
from handlers.lovebank.access import masked, may_hand_over, refuse, require_keeper
from handlers.lovebank.buttons import LoveVoucher
from handlers.lovebank.notify import push
from handlers.messages import Outbound
from handlers.texts import Texts
from storage.lovebank.codes import format_voucher, normalise
from storage.lovebank.redemptions import EXPIRED, HANDED, by_code, get_redemption, hand_over
from storage.models.lovebank import Redemption, Reward

VERIFY = "lb.verify"
MAX_CODE = 40


async def ask_code(ctx: Context) -> Step:
    """Ask the provider's staff for the code the volunteer shows."""
    await require_keeper(ctx)
    return ctx.step(Outbound(text=ctx.t("lovebank.verify.ask")), state=VERIFY)


async def _card(ctx: Context, redemption: Redemption, reward: Reward) -> Step:
    """Show what a code is for and where it stands, with the hand-over button while it is open."""
    if not await may_hand_over(ctx, reward):
        raise refuse(ctx, "lovebank.verify.not_yours", f"redemption {redemption.id} of another unit")
    person = await ctx.uow.people.get(redemption.person_id)
    head = ctx.t(
        "lovebank.verify.card",
        code=format_voucher(redemption.code),
        name=reward.name,
        person=masked(person.name if person else ""),
        points=redemption.points,
        at=ctx.local(redemption.created_at),
    )
    if redemption.status == HANDED:
        return ctx.step(Outbound(text="\n".join([head, ctx.t("lovebank.verify.used", at=ctx.local(redemption.handed_at))])))
    if redemption.status == EXPIRED or redemption.expires_at <= ctx.now:
        return ctx.step(Outbound(text="\n".join([head, ctx.t("lovebank.verify.expired")])))
    line = ctx.t("lovebank.verify.open", until=ctx.local(redemption.expires_at))
    hand = button(ctx.t("lovebank.verify.hand"), LoveVoucher("hand", redemption.id))
    return ctx.step(Outbound(text="\n".join([head, line]), buttons=(hand,)))


async def look_up(ctx: Context, typed: str) -> Step:
    """Show the redemption a typed code names (to staff who may hand its reward over)."""
    await require_keeper(ctx)
    code = normalise(typed[:MAX_CODE])
    found = await by_code(ctx.uow.session, code) if code else None
    if found is None:
        raise UserError(ctx.t("lovebank.verify.unknown"))
    return await _card(ctx, *found)


async def _typed(ctx: Context) -> Step:
    """Look up the code typed in answer to the question."""
    return await look_up(ctx, ctx.inbound.payload)


async def hand(ctx: Context, data: LoveVoucher) -> Step:
    """Confirm the reward was handed over: the code is used up and the volunteer is told."""
    found = await get_redemption(ctx.uow.session, data.redemption_id) if data.op == "hand" else None
    if found is None:
        raise refuse(ctx, "errors.unknown_button", f"voucher op {data.op!r} on {data.redemption_id}")
    await require_keeper(ctx)
    redemption, reward = found
    if not await may_hand_over(ctx, reward):
        raise refuse(ctx, "lovebank.verify.not_yours", f"handing over redemption {redemption.id}")
    if not await hand_over(ctx.uow.session, redemption.id, ctx.person.id, ctx.now):
        fresh = await get_redemption(ctx.uow.session, redemption.id)
        assert fresh is not None
        return await _card(ctx, *fresh)  # used or expired a moment ago: say so
    code = format_voucher(redemption.code)

    def notice(copy: Texts) -> Outbound:
        return Outbound(text=copy.t("lovebank.notice.handed", name=reward.name, code=code, at=local_time(copy, ctx.services.tz, ctx.now)))

    await push(ctx.uow, redemption.person_id, notice, f"lovebank:handed:{redemption.id}", ctx.now, texts=ctx.services.texts)
    return ctx.step(Outbound(text=ctx.t("lovebank.verify.done", name=reward.name, code=code)))


STATES: dict[str, State] = {VERIFY: State(VERIFY, on_text=_typed, hint_key="lovebank.verify.ask")}
