"""The staff menu and task lists: my tasks, the command center's queues (triage, returns, extensions, red
lights), this week's and month's report for leaders and the command center, administrators' newest cases, the cockpit
link, who am I."""

from __future__ import annotations

from datetime import timedelta

from handlers.buttons import (
    StaffCard,
    StaffMenu,
    StaffPage,
    button,
)
from handlers.casework import summary
from handlers.core import Context, Step, UserError
from handlers.lovebank.menu import staff_buttons as lovebank_staff_buttons
from handlers.menu import language_button, main_menu
from handlers.messages import Outbound
from handlers.reports.leader import cockpit_link, request_report
from handlers.staff import on_behalf, patrol
from handlers.staff.access import staff_bindings
from handlers.staff.binding import whoami
from handlers.staff.card import light_of
from handlers.wishes.menu import staff_buttons as wish_staff_buttons
from storage.cases.lifecycle import (
    HANDLER_ROLES,
    WORKING_STATES,
    Role,
    Status,
)
from storage.cases.publication import awaiting_publication
from storage.cases.supervision import Colour
from storage.models.cases import Case

PAGE_SIZE = 5
NEWEST_WINDOW = timedelta(days=7)  # an administrator's 最近诉求 list
WORKING = [s.value for s in WORKING_STATES]
REPORT_ITEMS = {"report_week": "week", "report_month": "month"}
LABELS = {"cockpit": "cockpit.chat.menu", "publishable": "publication.menu"}  # menu entries whose label is kept with their feature


FLOWS = {"whoami": whoami, "patrol": patrol.start, "on_behalf": on_behalf.start}  # entries that start a conversation of their own
LIGHT_ORDER = {Colour.RED: 0, Colour.YELLOW: 1, Colour.NONE: 2}


async def staff_menu(ctx: Context) -> Outbound | None:
    """Return the staff menu for the sender's roles, or None for residents."""
    bindings = await ctx.bindings()
    if not bindings:
        return None
    roles = {Role(b.role) for b in bindings}
    items = []
    if roles & HANDLER_ROLES:
        items.append("tasks")
    if Role.GRID_MEMBER in roles:
        items.append("patrol")
    if Role.OPERATOR in roles:
        items.append("on_behalf")
    if Role.COMMAND_CENTER in roles:
        items += ["triage", "returns", "extensions", "red", "publishable"]
    if roles & {Role.LEADER, Role.COMMAND_CENTER}:
        items += ["report_week", "report_month"]
    if Role.ADMIN in roles:
        items.append("newest")
    if roles & {Role.LEADER, Role.COMMAND_CENTER, Role.ADMIN}:
        items.append("cockpit")
    items.append("whoami")
    buttons = (
        *(button(ctx.t(LABELS.get(item, f"staff.menu.{item}")), StaffMenu(item)) for item in items),
        *await wish_staff_buttons(ctx),
        *await lovebank_staff_buttons(ctx),
        language_button(ctx),
    )
    return Outbound(text=ctx.t("staff.menu.prompt"), buttons=buttons)


async def show_tasks(ctx: Context) -> Step:
    """Show the first page of the sender's open cases."""
    return await show_list(ctx, StaffPage("tasks", 0))


async def open_menu_item(ctx: Context, data: StaffMenu) -> Step:
    """Open a staff menu entry."""
    flow = FLOWS.get(data.item)
    if flow is not None:
        return await flow(ctx)
    if data.item == "menu":  # the work menu itself (WeChat Work's application menu opens it)
        staff = await staff_menu(ctx)
        return ctx.step(staff or main_menu(ctx))
    if data.item in REPORT_ITEMS:
        return await request_report(ctx, REPORT_ITEMS[data.item])
    if data.item == "cockpit":
        return await cockpit_link(ctx)
    return await show_list(ctx, StaffPage(data.item, 0))


async def _list_cases(ctx: Context, which: str) -> list[Case]:
    """Return the cases of a staff list, reddest and oldest first."""
    bindings = await staff_bindings(ctx)
    roles = {Role(b.role) for b in bindings}
    if which == "tasks":
        units = [b.unit_id for b in bindings if Role(b.role) in HANDLER_ROLES]
        cases = list(await ctx.uow.cases.in_states(WORKING, unit_ids=units))
        return sorted(cases, key=lambda c: (LIGHT_ORDER[light_of(ctx, c).colour], c.dispatched_at or c.created_at, c.id))
    if which == "newest" and Role.ADMIN in roles:  # where an administrator finds a case (and its reporter) to act on
        return list(await ctx.uow.cases.newest(ctx.now - NEWEST_WINDOW))
    if Role.COMMAND_CENTER not in roles:
        raise UserError(ctx.t("staff.center_only"))
    if which == "triage":
        centre = [b.unit_id for b in bindings if b.role == Role.COMMAND_CENTER]
        return list(await ctx.uow.cases.in_states([Status.REGISTERED.value], unit_ids=centre))
    return await _center_list(ctx, which)


async def _center_list(ctx: Context, which: str) -> list[Case]:
    """Return one of the command center's district-wide lists."""
    if which == "returns":
        return list(await ctx.uow.cases.in_states([Status.RETURNED.value]))
    if which == "extensions":
        return list(await ctx.uow.cases.with_pending_extension())
    if which == "red":
        return list(await ctx.uow.cases.overdue(WORKING, ctx.now))
    if which == "publishable":
        return await awaiting_publication(ctx.uow.session)
    raise UserError(ctx.t("errors.unknown_button"))


async def show_list(ctx: Context, data: StaffPage) -> Step:
    """Show one page of a staff list, with a button per case."""
    cases = await _list_cases(ctx, data.list)
    shown = cases[data.page * PAGE_SIZE : (data.page + 1) * PAGE_SIZE]
    if not shown:
        return ctx.step(Outbound(text=ctx.t(f"staff.list.{data.list}.empty")))
    lines = [ctx.t(f"staff.list.{data.list}.title", count=len(cases), page=data.page + 1)]
    lines += [_list_line(ctx, c) for c in shown]
    buttons = [button(c.number, StaffCard(c.id)) for c in shown]
    if data.page > 0:
        buttons.append(button(ctx.t("cases.previous"), StaffPage(data.list, data.page - 1)))
    if len(cases) > (data.page + 1) * PAGE_SIZE:
        buttons.append(button(ctx.t("cases.next"), StaffPage(data.list, data.page + 1)))
    return ctx.step(Outbound(text="\n".join(lines), buttons=tuple(buttons)))


def _list_line(ctx: Context, case: Case) -> str:
    """Return one line of a staff list."""
    light = light_of(ctx, case)
    return ctx.t(
        "staff.list_line",
        light=ctx.t(f"staff.light.{light.colour.value}"),
        number=case.number,
        status=ctx.t(f"status.{case.status}"),
        summary=summary(case.text),
        deadline=ctx.local(case.handle_deadline),
    )
