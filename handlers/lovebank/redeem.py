"""兑换: a volunteer browses the rewards offered in their community, redeems one and gets a one-time code.

Redeeming is one transaction (storage.lovebank.redemptions.redeem): a short balance or an empty
stock is refused politely and changes nothing.
"""

from __future__ import annotations

from handlers.buttons import button
from handlers.core import Context, Step, UserError
from handlers.lovebank.access import home_community
from handlers.lovebank.buttons import LoveMenu, LovePage, LoveReward
from handlers.messages import Button, Outbound
from storage.lovebank.codes import format_voucher
from storage.lovebank.ledger import Overdraw, balance_of
from storage.lovebank.redemptions import Redeemer, RedeemError, redeem
from storage.lovebank.rewards import available, catalogue, get_reward
from storage.models.lovebank import Reward

PAGE = 5


def reward_line(ctx: Context, reward: Reward) -> str:
    """Return one catalogue line."""
    provider = ctx.t("lovebank.reward.provider", provider=reward.provider) if reward.provider else ""
    stock = ctx.t("lovebank.reward.stock", stock=reward.stock) if reward.stock > 0 else ctx.t("lovebank.reward.sold_out")
    return ctx.t(
        "lovebank.reward.line", id=reward.id, name=reward.name, points=reward.points, stock=stock, provider=provider, until=reward.valid_until.isoformat()
    )


async def where_to_collect(ctx: Context, reward: Reward) -> str:
    """Say where a reward is collected: its community, or for a district reward the volunteer's community."""
    owner = await ctx.uow.units.get(reward.unit_id)
    if owner is not None and owner.kind == "community":
        return owner.name
    return ctx.t("lovebank.reward.own_community")


async def show_catalogue(ctx: Context, page: int = 0) -> Step:
    """Show a page of the rewards the volunteer may redeem, with their balance."""
    community = await home_community(ctx)
    rewards = await catalogue(ctx.uow.session, community, ctx.now.astimezone(ctx.services.tz).date())
    balance = await balance_of(ctx.uow.session, ctx.person.id)
    if not rewards:
        return ctx.step(Outbound(text=ctx.t("lovebank.reward.none", balance=balance)))
    shown = rewards[page * PAGE : (page + 1) * PAGE]
    lines = [ctx.t("lovebank.reward.title", balance=balance, count=len(rewards))] + [reward_line(ctx, r) for r in shown]
    buttons: list[Button] = [button(ctx.t("lovebank.reward.open", id=r.id, name=r.name[:12], points=r.points), LoveReward("view", r.id)) for r in shown]
    if page > 0:
        buttons.append(button(ctx.t("cases.previous"), LovePage("rewards", page - 1)))
    if len(rewards) > (page + 1) * PAGE:
        buttons.append(button(ctx.t("cases.next"), LovePage("rewards", page + 1)))
    return ctx.step(Outbound(text="\n".join(lines), buttons=tuple(buttons)))


async def _offered(ctx: Context, reward_id: int) -> tuple[Reward, int | None]:
    """Return a reward the volunteer may redeem here and now, and their community."""
    reward = await get_reward(ctx.uow.session, reward_id)
    community = await home_community(ctx)
    if reward is None or not available(reward, community, ctx.now.astimezone(ctx.services.tz).date()):
        raise UserError(ctx.t("lovebank.reward.not_offered"))
    return reward, community


async def show_reward(ctx: Context, reward_id: int) -> Step:
    """Show a reward's card with its price, and the button that redeems it."""
    reward, _ = await _offered(ctx, reward_id)
    balance = await balance_of(ctx.uow.session, ctx.person.id)
    lines = [
        reward_line(ctx, reward),
        ctx.t("lovebank.reward.collect", where=await where_to_collect(ctx, reward), days=ctx.services.lovebank.redemption_days),
        ctx.t("lovebank.reward.balance", balance=balance),
    ]
    buttons: tuple[Button, ...] = ()
    if reward.stock <= 0:
        lines.append(ctx.t("lovebank.reward.sold_out_now"))
    elif balance < reward.points:
        lines.append(ctx.t("lovebank.reward.short", points=reward.points, balance=balance))
    else:
        buttons = (button(ctx.t("lovebank.reward.confirm", points=reward.points), LoveReward("redeem", reward.id)),)
    return ctx.step(Outbound(text="\n".join(lines), buttons=buttons))


async def redeem_reward(ctx: Context, reward_id: int) -> Step:
    """Redeem a reward: debit the points, take one from the stock, and give the volunteer their code."""
    reward, community = await _offered(ctx, reward_id)
    section = ctx.services.lovebank
    try:
        redemption = await redeem(
            ctx.uow.session, reward.id, Redeemer(ctx.person.id, community), ctx.now,
            days=section.redemption_days, today=ctx.now.astimezone(ctx.services.tz).date(),
        )
    except Overdraw as exc:
        raise UserError(ctx.t("lovebank.reward.short", points=reward.points, balance=exc.balance)) from exc
    except RedeemError as exc:
        raise UserError(ctx.t("lovebank.reward.sold_out_now" if exc.code == "sold_out" else "lovebank.reward.not_offered")) from exc
    text = ctx.t(
        "lovebank.reward.redeemed",
        name=reward.name,
        code=format_voucher(redemption.code),
        points=reward.points,
        balance=await balance_of(ctx.uow.session, ctx.person.id),
        until=ctx.local(redemption.expires_at),
        where=await where_to_collect(ctx, reward),
    )
    return ctx.step(Outbound(text=text, buttons=(button(ctx.t("lovebank.menu.vouchers"), LoveMenu("vouchers")),)))
