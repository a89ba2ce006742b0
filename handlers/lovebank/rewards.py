"""The catalogue's keepers: a community worker (for their community) or the command center (for the district)
adds a reward — name → provider → points → stock → valid until → (district: which communities) →
confirm — lists what they keep, restocks or withdraws a reward."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from handlers.buttons import button, choice
from handlers.core import Context, Step, UserError
from handlers.flow import State
from handlers.lovebank.access import refuse, require_keeper
from handlers.lovebank.buttons import LoveReward
from handlers.lovebank.parse import parse_date, parse_whole
from handlers.messages import Outbound
from storage.lovebank.rewards import (
    MAX_STOCK,
    NewReward,
    add_reward,
    get_reward,
    of_units,
    put_back,
    withdraw_reward,
)
from storage.models.lovebank import Reward

NAME, PROVIDER, POINTS, STOCK, UNTIL, WHERE, CONFIRM, RESTOCK = (
    "lb.rw.name", "lb.rw.provider", "lb.rw.points", "lb.rw.stock", "lb.rw.until", "lb.rw.where", "lb.rw.confirm", "lb.rw.restock",
)
MAX_NAME, MAX_PROVIDER, MAX_POINTS = 40, 40, 100_000
PERIODS = {"month": 31, "quarter": 92, "half": 183, "year": 366}
ALL = "all"


async def start(ctx: Context) -> Step:
    """Begin adding a reward to the catalogue the sender keeps (their community's, else the district's)."""
    units = await require_keeper(ctx)
    return ctx.step(Outbound(text=ctx.t("lovebank.rw.ask_name", limit=MAX_NAME)), state=NAME, data={"unit_id": units[0]})


def _line(ctx: Context, limit: int) -> str:
    """Return the typed text on one line, refusing an empty or overlong one."""
    text = " ".join(ctx.inbound.payload.split())
    if not text or len(text) > limit:
        raise UserError(ctx.t("lovebank.post.too_long", limit=limit))
    return text


async def _name(ctx: Context) -> Step:
    """Take the name and ask who provides it."""
    buttons = (choice(ctx.t("lovebank.rw.skip"), PROVIDER, "skip"),)
    return ctx.step(Outbound(text=ctx.t("lovebank.rw.ask_provider"), buttons=buttons), state=PROVIDER, data=ctx.data | {"name": _line(ctx, MAX_NAME)})


def _ask_points(ctx: Context, data: dict[str, Any]) -> Step:
    """Ask the price in points."""
    return ctx.step(Outbound(text=ctx.t("lovebank.rw.ask_points")), state=POINTS, data=data)


async def _provider(ctx: Context) -> Step:
    """Take the provider."""
    return _ask_points(ctx, ctx.data | {"provider": _line(ctx, MAX_PROVIDER)})


async def _no_provider(ctx: Context, value: str) -> Step:
    """Go on without a provider."""
    return _ask_points(ctx, ctx.data | {"provider": None})


async def _points(ctx: Context) -> Step:
    """Take the price and ask how many there are."""
    points = parse_whole(ctx.inbound.payload)
    if points is None or not 1 <= points <= MAX_POINTS:
        return ctx.step(Outbound(text=ctx.t("lovebank.rw.bad_number", limit=MAX_POINTS)), state=POINTS, data=ctx.data)
    return ctx.step(Outbound(text=ctx.t("lovebank.rw.ask_stock")), state=STOCK, data=ctx.data | {"points": points})


async def _stock(ctx: Context) -> Step:
    """Take the stock and ask until when it may be redeemed."""
    stock = parse_whole(ctx.inbound.payload)
    if stock is None or not 1 <= stock <= MAX_STOCK:
        return ctx.step(Outbound(text=ctx.t("lovebank.rw.bad_number", limit=MAX_STOCK)), state=STOCK, data=ctx.data)
    buttons = tuple(choice(ctx.t(f"lovebank.rw.period.{name}"), UNTIL, name) for name in PERIODS)
    return ctx.step(Outbound(text=ctx.t("lovebank.rw.ask_until"), buttons=buttons), state=UNTIL, data=ctx.data | {"stock": stock})


def _today(ctx: Context) -> date:
    """Return today's local date."""
    return ctx.now.astimezone(ctx.services.tz).date()


