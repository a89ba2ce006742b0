"""An administrator bans a case's resident from a case card (屏蔽此用户): how long, why, done — recorded, and
the resident is told once; their messages are recorded but not handled until the ban ends (bot/dispatcher.py)."""

from __future__ import annotations

from datetime import timedelta

from handlers.buttons import BanDays, BanUser, button
from handlers.core import Context, Step, UserError
from handlers.flow import State
from handlers.messages import Outbound
from storage.bans import ban
from storage.cases.lifecycle import Role
from storage.models.cases import Case

REASON = "admin.ban_reason"
BAN_DAYS = (7, 30, 365)


async def _case_for_admin(ctx: Context, case_id: int) -> Case:
    """Return the case, refusing anyone but an administrator."""
    if not any(b.role == Role.ADMIN.value for b in await ctx.bindings()):
        raise UserError(ctx.t("staff.no_access"))
    case = await ctx.uow.cases.get(case_id)
    if case is None:
        raise UserError(ctx.t("staff.no_access"))
    return case


async def ban_buttons(ctx: Context, case: Case) -> tuple[Outbound, ...]:
    """Return the card's 屏蔽此用户 button for administrators (nothing for anyone else)."""
    if not any(b.role == Role.ADMIN.value for b in await ctx.bindings()):
        return ()
    return (Outbound(text=ctx.t("staff.ban.offer"), buttons=(button(ctx.t("staff.ban.button"), BanUser(case.id)),)),)


async def ask_days(ctx: Context, data: BanUser) -> Step:
    """Ask how long the case's resident is banned."""
    case = await _case_for_admin(ctx, data.case_id)
    buttons = tuple(button(ctx.t("staff.ban.days", days=days), BanDays(case.id, days)) for days in BAN_DAYS)
    return ctx.step(Outbound(text=ctx.t("staff.ban.ask_days", number=case.number), buttons=buttons))


async def ask_reason(ctx: Context, data: BanDays) -> Step:
    """Ask why, holding the length of the ban."""
    case = await _case_for_admin(ctx, data.case_id)
    if data.days not in BAN_DAYS:
        raise UserError(ctx.t("errors.unknown_button"))
    return ctx.step(Outbound(text=ctx.t("staff.ban.ask_reason")), state=REASON, data={"case_id": case.id, "days": data.days})


async def _reason(ctx: Context) -> Step:
    """Ban the resident with the reason just typed."""
    case = await _case_for_admin(ctx, int(ctx.data["case_id"]))
    reason = ctx.inbound.payload.strip()
    if not reason:
        raise UserError(ctx.t("staff.ban.ask_reason"))
    resident = await ctx.uow.people.get(case.resident_person_id)
    if resident is None or resident.id == ctx.person.id:
        raise UserError(ctx.t("staff.no_access"))
    until = ctx.now + timedelta(days=int(ctx.data["days"]))
    await ban(ctx.uow.session, resident, until, reason=reason, by_person_id=ctx.person.id, now=ctx.now)
    return ctx.step(Outbound(text=ctx.t("staff.ban.done", number=case.number, until=ctx.local(until))))


STATES: dict[str, State] = {REASON: State(REASON, on_text=_reason)}
