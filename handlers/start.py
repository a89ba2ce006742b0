"""The greeting and help: the start menu for everyone, and for staff their work menu and their own help.

Staff (every role but resident and party member) who type free text outside a flow are shown their
work menu instead of starting a complaint; they can still pick 我要反映 to report as a resident.
"""

from __future__ import annotations

from handlers.buttons import MenuItem, button
from handlers.core import Context, Step
from handlers.menu import main_menu
from handlers.messages import Outbound
from handlers.staff.menu import staff_menu
from storage.cases.lifecycle import Role

# Roles whose free text outside a flow is work, not a new complaint.
WORKING_ROLES = frozenset(Role) - {Role.RESIDENT, Role.PARTY_MEMBER, Role.SYSTEM}
LOVEBANK_HELP = (Role.COMMUNITY, Role.COMMAND_CENTER)  # who keeps a catalogue or organises activities (lovebank.help.*)
HELP_ORDER = (Role.GRID_MEMBER, Role.COMMUNITY, Role.STREET, Role.DEPARTMENT, Role.COMMAND_CENTER, Role.OPERATOR, Role.LEADER, Role.ADMIN, Role.PARTY_MEMBER)


async def working_roles(ctx: Context) -> list[Role]:
    """Return the sender's staff roles (none for residents and party members), in help order."""
    held = {Role(b.role) for b in await ctx.bindings()}
    return [role for role in HELP_ORDER if role in held and role in WORKING_ROLES]


async def show_menu(ctx: Context) -> Step:
    """Greet and show the start menu, and the staff menu to staff."""
    staff = await staff_menu(ctx)
    return ctx.step(main_menu(ctx, "menu.welcome"), *((staff,) if staff else ()))


async def show_help(ctx: Context) -> Step:
    """Explain what the bot does: the residents' help, or for staff what each of their roles can do here."""
    roles = await working_roles(ctx)
    if not roles:
        return ctx.step(Outbound(text="\n".join([ctx.t("help.text"), ctx.t("lovebank.help.volunteer")])), main_menu(ctx))
    held = {Role(b.role) for b in await ctx.bindings()}
    lines = [ctx.t("help.staff.title")] + [ctx.t(f"help.staff.{role.value}") for role in HELP_ORDER if role in held]
    lines += [ctx.t(f"lovebank.help.{role.value}") for role in LOVEBANK_HELP if role in held]
    lines.append(ctx.t("help.staff.footer"))
    staff = await staff_menu(ctx)
    return ctx.step(Outbound(text="\n".join(lines)), *((staff,) if staff else ()))


async def staff_only(ctx: Context) -> Step:
    """Tell someone with no staff role, on a channel for staff only, where residents go instead."""
    account = ctx.services.staff_only_channels.get(ctx.inbound.channel, "")
    text = ctx.t("staff_only.text", account=account) if account else ctx.t("staff_only.no_account")
    return ctx.step(Outbound(text=text))


async def staff_free_text(ctx: Context) -> Step:
    """Answer staff free text outside a flow with their work menu (and a way to report as a resident)."""
    staff = await staff_menu(ctx)
    report = Outbound(text=ctx.t("help.staff.free_text"), buttons=(button(ctx.t("menu.report"), MenuItem("report")),))
    return ctx.step(report, *((staff,) if staff else ()))