async def _set_until(ctx: Context, until: date | None) -> Step:
    """Take the last day; the district asks which communities next, a community confirms."""
    today = _today(ctx)
    if until is None or not today <= until <= today + timedelta(days=2 * 366):
        return ctx.step(Outbound(text=ctx.t("lovebank.rw.bad_until")), state=UNTIL, data=ctx.data)
    data = ctx.data | {"until": until.isoformat()}
    unit = await ctx.uow.units.get(int(data["unit_id"]))
    if unit is not None and unit.kind == "district":
        communities = await ctx.uow.units.of_kind("community")
        buttons = (choice(ctx.t("wish.all_communities"), WHERE, ALL), *(choice(c.name, WHERE, str(c.id)) for c in communities))
        return ctx.step(Outbound(text=ctx.t("lovebank.rw.ask_where"), buttons=buttons), state=WHERE, data=data)
    return await _summary(ctx, data | {"communities": [int(data["unit_id"])]})


async def _until_text(ctx: Context) -> Step:
    """Take a typed last day."""
    return await _set_until(ctx, parse_date(ctx.inbound.payload))


async def _until_choice(ctx: Context, value: str) -> Step:
    """Take a period from today."""
    if value not in PERIODS:
        raise UserError(ctx.t("errors.expired_button"))
    return await _set_until(ctx, _today(ctx) + timedelta(days=PERIODS[value]))


async def _where(ctx: Context, value: str) -> Step:
    """Take the communities a district reward is offered in (all, or one)."""
    if value == ALL:
        return await _summary(ctx, ctx.data | {"communities": []})
    unit = await ctx.uow.units.get(int(value)) if value.isdigit() else None
    if unit is None or unit.kind != "community":
        raise UserError(ctx.t("errors.expired_button"))
    return await _summary(ctx, ctx.data | {"communities": [unit.id]})


async def _where_text(ctx: Context) -> Step:
    """Remind the keeper to pick the communities."""
    return ctx.step(Outbound(text=ctx.t("lovebank.rw.ask_where")), state=WHERE, data=ctx.data)


async def _summary(ctx: Context, data: dict[str, Any]) -> Step:
    """Show the reward to add, with 发布."""
    names = [u.name for c in data["communities"] if (u := await ctx.uow.units.get(int(c))) is not None]
    where = ctx.t("wish.format.separator").join(names) or ctx.t("wish.all_communities")
    text = ctx.t(
        "lovebank.rw.summary", name=data["name"], provider=data.get("provider") or "—", points=data["points"], stock=data["stock"], until=data["until"], where=where
    )
    return ctx.step(Outbound(text=text, buttons=(choice(ctx.t("lovebank.post.publish"), CONFIRM, "add"),)), state=CONFIRM, data=data)


async def _confirm_text(ctx: Context) -> Step:
    """Remind the keeper to press 发布 (or 取消)."""
    return await _summary(ctx, ctx.data)


async def _add(ctx: Context, value: str) -> Step:
    """Put the reward in the catalogue."""
    if value != "add":
        raise UserError(ctx.t("errors.expired_button"))
    data = ctx.data
    if int(data["unit_id"]) not in await require_keeper(ctx):
        raise UserError(ctx.t("lovebank.only_keeper"))
    new = NewReward(
        unit_id=int(data["unit_id"]),
        name=str(data["name"]),
        points=int(data["points"]),
        stock=int(data["stock"]),
        valid_until=date.fromisoformat(data["until"]),
        provider=data.get("provider"),
        community_ids=tuple(int(c) for c in data["communities"]),
        created_by_person_id=ctx.person.id,
    )
    reward = await add_reward(ctx.uow.session, new, ctx.now)
    return ctx.step(Outbound(text=ctx.t("lovebank.rw.added", id=reward.id, name=reward.name)))


