"""Wish teams (帮帮团): a group claim gets a join code; members send 加入帮帮团 CODE to join, and share the
wish's points when it is confirmed (storage.lovebank.wish_credit)."""

from __future__ import annotations

from handlers.core import Context, Step, UserError
from handlers.messages import Outbound
from storage.lovebank.wish_credit import MAX_TEAM, join_team, members_of, open_team, team_of
from storage.models.wishes import Wish, WishEvent


async def open_for_claim(ctx: Context, wish: Wish, event: WishEvent) -> str:
    """Open the team of a group claim and return the line that gives the claimant its join code."""
    team = await open_team(ctx.uow.session, wish, event.id, ctx.now)
    return ctx.t("lovebank.team.opened", code=team.code)


async def card_lines(ctx: Context, wish: Wish) -> list[str]:
    """Return the claimant's lines about their team: its code and how many joined."""
    team = await team_of(ctx.uow.session, wish)
    if team is None:
        return []
    members = await members_of(ctx.uow.session, team)
    return [ctx.t("lovebank.team.card", code=team.code, count=len(members))]


async def join(ctx: Context, typed: str) -> Step:
    """Join the team a code names."""
    joined = await join_team(ctx.uow.session, typed[:16], ctx.person.id, ctx.now)
    if joined.outcome == "unknown" or joined.wish is None:
        raise UserError(ctx.t("lovebank.team.unknown"))
    params = {"id": joined.wish.id, "limit": MAX_TEAM}
    if joined.outcome != "joined":
        raise UserError(ctx.t(f"lovebank.team.{joined.outcome}", **params))
    return ctx.step(Outbound(text=ctx.t("lovebank.team.joined", **params)))