def _kept_line(ctx: Context, reward: Reward) -> str:
    """Return one line of the keeper's list."""
    state = ctx.t("lovebank.rw.on" if reward.active else "lovebank.rw.off")
    return ctx.t("lovebank.rw.kept_line", id=reward.id, name=reward.name, points=reward.points, stock=reward.stock, until=reward.valid_until.isoformat(), state=state)


async def show_kept(ctx: Context) -> Step:
    """List the rewards the sender keeps."""
    rewards = list(await of_units(ctx.uow.session, await require_keeper(ctx)))[:20]
    if not rewards:
        return ctx.step(Outbound(text=ctx.t("lovebank.rw.none_kept")))
    lines = [ctx.t("lovebank.rw.kept_title", count=len(rewards))] + [_kept_line(ctx, r) for r in rewards]
    buttons = tuple(button(ctx.t("lovebank.rw.manage", id=r.id), LoveReward("manage", r.id)) for r in rewards if r.active)
    return ctx.step(Outbound(text="\n".join(lines), buttons=buttons))


async def _kept(ctx: Context, reward_id: int) -> Reward:
    """Return a reward the sender keeps."""
    reward = await get_reward(ctx.uow.session, reward_id)
    if reward is None or reward.unit_id not in await require_keeper(ctx):
        raise refuse(ctx, "lovebank.rw.not_yours", f"managing reward {reward_id}")
    return reward


async def manage(ctx: Context, reward_id: int) -> Step:
    """Show a kept reward with restock and withdraw."""
    reward = await _kept(ctx, reward_id)
    buttons = (button(ctx.t("lovebank.rw.restock"), LoveReward("restock", reward.id)), button(ctx.t("lovebank.rw.withdraw"), LoveReward("withdraw", reward.id)))
    return ctx.step(Outbound(text=_kept_line(ctx, reward), buttons=buttons if reward.active else ()))


async def ask_restock(ctx: Context, reward_id: int) -> Step:
    """Ask how many items to add to the stock."""
    reward = await _kept(ctx, reward_id)
    return ctx.step(Outbound(text=ctx.t("lovebank.rw.ask_restock", name=reward.name)), state=RESTOCK, data={"reward_id": reward.id})


async def _restock(ctx: Context) -> Step:
    """Add the typed number of items to the stock."""
    reward = await _kept(ctx, int(ctx.data["reward_id"]))
    count = parse_whole(ctx.inbound.payload)
    if count is None or not 1 <= count <= MAX_STOCK - reward.stock:
        return ctx.step(Outbound(text=ctx.t("lovebank.rw.bad_number", limit=MAX_STOCK - reward.stock)), state=RESTOCK, data=ctx.data)
    await put_back(ctx.uow.session, reward.id, ctx.now, count)
    fresh = await _kept(ctx, reward.id)
    return ctx.step(Outbound(text=ctx.t("lovebank.rw.restocked", name=fresh.name, stock=fresh.stock)))


async def withdraw(ctx: Context, reward_id: int) -> Step:
    """Take a reward off the catalogue (codes already issued stay valid)."""
    reward = await _kept(ctx, reward_id)
    await withdraw_reward(ctx.uow.session, reward.id, ctx.now)
    return ctx.step(Outbound(text=ctx.t("lovebank.rw.withdrawn", name=reward.name)))


STATES: dict[str, State] = {
    NAME: State(NAME, on_text=_name, hint_key="lovebank.post.hint"),
    PROVIDER: State(PROVIDER, on_text=_provider, on_choice=_no_provider, hint_key="lovebank.rw.ask_provider"),
    POINTS: State(POINTS, on_text=_points, hint_key="lovebank.rw.ask_points"),
    STOCK: State(STOCK, on_text=_stock, hint_key="lovebank.rw.ask_stock"),
    UNTIL: State(UNTIL, on_text=_until_text, on_choice=_until_choice, hint_key="lovebank.rw.ask_until"),
    WHERE: State(WHERE, on_text=_where_text, on_choice=_where),
    CONFIRM: State(CONFIRM, on_text=_confirm_text, on_choice=_add),
    RESTOCK: State(RESTOCK, on_text=_restock, hint_key="lovebank.post.hint"),
}
